// Turns one Markdown text (a document run, printed stdout, a text/markdown display) into an
// unsanitized HTML tree: CommonMark + GFM, raw HTML parsed in isolation, slug ids on headings.

import type { ElementContent, Root } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import rehypeRaw from "rehype-raw";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { fencePreformatted, remarkPrintedLines } from "./printed-text.ts";

const markdownProcessor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRaw)
  .freeze();

/** Printed output: the same Markdown, every printed line kept a line (see printed-text.ts). */
const printedProcessor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkPrintedLines)
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRaw)
  .freeze();

/** Block containers (list items, quotes) one line may open; deeper markers are read as text. */
export const MAX_LINE_NESTING = 32;
const NESTED = new RegExp(String.raw`^((?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$)){${MAX_LINE_NESTING}})([ \t]*)([-*+>]|\d{1,9}[.)])`, "gm");

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

/** Parses Markdown to a hast tree. Raw HTML inside it is parsed here, so malformed tags cannot reach past this text. */
export function markdownToHast(text: string, slugger: HeadingSlugger): Root {
  const tree = markdownProcessor.runSync(markdownProcessor.parse(limitNesting(text))) as Root;
  addHeadingIds(tree.children, slugger);
  return tree;
}

/** Parses a block's printed output: lines stay lines, column-laid-out groups stay as printed. */
export function printedToHast(text: string, slugger: HeadingSlugger): Root {
  const tree = printedProcessor.runSync(printedProcessor.parse(limitNesting(fencePreformatted(text)))) as Root;
  addHeadingIds(tree.children, slugger);
  return tree;
}

/** Parses an HTML fragment (e.g. a pandas table) on its own, so unbalanced tags stay inside it. */
export function htmlToHast(html: string): Root {
  return fromHtml(html, { fragment: true });
}
