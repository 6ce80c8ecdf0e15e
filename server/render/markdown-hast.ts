// Turns one Markdown text (a document run, printed stdout, a text/markdown display) into an
// unsanitized HTML tree: CommonMark + GFM, raw HTML parsed in isolation, slug ids on headings.

import type { ElementContent, Root, RootContent } from "hast";
import type { Parent as MdParent, Root as MdRoot } from "mdast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import rehypeRaw from "rehype-raw";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { fastMarkdown } from "./fast-markdown.ts";
import { fencePreformatted, remarkPrintedLines } from "./printed-text.ts";

/**
 * Dollars that are prices, not math: `$…$` whose text starts or ends with a space, or whose closing
 * `$` is followed by a digit ("costs $5 and $10", "$5-$10"), stays text, as Pandoc reads it.
 */
function remarkDollarsAsText() {
  return (tree: MdRoot): void => {
    const walk = (node: MdParent): void => {
      node.children.forEach((child, i) => {
        if (child.type === "inlineMath") {
          const next = node.children[i + 1];
          if (/^\s|\s$/.test(child.value) || (next?.type === "text" && /^\d/.test(next.value)))
            node.children[i] = { type: "text", value: `$${child.value}$` };
        } else if ("children" in child) walk(child as MdParent);
      });
    };
    walk(tree);
  };
}

const markdownBase = unified().use(remarkParse).use(remarkGfm).use(remarkMath).use(remarkDollarsAsText);
/** Printed output: the same Markdown, every printed line kept a line (see printed-text.ts). */
const printedBase = markdownBase().use(remarkPrintedLines);

/** Markdown to an HTML tree, with its raw HTML parsed (rehype-raw) or without. */
const toHtml = (base: typeof markdownBase, raw: boolean) => {
  const p = base().use(remarkRehype, { allowDangerousHtml: true });
  return (raw ? p.use(rehypeRaw) : p).freeze();
};
/**
 * A processor for Markdown that may hold raw HTML, and one for Markdown that cannot: re-parsing a
 * whole tree as HTML (rehype-raw, a tenth of a render's time) changes nothing there but the one
 * newline parseOne takes by hand.
 */
const processors = (base: typeof markdownBase) => ({ raw: toHtml(base, true), plain: toHtml(base, false) });
type Processors = ReturnType<typeof processors>;
const markdownProcessors = processors(markdownBase);
const printedProcessors = processors(printedBase);

