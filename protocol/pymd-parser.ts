// The PyMD block parser: splits a .pymd source into Markdown, executed code, display-only code
// and comment blocks with source positions. Pure and dependency-free: the client and server share it.

/** Where a block sits in the source. Lines are 1-based and inclusive; offsets are UTF-16 indices, end exclusive. */
export interface PymdSpan {
  startLine: number;
  endLine: number;
  startOffset: number;
  endOffset: number;
}

export interface PymdMarkdownBlock extends PymdSpan {
  kind: "markdown";
  /** The Markdown text with the `# ` prefixes removed, lines joined with "\n". */
  text: string;
}

export interface PymdCodeBlock extends PymdSpan {
  kind: "code" | "display-code";
  /** The body between the fences, verbatim (indentation kept, "\r" dropped). */
  code: string;
  /** The whole info string after the opening backticks, trimmed ("" when absent). */
  info: string;
  /** First word of the info string, lower-cased; "python" when the info string is empty. */
  lang: string;
  /** 1-based line of the first body line (the line after the opening fence). */
  codeLine: number;
  /** "#" when the fence was written `# ```` (Python-comment style), "" for a bare fence. */
  prefix: "#" | "";
  /** False when the document ended before the closing fence. */
  closed: boolean;
}

export interface PymdCommentBlock extends PymdSpan {
  kind: "comment";
  /** The comment lines as written, joined with "\n". */
  text: string;
}

export type PymdBlock = PymdMarkdownBlock | PymdCodeBlock | PymdCommentBlock;

export interface PymdProblem {
  /** 1-based line the problem is about. */
  line: number;
  message: string;
}

export interface ParsedPymd {
  blocks: PymdBlock[];
  problems: PymdProblem[];
  /**
   * "legacy" when no Markdown line is an explicit heading (`# # Title`, `# ## Part`): the document
   * was written for the original renderer's heading rule, so its single-`#` lines that pass that
   * rule's heading guess are headings, and each of its text lines is a paragraph of its own.
   * "markdown" otherwise: plain CommonMark, no guessing.
   */
  headingMode: "markdown" | "legacy";
}

/** Info-string languages that run as Python in an executed (three-backtick) fence. */
const PYTHON_LANGS = new Set(["python", "py", "python3", "pymd", "ipython"]);

const HASH = 35; // '#'
const SPACE = 32;
const TAB = 9;
const BACKTICK = 96;
const SLASH = 47;

interface Fence {
  ticks: 3 | 4;
  prefix: "#" | "";
  info: string;
}

function isBlankChar(c: number): boolean {
  return c === SPACE || c === TAB || c === 13 || c === 12 || c === 11;
}

/**
 * Reads a fence marker from a line already trimmed on both ends. Four backticks open a
 * display-only block; three an executed one. Five or more are not PyMD fences.
 */
function readFence(t: string): Fence | null {
  let i = 0;
  let prefix: "#" | "" = "";
  if (t.charCodeAt(0) === HASH) {
    prefix = "#";
    i = 1;
    while (i < t.length && isBlankChar(t.charCodeAt(i))) i++;
  }
  if (t.charCodeAt(i) !== BACKTICK || t.charCodeAt(i + 1) !== BACKTICK || t.charCodeAt(i + 2) !== BACKTICK) return null;
  let ticks = 3;
  while (t.charCodeAt(i + ticks) === BACKTICK) ticks++;
  if (ticks > 4) return null;
  const info = t.slice(i + ticks).trim();
  // CommonMark: the info string of a backtick fence cannot contain backticks (so "```x```" is inline code).
  if (info.includes("`")) return null;
  return { ticks: ticks as 3 | 4, prefix, info };
}

function closesFence(t: string, open: Fence): boolean {
  const f = readFence(t);
  return f !== null && f.info === "" && f.ticks === open.ticks && f.prefix === open.prefix;
}

function isComment(t: string): boolean {
  if (t.charCodeAt(0) === SLASH && t.charCodeAt(1) === SLASH) return true;
  return (
    t.charCodeAt(0) === HASH && t.charCodeAt(1) === SPACE && t.charCodeAt(2) === SLASH && t.charCodeAt(3) === SLASH
  );
}

/** Strips the line's leading whitespace, its `#` and at most one following space. */
function markdownContent(line: string): string {
  let i = 0;
  while (i < line.length && isBlankChar(line.charCodeAt(i))) i++;
  i++; // the '#'
  if (line.charCodeAt(i) === SPACE) i++;
  return line.slice(i);
}

