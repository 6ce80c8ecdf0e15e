// A quick reader for the plainest Markdown: ATX headings, paragraphs, tight "- " lists, and inside
// them text, `code`, *emphasis*, **strong** and [links](url). It gives the same syntax tree as
// remark-parse with GFM and math (without source positions) or, for anything it is not sure of,
// null, and the text goes to remark-parse as before. Most prose in notebooks is this plain, and
// reading it here costs a few percent of what the full parser does.
//
// What it refuses (the whole text goes to remark-parse): any line that could open another block
// (quotes, fences, indented code, ordered or "*"/"+" lists, thematic breaks, setext underlines,
// tables, HTML), a line starting or ending with whitespace, a list that continues after a blank
// line or a lazy continuation line, tabs, control characters and spaces other than U+0020; in
// text: backslashes, "&" before a name or number, "<", "~", "$", "|", autolink literals, "![",
// brackets that are not a plain inline link, a "_" not between two letters or digits, runs of
// three or more "*", and emphasis that is not plain pairs of one opening and one closing run.
import type { Heading, InlineCode, Link, List, Paragraph, PhrasingContent, Root, RootContent, Text } from "mdast";

/** Characters that never start a block nor need more than this reader knows. */
const SAFE_START = /^(?:[\p{L}\p{N}("'[]|\*{1,2}[\p{L}\p{N}`(]|`{1,2}[^`])/u;
/** A line that, in a paragraph or list item, starts an ordered list. */
const ORDERED = /^\d{1,9}[.)]/;
/** In text: what this reader does not handle (see the header). */
const REFUSED_TEXT = /[\\<~$|]|&[#A-Za-z0-9]|!\[|@|www\.|https?:\/\/|mailto:|xmpp:/i;
/** In a whole text: tabs, carriage returns, control characters, other spaces, and footnotes. */
const REFUSED_ANYWHERE = /[\t\r\0-\x09\x0b-\x1f\x7f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]|\[\^/;
/** A plain inline link's destination: no spaces, parentheses, quotes, escapes or references. */
const DESTINATION = /^[A-Za-z0-9\-._~:/?#@!$%+,;=*]+$/;
const HEADING = /^(#{1,6}) (.+)$/;
const REGULAR = /[\p{L}\p{N}]/u;

type Kind = "space" | "punct" | "regular";

const ASCII_PUNCT = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

/** How CommonMark classes the character next to a delimiter run; null: not sure (refuse). */
function kindAt(s: string, i: number): Kind | null {
  if (i < 0 || i >= s.length) return "space";
  const c = s[i]!;
  if (c === " " || c === "\n") return "space";
  if (c.charCodeAt(0) < 128) return ASCII_PUNCT.has(c) ? "punct" : "regular";
  // a surrogate pair: look at the whole code point
  const cp = String.fromCodePoint(s.codePointAt(i >= 1 && /[\udc00-\udfff]/.test(c) ? i - 1 : i)!);
  return REGULAR.test(cp) ? "regular" : null;
}

/** Inline pieces before emphasis is resolved. */
type Piece =
  | { t: "text"; v: string }
  | { t: "break" }
  | { t: "code"; v: string }
  | { t: "run"; n: number; open: boolean; close: boolean };

/** Text with its line ends: two or more spaces before one make a hard break, one is dropped. */
function pushText(out: (Piece | Link)[], v: string): void {
  if (!v.includes(" \n")) {
    out.push({ t: "text", v });
    return;
  }
  const parts = v.split(/( {2,}\n| \n)/);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i % 2 === 0) {
      if (part) out.push({ t: "text", v: part });
    } else if (part === " \n") out.push({ t: "text", v: "\n" });
    else out.push({ t: "break" });
  }
}

class Refused extends Error {}
const refuse = (): never => {
  throw new Refused();
};

/** A code span's content as micromark gives it: line endings kept, one padding space stripped. */
function codeValue(v: string): string {
  const pad = (c: string | undefined) => c === " " || c === "\n";
  return v.length >= 2 && pad(v[0]) && pad(v[v.length - 1]) && /[^ \n]/.test(v) ? v.slice(1, -1) : v;
}

/** Splits `s` into text and code spans, code spans first as CommonMark reads them. */
function codeSpans(s: string): { code: boolean; v: string; at: number }[] {
  const out: { code: boolean; v: string; at: number }[] = [];
  let textStart = 0;
  let i = s.indexOf("`");
  while (i !== -1) {
    let n = 1;
    while (s[i + n] === "`") n++;
    // the next run of exactly n backticks closes it
    let j = s.indexOf("`", i + n);
    let close = -1;
    while (j !== -1) {
      let m = 1;
      while (s[j + m] === "`") m++;
      if (m === n) {
        close = j;
        break;
      }
      j = s.indexOf("`", j + m);
    }
    if (close === -1) {
      // no closing run: the backticks are text
      i = s.indexOf("`", i + n);
      continue;
    }
    if (i > textStart) out.push({ code: false, v: s.slice(textStart, i), at: textStart });
    out.push({ code: true, v: s.slice(i + n, close), at: i });
    textStart = close + n;
    i = s.indexOf("`", textStart);
  }
  if (textStart < s.length) out.push({ code: false, v: s.slice(textStart), at: textStart });
  return out;
}

/** The emphasis runs and intraword underscores of one stretch of text, as pieces. */
function textPieces(s: string, text: string, at: number, out: (Piece | Link)[]): void {
  if (REFUSED_TEXT.test(text)) refuse();
  let last = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === "_") {
      if (kindAt(s, at + k - 1) !== "regular" || kindAt(s, at + k + 1) !== "regular") refuse();
      continue;
    }
    if (c === "[" || c === "]") refuse();
    if (c !== "*") continue;
    let n = 1;
    while (text[k + n] === "*") n++;
    const before = kindAt(s, at + k - 1);
    const after = kindAt(s, at + k + n);
    if (before === null || after === null || n > 2) refuse();
    const left = after !== "space" && (after !== "punct" || before !== "regular");
    const right = before !== "space" && (before !== "punct" || after !== "regular");
    if (left || right) {
      if (k > last) pushText(out, text.slice(last, k));
      out.push({ t: "run", n, open: left, close: right });
      last = k + n;
    }
    k += n - 1;
  }
  if (last < text.length) pushText(out, text.slice(last));
}

/**
 * Joins pieces into phrasing content: runs must pair up, one opener then one closer of its length
 * (so CommonMark's rule of three never applies), never nested.
 */
function resolve(pieces: (Piece | Link)[]): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let open: { n: number } | null = null;
  const appendText = (list: PhrasingContent[], v: string) => {
    const tail = list[list.length - 1];
    if (tail?.type === "text") tail.value += v;
    else list.push({ type: "text", value: v } satisfies Text);
  };
  let inner: PhrasingContent[] = out;
  for (const p of pieces) {
    if ("type" in p) {
      inner.push(p);
      continue;
    }
    if (p.t === "text") appendText(inner, p.v);
    else if (p.t === "break") inner.push({ type: "break" });
    else if (p.t === "code") inner.push({ type: "inlineCode", value: p.v } satisfies InlineCode);
    // a run that may do both closes the run open before it, or else opens
    else if (p.open && !(p.close && open)) {
      if (open) refuse();
      open = { n: p.n };
      inner = [];
    } else {
      if (!open || open.n !== p.n) refuse();
      if (inner.length === 0) refuse();
      out.push({ type: open!.n === 2 ? "strong" : "emphasis", children: inner } as PhrasingContent);
      open = null;
      inner = out;
    }
  }
  if (open) refuse();
  return out;
}

/** The phrasing content of one paragraph, heading or list item. */
function inline(s: string): PhrasingContent[] {
  const pieces: (Piece | Link)[] = [];
  // links: "[" text "](" destination ")", wholly in text outside code spans
  const parts = codeSpans(s);
  let linkText: (Piece | Link)[] | null = null;
  let linkUrl = "";
  for (const part of parts) {
    if (part.code) {
      (linkText ?? pieces).push({ t: "code", v: codeValue(part.v) });
      continue;
    }
    let text = part.v;
    let at = part.at;
    if (text.includes("![")) refuse();
    while (text.length) {
      const target = linkText ?? pieces;
      if (linkText === null) {
        const b = text.search(/[[\]]/);
        if (b === -1 || text[b] === "]") {
          textPieces(s, text, at, target);
          break;
        }
        if (b > 0) textPieces(s, text.slice(0, b), at, target);
        linkText = [];
        text = text.slice(b + 1);
        at += b + 1;
        continue;
      }
      const e = text.search(/[[\]]/);
      if (e === -1) {
        textPieces(s, text, at, linkText);
        break;
      }
      if (text[e] === "[") refuse();
      if (e > 0) textPieces(s, text.slice(0, e), at, linkText);
      const m = /^\]\(([^()\s]*)\)/.exec(text.slice(e));
      if (!m || !DESTINATION.test(m[1]!) || linkText.length === 0) refuse();
      linkUrl = m![1]!;
      const children = resolve(linkText);
      pieces.push({ type: "link", title: null, url: linkUrl, children } as Link);
      linkText = null;
      const used = e + m![0].length;
      // what follows a link is classed against the ")" before it
      text = text.slice(used);
      at += used;
    }
  }
  if (linkText !== null) refuse();
  return resolve(pieces);
}

