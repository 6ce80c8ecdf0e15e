// Converts HTML display output (typically a pandas table) to Markdown: tables become GFM tables,
// other text becomes escaped paragraphs. The HTML is sanitized first: it is program output.

import type { Element, Root, RootContent } from "hast";
import { toText } from "hast-util-to-text";
import rehypeSanitize from "rehype-sanitize";
import { unified } from "unified";
import { htmlToHast } from "./markdown-hast.ts";
import { sanitizeSchema } from "./sanitize-schema.ts";

const sanitizer = unified().use(rehypeSanitize, sanitizeSchema).freeze();

const CONTAINERS = new Set(["div", "section", "figure", "details", "body", "html", "span"]);

/** Escapes text so that Markdown shows it literally (no emphasis, links or raw HTML). */
export function escapeMarkdownText(s: string): string {
  return s.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);
}

function cellText(cell: Element): string {
  return escapeMarkdownText(toText(cell).replace(/\s+/g, " ").trim());
}

function rowsOf(node: Element | Root, rows: Element[][]): Element[][] {
  for (const child of node.children) {
    if (child.type !== "element") continue;
    if (child.tagName === "tr") {
      rows.push(
        child.children.filter((c): c is Element => c.type === "element" && (c.tagName === "td" || c.tagName === "th")),
      );
    } else if (child.tagName !== "table") {
      rowsOf(child, rows);
    }
  }
  return rows;
}

/** A GFM table of an HTML table: the first row is the header; spanned cells repeat as empty cells. */
export function tableToMarkdown(table: Element): string {
  const rows = rowsOf(table, []).map((cells) =>
    cells.flatMap((c) => {
      const span = Math.min(Math.max(Number(c.properties.colSpan) || 1, 1), 100);
      return [cellText(c), ...Array<string>(span - 1).fill("")];
    }),
  );
  if (rows.length === 0) return "";
  const width = Math.max(1, ...rows.map((r) => r.length));
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? "").join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head!), `| ${Array<string>(width).fill("---").join(" | ")} |`, ...body.map(line)].join("\n");
}

function blocksOf(nodes: RootContent[], out: string[]): string[] {
  let inline = "";
  const flush = () => {
    const t = inline.replace(/\s+/g, " ").trim();
    if (t) out.push(escapeMarkdownText(t));
    inline = "";
  };
  for (const node of nodes) {
    if (node.type === "text") inline += node.value;
    if (node.type !== "element") continue;
    if (node.tagName === "table") {
      flush();
      const t = tableToMarkdown(node);
      if (t) out.push(t);
    } else if (
      CONTAINERS.has(node.tagName) ||
      node.children.some((c) => c.type === "element" && c.tagName === "table")
    ) {
      flush();
      blocksOf(node.children, out);
    } else if (/^(p|h[1-6]|pre|li|ul|ol|blockquote|caption)$/.test(node.tagName)) {
      flush();
      inline = toText(node);
      flush();
    } else {
      inline += toText(node);
    }
  }
  flush();
  return out;
}

export function htmlToMarkdown(html: string): string {
  const tree = sanitizer.runSync(htmlToHast(html)) as Root;
  return blocksOf(tree.children, []).join("\n\n");
}