/** A line Markdown reads as structure (heading, list, quote, table row, fence, display math, HTML, indented code, setext underline). */
const STRUCTURE_LINE = /^(?: {4}|\t|\s{0,3}(?:[#>*+|<=~`-]|\$\$|\d{1,9}[.)](?:\s|$)))|\|/;
const EXPLICIT_HEADING = /^\s{0,3}#{1,6}(?:\s|$)/;

/**
 * The original renderer's heading guess for a `#` line: a heading unless the text starts like a
 * list item, ends with `.`, `!` or `?`, has more than eight words, or starts with a lowercase letter.
 */
export function passesHeadingGuess(text: string): boolean {
  const t = text.trim();
  if (t === "" || STRUCTURE_LINE.test(t)) return false;
  if (/[.!?]$/.test(t)) return false;
  if (t.split(/\s+/).length > 8) return false;
  const first = t[0]!;
  return !(first !== first.toUpperCase() && first === first.toLowerCase());
}

type LineOrigin = "prefixed" | "plain";

/**
 * One Markdown block's text in the original's line model: each text line (not Markdown structure)
 * is a paragraph of its own; with `guess`, `#` lines that pass the heading guess are headings.
 */
function legacyText(lines: string[], origins: LineOrigin[], guess: boolean): string {
  const out: string[] = [];
  let prevText = false;
  let inFence: string | null = null;
  lines.forEach((line, i) => {
    const t = line.trim();
    if (inFence !== null) {
      out.push(line);
      if (t.startsWith(inFence)) inFence = null;
      return;
    }
    const fence = /^(~{3,}|`{3,}|\$\$)/.exec(t);
    if (fence) {
      // display math opened and closed on one line ($$x$$) is one line of structure
      inFence = fence[1] === "$$" && t.length >= 4 && t.endsWith("$$") ? null : fence[1]!;
      prevText = false;
      out.push(line);
      return;
    }
    const isText = t !== "" && !STRUCTURE_LINE.test(line);
    const split = isText && prevText && (guess || (origins[i] === "plain" && origins[i - 1] === "plain"));
    if (split) out.push("");
    out.push(guess && isText && origins[i] === "prefixed" && passesHeadingGuess(t) ? `# ${t}` : line);
    prevText = isText;
  });
  return out.join("\n");
}

function languageOf(info: string): string {
  if (info === "") return "python";
  const m = /^[^\s{]+/.exec(info);
  return m ? m[0].toLowerCase() : "python";
}

export interface ParseOptions {
  /** "auto" (the default) picks "legacy" when no Markdown line is an explicit heading. */
  headingMode?: "auto" | "markdown" | "legacy";
}

export function parsePymd(source: string, options: ParseOptions = {}): ParsedPymd {
  const blocks: PymdBlock[] = [];
  const problems: PymdProblem[] = [];

  // The open run of markdown or comment lines, flushed when another kind of line arrives.
  let runKind: "markdown" | "comment" | null = null;
  let runLines: string[] = [];
  let runOrigins: LineOrigin[] = [];
  let hasExplicitHeading = false;
  let hasPlainLines = false;
  // Markdown blocks with their lines, rewritten at the end when the document turns out to be legacy.
  const markdownRuns: { block: PymdMarkdownBlock; lines: string[]; origins: LineOrigin[] }[] = [];
  let runStartLine = 0;
  let runStartOffset = 0;
  let runEndLine = 0;
  let runEndOffset = 0;
  // Blank lines seen after the run's last content line: they join the run only if more content follows.
  let pendingBlanks = 0;

  const flushRun = (): void => {
    if (runKind === null) return;
    const span = { startLine: runStartLine, endLine: runEndLine, startOffset: runStartOffset, endOffset: runEndOffset };
    if (runKind === "markdown") {
      const block: PymdMarkdownBlock = { kind: "markdown", text: runLines.join("\n"), ...span };
      blocks.push(block);
      markdownRuns.push({ block, lines: runLines, origins: runOrigins });
    } else blocks.push({ kind: "comment", text: runLines.join("\n"), ...span });
    runKind = null;
    runLines = [];
    runOrigins = [];
    pendingBlanks = 0;
  };

  const addRunLine = (
    kind: "markdown" | "comment",
    text: string,
    lineNo: number,
    start: number,
    end: number,
    origin: LineOrigin = "prefixed",
  ): void => {
    if (runKind !== kind) {
      flushRun();
      runKind = kind;
      runStartLine = lineNo;
      runStartOffset = start;
    } else {
      for (; pendingBlanks > 0; pendingBlanks--) {
        runLines.push("");
        runOrigins.push(origin);
      }
    }
    pendingBlanks = 0;
    runLines.push(text);
    runOrigins.push(origin);
    runEndLine = lineNo;
    runEndOffset = end;
  };

  // The open fence, when inside a code block.
  let fence: Fence | null = null;
  let fenceStartLine = 0;
  let fenceStartOffset = 0;
  let bodyStart = -1; // offset of the first body line
  let bodyEnd = -1; // offset just past the last body line's content
  let codeLine = 0;

  const pushCode = (closed: boolean, endLine: number, endOffset: number): void => {
    if (!fence) return;
    const body = bodyStart < 0 ? "" : source.slice(bodyStart, bodyEnd);
    const code = body.includes("\r") ? body.replace(/\r(?=\n|$)/g, "") : body;
    const lang = languageOf(fence.info);
    const executed = fence.ticks === 3 && PYTHON_LANGS.has(lang);
    blocks.push({
      kind: executed ? "code" : "display-code",
      code,
      info: fence.info,
      lang,
      codeLine,
      prefix: fence.prefix,
      closed,
      startLine: fenceStartLine,
      endLine,
      startOffset: fenceStartOffset,
      endOffset,
    });
    fence = null;
  };

  const n = source.length;
  let pos = 0;
  let lineNo = 0;
  while (pos < n) {
    let nl = source.indexOf("\n", pos);
    if (nl < 0) nl = n;
    lineNo++;
    const lineStart = pos;
    let lineEnd = nl;
    if (lineEnd > lineStart && source.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    pos = nl + 1;

    // Trim by index so that most lines are classified without allocating.
    let a = lineStart;
    let b = lineEnd;
    while (a < b && isBlankChar(source.charCodeAt(a))) a++;
    while (b > a && isBlankChar(source.charCodeAt(b - 1))) b--;
    const first = a < b ? source.charCodeAt(a) : -1;

    if (fence) {
      if (first === BACKTICK || first === HASH) {
        if (closesFence(source.slice(a, b), fence)) {
          pushCode(true, lineNo, lineEnd);
          continue;
        }
      }
      if (bodyStart < 0) bodyStart = lineStart;
      bodyEnd = lineEnd;
      continue;
    }

    if (first === -1) {
      // A blank line belongs to the Markdown around it (it separates paragraphs) but ends a comment run.
      if (runKind === "markdown") pendingBlanks++;
      else flushRun();
      continue;
    }

    if (first === BACKTICK || first === HASH) {
      const f = readFence(source.slice(a, b));
      if (f) {
        flushRun();
        fence = f;
        fenceStartLine = lineNo;
        fenceStartOffset = lineStart;
        bodyStart = -1;
        bodyEnd = -1;
        codeLine = lineNo + 1;
        continue;
      }
    }

    if (first === SLASH || first === HASH) {
      const t = source.slice(a, Math.min(b, a + 4));
      if (isComment(t)) {
        addRunLine("comment", source.slice(lineStart, lineEnd), lineNo, lineStart, lineEnd);
        continue;
      }
    }

    if (first === HASH) {
      const content = markdownContent(source.slice(lineStart, lineEnd));
      if (EXPLICIT_HEADING.test(content)) hasExplicitHeading = true;
      addRunLine("markdown", content, lineNo, lineStart, lineEnd);
      continue;
    }

    if (b - a === 11 && source.startsWith("import pymd", a)) {
      // Exists so that `python file.pymd` works; it separates nothing.
      continue;
    }

    // A line that is neither `#`-Markdown, a fence nor a comment: legacy plain Markdown, kept as written.
    hasPlainLines = true;
    addRunLine("markdown", source.slice(lineStart, lineEnd), lineNo, lineStart, lineEnd, "plain");
  }

  if (fence) {
    const open: Fence = fence;
    const marker = (open.prefix ? "# " : "") + "`".repeat(open.ticks);
    problems.push({
      line: fenceStartLine,
      message: `Code fence opened at line ${fenceStartLine} is never closed (expected a line "${marker}"); the block runs to the end of the document.`,
    });
    pushCode(false, Math.max(lineNo, fenceStartLine), n);
  }
  flushRun();
  const wanted = options.headingMode ?? "auto";
  const headingMode = wanted !== "auto" ? wanted : hasExplicitHeading ? "markdown" : "legacy";
  if (headingMode === "legacy" || hasPlainLines) {
    for (const run of markdownRuns) run.block.text = legacyText(run.lines, run.origins, headingMode === "legacy");
  }
  return { blocks, problems, headingMode };
}
