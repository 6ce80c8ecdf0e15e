// PyMD for CodeMirror: a stream tokenizer that styles `# ` Markdown lines as Markdown, executed
// blocks as Python, display-only blocks and fences distinctly, and comment lines dimmed.
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StreamParser } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

interface State {
  /** Inside a fenced block: its marker ("```" or "````") and whether it executes. */
  fence: { marker: string; prefixed: boolean; executed: boolean } | null;
  /** An open triple-quoted Python string inside a block. */
  pyString: string | null;
}

const PY_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case".split(
    " ",
  ),
);
const PY_BUILTINS = new Set(
  "print len range str int float list dict set tuple sum min max abs open enumerate zip map filter sorted isinstance type super input round any all".split(
    " ",
  ),
);

const FENCE = /^(#\s?)?(`{3,4})\s*([\w+-]*)\s*$/;

function pythonToken(stream: Parameters<StreamParser<State>["token"]>[0], state: State): string | null {
  if (state.pyString) {
    const end = stream.string.indexOf(state.pyString, stream.pos);
    if (end < 0) {
      stream.skipToEnd();
      return "string";
    }
    stream.pos = end + 3;
    state.pyString = null;
    return "string";
  }
  if (stream.eatSpace()) return null;
  const ch = stream.peek()!;
  if (ch === "#") {
    stream.skipToEnd();
    return "comment";
  }
  const triple = stream.match(/^[rbfuRBFU]{0,2}("""|''')/);
  if (triple) {
    state.pyString = (triple as RegExpMatchArray)[1]!;
    return pythonToken(stream, state) ?? "string";
  }
  if (stream.match(/^[rbfuRBFU]{0,2}"(?:[^"\\]|\\.)*"?/) || stream.match(/^[rbfuRBFU]{0,2}'(?:[^'\\]|\\.)*'?/))
    return "string";
  if (stream.match(/^(0x[\da-fA-F_]+|\d[\d_]*\.?[\d_]*(e[+-]?\d+)?j?)/)) return "number";
  if (stream.match(/^@[\w.]+/)) return "meta";
  const word = stream.match(/^[A-Za-z_]\w*/);
  if (word) {
    const w = (word as RegExpMatchArray)[0];
    if (PY_KEYWORDS.has(w)) return "keyword";
    if (PY_BUILTINS.has(w)) return "builtin";
    if (stream.peek() === "(") return "function";
    return "variable";
  }
  stream.next();
  return /[+\-*/%=<>!&|^~]/.test(ch) ? "operator" : null;
}

function markdownToken(stream: Parameters<StreamParser<State>["token"]>[0]): string | null {
  if (stream.sol()) {
    if (stream.match(/^#(?=\s|$)/)) {
      return "prefix";
    }
  }
  if (stream.pos <= 2 && stream.match(/^\s?#{1,6}\s.*$/)) return "heading";
  if (stream.pos <= 2 && stream.match(/^\s?(?:[-*+]|\d+[.)])\s/)) return "list";
  if (stream.pos <= 2 && stream.match(/^\s?>.*$/)) return "quote";
  if (stream.match(/^`[^`]*`/)) return "monospace";
  if (stream.match(/^\*\*[^*]+\*\*/) || stream.match(/^__[^_]+__/)) return "strong";
  if (stream.match(/^\*[^*\s][^*]*\*/) || stream.match(/^_[^_\s][^_]*_/)) return "emphasis";
  if (stream.match(/^\[[^\]]*\]\([^)]*\)/)) return "link";
  if (stream.match(/^\|/)) return "meta";
  stream.next();
  return "content";
}

const parser: StreamParser<State> = {
  name: "pymd",
  startState: () => ({ fence: null, pyString: null }),
  copyState: (s) => ({ fence: s.fence ? { ...s.fence } : null, pyString: s.pyString }),
  token(stream, state) {
    if (stream.sol()) {
      const m = FENCE.exec(stream.string);
      if (m) {
        const prefixed = m[1] !== undefined;
        const marker = m[2]!;
        if (state.fence) {
          if (marker === state.fence.marker && !m[3]) {
            state.fence = null;
            state.pyString = null;
            stream.skipToEnd();
            return "fence";
          }
        } else {
          const lang = m[3] ?? "";
          state.fence = {
            marker,
            prefixed,
            executed: marker.length === 3 && (lang === "" || /^py(thon)?3?$/i.test(lang)),
          };
          stream.skipToEnd();
          return state.fence.executed ? "fence" : "displayFence";
        }
      }
      if (!state.fence) {
        if (/^(#\s?)?\/\//.test(stream.string)) {
          stream.skipToEnd();
          return "pymdComment";
        }
        if (/^import pymd\s*$/.test(stream.string)) {
          stream.skipToEnd();
          return "pymdComment";
        }
      }
    }
    if (state.fence) {
      if (!state.fence.executed) {
        stream.skipToEnd();
        return "displayCode";
      }
      return pythonToken(stream, state);
    }
    if (/^#(\s|$)/.test(stream.string)) return markdownToken(stream);
    stream.skipToEnd();
    return "plain";
  },
  tokenTable: {
    prefix: t.processingInstruction,
    heading: t.heading,
    list: t.list,
    quote: t.quote,
    monospace: t.monospace,
    strong: t.strong,
    emphasis: t.emphasis,
    link: t.link,
    content: t.content,
    fence: t.meta,
    displayFence: t.special(t.meta),
    displayCode: t.special(t.string),
    pymdComment: t.lineComment,
    plain: t.content,
    builtin: t.standard(t.variableName),
    function: t.function(t.variableName),
  },
};

export const pymdLanguage = StreamLanguage.define(parser);

/** Colours come from CSS variables, so the light and dark themes need no second style. */
const style = HighlightStyle.define([
  { tag: t.processingInstruction, color: "var(--cm-prefix)" },
  { tag: t.heading, color: "var(--cm-heading)", fontWeight: "700" },
  { tag: t.list, color: "var(--cm-list)" },
  { tag: t.quote, color: "var(--cm-muted)", fontStyle: "italic" },
  { tag: t.monospace, color: "var(--cm-string)" },
  { tag: t.strong, fontWeight: "700" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.link, color: "var(--cm-link)", textDecoration: "underline" },
  { tag: t.meta, color: "var(--cm-fence)", fontWeight: "600" },
  { tag: t.special(t.meta), color: "var(--cm-display)", fontWeight: "600" },
  { tag: t.special(t.string), color: "var(--cm-display)" },
  { tag: t.lineComment, color: "var(--cm-muted)", fontStyle: "italic", opacity: "0.75" },
  { tag: t.comment, color: "var(--cm-muted)", fontStyle: "italic" },
  { tag: t.keyword, color: "var(--cm-keyword)" },
  { tag: t.string, color: "var(--cm-string)" },
  { tag: t.number, color: "var(--cm-number)" },
  { tag: t.standard(t.variableName), color: "var(--cm-builtin)" },
  { tag: t.function(t.variableName), color: "var(--cm-function)" },
  { tag: t.operator, color: "var(--cm-operator)" },
]);

export const pymdHighlighting = syntaxHighlighting(style);