function paragraph(lines: string[]): Paragraph {
  // spaces at the end of the last line are not part of it
  return { type: "paragraph", children: inline(lines.join("\n").replace(/ +$/, "")) };
}

/**
 * The mdast tree remark-parse (with GFM and math) gives `text`, without positions, or null when
 * the text holds anything this reader does not handle.
 */
export function fastMarkdown(text: string): Root | null {
  if (REFUSED_ANYWHERE.test(text)) return null;
  try {
    return read(text);
  } catch (e) {
    if (e instanceof Refused) return null;
    throw e;
  }
}

/** A list item's marker: "-", "*" or "+", or a number and "." or ")". */
const ITEM = /^(?:([-*+])|(\d{1,9})([.)])) (.*)$/;

function read(text: string): Root {
  const children: RootContent[] = [];
  let para: string[] | null = null;
  let list: List | null = null;
  /** What marks the current list's items: its bullet, or its number's delimiter. */
  let listMark = "";
  /** A blank line just ended a list with these items: another such item would make that list loose. */
  let endedMark = "";
  const endParagraph = () => {
    if (para) children.push(paragraph(para));
    para = null;
  };
  for (const line of text.split("\n")) {
    if (line === "" || /^ +$/.test(line)) {
      endParagraph();
      if (list) endedMark = listMark;
      list = null;
      continue;
    }
    if (line[0] === " ") refuse();
    if (line[0] === "#") {
      const m = HEADING.exec(line.replace(/ +$/, ""));
      if (!m || m[2]![0] === " " || m[2]!.endsWith("#")) refuse();
      endParagraph();
      list = null;
      endedMark = "";
      children.push({ type: "heading", depth: m![1]!.length as Heading["depth"], children: inline(m![2]!) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const content = item[4]!.replace(/ +$/, "");
      if (content[0] === "[" || !SAFE_START.test(content) || ORDERED.test(content)) refuse();
      const mark = item[1] ?? item[3]!;
      const start = item[2] === undefined ? null : Number(item[2]);
      // a number other than 1 cannot interrupt a paragraph: the line would continue it
      if (mark === endedMark || (para && start !== null && start !== 1)) refuse();
      endedMark = "";
      endParagraph();
      if (!list || mark !== listMark) {
        list = { type: "list", ordered: start !== null, start, spread: false, children: [] };
        listMark = mark;
        children.push(list);
      }
      list.children.push({ type: "listItem", spread: false, checked: null, children: [paragraph([content])] });
      continue;
    }
    if (!SAFE_START.test(line) || ORDERED.test(line)) refuse();
    // a line right after a list item continues it lazily
    if (list) refuse();
    endedMark = "";
    if (para) para.push(line);
    else para = [line];
  }
  endParagraph();
  return { type: "root", children };
}