/** Raw HTML starts with `<`; footnotes get data attributes the HTML parser turns from true to "". */
const NEEDS_HTML_PARSER = /<|\[\^/;

/** As the HTML parser does: a code block's text loses one newline it starts with. */
function dropLeadingNewlines(nodes: RootContent[] | ElementContent[]): void {
  for (const node of nodes) {
    if (node.type !== "element") continue;
    if (node.tagName === "pre") {
      const code = node.children[0];
      const text = code?.type === "element" && code.tagName === "code" ? code.children[0] : code;
      if (text?.type === "text" && text.value.startsWith("\n")) text.value = text.value.slice(1);
    } else dropLeadingNewlines(node.children);
  }
}

/** Parses one Markdown text to an HTML tree (`viaHtml`: always through the HTML parser, for tests). */
function parseOne(p: Processors, text: string, viaHtml = false): Root {
  const processor = viaHtml || NEEDS_HTML_PARSER.test(text) ? p.raw : p.plain;
  const mdast = (processor === p.plain && fastMarkdown(text)) || processor.parse(text);
  const tree = processor.runSync(mdast) as Root;
  if (processor === p.plain) dropLeadingNewlines(tree.children);
  return tree;
}

/** For tests: a text parsed the way a render does, and always through the HTML parser. */
export function parseBothWays(text: string, printed: boolean): { render: Root; viaHtml: Root } {
  const p = printed ? printedProcessors : markdownProcessors;
  return { render: parseOne(p, text), viaHtml: parseOne(p, text, true) };
}

/** Block containers (list items, quotes) one line may open; deeper markers are read as text. */
export const MAX_LINE_NESTING = 32;
const NESTED = new RegExp(
  String.raw`^((?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$)){${MAX_LINE_NESTING}})([ \t]*)([-*+>]|\d{1,9}[.)])`,
  "gm",
);

/**
 * Parsing nested containers costs the square of their depth, so a few KB of "- - - - …" took
 * seconds of the server's one thread. Past the limit the next marker gets a backslash and the
 * rest of the line is ordinary text.
 */
export function limitNesting(text: string): string {
  return text.replace(NESTED, (_m, head: string, gap: string, marker: string) => {
    const esc = /\d/.test(marker) ? marker.slice(0, -1) + "\\" + marker.slice(-1) : "\\" + marker;
    return head + gap + esc;
  });
}

/** Elements nested deeper than this (thousands of unclosed `<b>`) are not rendered as HTML. */
export const MAX_TREE_DEPTH = 256;

/** How deep a tree's elements nest, counted without recursion. */
function treeDepth(root: Root): number {
  let max = 0;
  const stack: [Root | ElementContent, number][] = [[root, 0]];
  while (stack.length) {
    const [node, d] = stack.pop()!;
    if (d > max) max = d;
    if ("children" in node) for (const c of node.children) if (c.type === "element") stack.push([c, d + 1]);
  }
  return max;
}

/**
 * A parse whose tree is too deep for the renderer's later steps (or for the parser itself) is shown
 * as its text, preformatted, with a note saying why: the rest of the document renders as usual.
 */
function guarded(text: string, parse: () => Root): Root {
  let tree: Root | null = null;
  try {
    tree = parse();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  if (tree && treeDepth(tree) <= MAX_TREE_DEPTH) return tree;
  const note = `Shown as text: this part nests its HTML more than ${MAX_TREE_DEPTH} elements deep.`;
  return {
    type: "root",
    children: [
      {
        type: "element",
        tagName: "p",
        properties: { className: ["pymd-render-limit"] },
        children: [{ type: "text", value: note }],
      },
      {
        type: "element",
        tagName: "pre",
        properties: { className: ["pymd-render-limit"] },
        children: [{ type: "text", value: text }],
      },
    ],
  };
}

/** Slug ids shared across one render so that two "Results" headings get distinct ids. */
export class HeadingSlugger {
  private readonly seen = new Map<string, number>();

  slug(text: string): string {
    const base =
      text
        .toLowerCase()
        .trim()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s+/g, "-") || "section";
    const n = this.seen.get(base) ?? 0;
    this.seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  }
}

function addHeadingIds(nodes: ElementContent[] | Root["children"], slugger: HeadingSlugger): void {
  for (const node of nodes) {
    if (node.type !== "element") continue;
    if (/^h[1-6]$/.test(node.tagName) && node.properties.id === undefined) {
      node.properties.id = slugger.slug(toText(node));
    }
    addHeadingIds(node.children, slugger);
  }
}

/** Markdown texts longer than this are parsed in pieces (see splitMarkdown). */
export const MARKDOWN_CHUNK_CHARS = 16_384;
const DEFINITION = /^ {0,3}\[[^\]\n]+\]:/m;
/** Raw HTML other than void elements (`<br>`, `<img>`): the HTML parser joins it across blank lines. */
const RAW_HTML = /<(?:!|\?|\/?(?!(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)\b)[A-Za-z])/i;
/** A line that, after a blank line, could still belong to what came before it (a list, a quote, indented content). */
const CONTINUES = /^(?:[ \t]|[-*+>](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))/;

/**
 * Cuts a long Markdown text into pieces that parse the same apart as together: only at a blank line
 * outside fences, before a line that starts flush left and cannot continue a list or quote. Texts
 * with raw HTML elements or with link or footnote definitions (both reach across blank lines) stay
 * whole. Parsing one text costs more than linear time in its length, so a 3 MB document parses
 * piece by piece in time linear in its size.
 */
export function splitMarkdown(text: string, chunkChars = MARKDOWN_CHUNK_CHARS): string[] {
  if (text.length <= chunkChars || DEFINITION.test(text) || RAW_HTML.test(text)) return [text];
  const lines = text.split("\n");
  const pieces: string[] = [];
  let start = 0;
  let size = 0;
  let fence: RegExp | null = null;
  let blank = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence !== null) {
      if (fence.test(line)) fence = null;
      blank = false;
    } else {
      if (blank && size >= chunkChars && line !== "" && !CONTINUES.test(line)) {
        pieces.push(lines.slice(start, i).join("\n"));
        start = i;
        size = 0;
      }
      const f = /^ {0,3}(`{3,}|~{3,}|\$\$)/.exec(line);
      // display math ($$ … $$) may hold blank lines, like a fence
      if (f)
        fence =
          f[1] === "$$"
            ? line.trim() === "$$" || !/\$\$\s*$/.test(line.trim().slice(2))
              ? /\$\$\s*$/
              : null
            : new RegExp(`^ {0,3}${f[1]![0] === "`" ? "`" : "~"}{${f[1]!.length},}\\s*$`);
      blank = f === null && line.trim() === "";
    }
    size += line.length + 1;
  }
  pieces.push(lines.slice(start).join("\n"));
  return pieces;
}

const lastElement = (nodes: RootContent[]): RootContent | undefined => nodes.findLast((n) => n.type === "element");

/**
 * Parses the pieces of a long text and joins their trees; `seam` sees the last element of one piece
 * and the first of the next (pieces meet at a blank line).
 */
function parsePieces(
  p: Processors,
  text: string,
  seam?: (before: RootContent, after: RootContent) => void,
  chunkChars = MARKDOWN_CHUNK_CHARS,
): Root {
  const pieces = splitMarkdown(text, chunkChars);
  if (pieces.length === 1) return parseOne(p, limitNesting(text));
  const root: Root = { type: "root", children: [] };
  for (const piece of pieces) {
    const tree = parseOne(p, limitNesting(piece));
    const before = lastElement(root.children);
    const after = tree.children.find((n) => n.type === "element");
    if (seam && before && after) seam(before, after);
    if (root.children.length) root.children.push({ type: "text", value: "\n" });
    root.children.push(...tree.children);
  }
  return root;
}

/** Across a seam, a printed paragraph after a paragraph comes after a blank line: a gap. */
function gapAtSeam(before: RootContent, after: RootContent): void {
  if (before.type !== "element" || after.type !== "element" || before.tagName !== "p" || after.tagName !== "p") return;
  const cls = Array.isArray(after.properties.className) ? after.properties.className : [];
  if (!cls.includes("pymd-gap")) after.properties.className = [...cls, "pymd-gap"];
}

/**
 * Parses Markdown to a hast tree. Raw HTML inside it is parsed here, so malformed tags cannot reach
 * past this text. `chunkChars` is for tests (how long a text is before it is parsed in pieces).
 */
export function markdownToHast(text: string, slugger: HeadingSlugger, chunkChars = MARKDOWN_CHUNK_CHARS): Root {
  const tree = guarded(text, () => parsePieces(markdownProcessors, text, undefined, chunkChars));
  addHeadingIds(tree.children, slugger);
  return tree;
}

/** Parses a block's printed output: lines stay lines, column-laid-out groups stay as printed. */
export function printedToHast(text: string, slugger: HeadingSlugger, chunkChars = MARKDOWN_CHUNK_CHARS): Root {
  const tree = guarded(text, () => parsePieces(printedProcessors, fencePreformatted(text), gapAtSeam, chunkChars));
  addHeadingIds(tree.children, slugger);
  return tree;
}

/** Parses an HTML fragment (e.g. a pandas table) on its own, so unbalanced tags stay inside it. */
export function htmlToHast(html: string): Root {
  return guarded(html, () => fromHtml(html, { fragment: true }));
}
