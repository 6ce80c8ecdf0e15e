// How printed output (a block's stdout) reads as Markdown. Two rules, stated in
// docs/pymd-format.md:
// 1. Every printed line stays a line: a newline inside a paragraph is a hard line break.
// 2. A group of printed lines (between blank lines) that is laid out in columns is shown exactly
//    as printed, monospaced: it has two or more lines, one of them has two or more spaces in a row
//    between other characters, and none starts like Markdown structure (a heading, a table row, a
//    list item, a quote, a fence).
import type { Root as MdRoot, RootContent as MdContent, Parent as MdParent, Text as MdText } from "mdast";

const STRUCTURE = /^\s{0,3}(#{1,6}\s|\||>|[-*+]\s|\d{1,9}[.)]\s|```|~~~)/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const COLUMNS = /\S {2,}\S/;

function looksPreformatted(lines: string[]): boolean {
  if (lines.length < 2) return false;
  if (lines.some((l) => STRUCTURE.test(l))) return false;
  return lines.some((l) => COLUMNS.test(l));
}

/** Wraps the column-laid-out groups of printed text in fences, so Markdown keeps them verbatim. */
export function fencePreformatted(text: string): string {
  const lines = text.replace(/\r/g, "").split("\n");
  const out: string[] = [];
  let group: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    if (group.length && looksPreformatted(group)) {
      const longest = Math.max(0, ...group.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
      const f = "`".repeat(Math.max(3, longest + 1));
      out.push(`${f}output`, ...group, f);
    } else out.push(...group);
    group = [];
  };
  for (const line of lines) {
    if (fence !== null) {
      out.push(line);
      if (line.trim().startsWith(fence)) fence = null;
      continue;
    }
    const m = FENCE.exec(line);
    if (m) {
      flush();
      fence = m[1]!;
      out.push(line);
      continue;
    }
    if (line.trim() === "") {
      flush();
      out.push(line);
    } else group.push(line);
  }
  flush();
  return out.join("\n");
}

/** remark plugin: newlines inside paragraphs become hard line breaks (rule 1). */
export function remarkPrintedBreaks() {
  return (tree: MdRoot): void => {
    const visit = (node: MdParent): void => {
      const next: MdContent[] = [];
      for (const child of node.children as MdContent[]) {
        if (child.type === "text" && node.type !== "root" && child.value.includes("\n")) {
          const parts = (child as MdText).value.split("\n");
          parts.forEach((p, i) => {
            if (i > 0) next.push({ type: "break" });
            if (p) next.push({ type: "text", value: p });
          });
          continue;
        }
        if ("children" in child) visit(child as MdParent);
        next.push(child);
      }
      (node as { children: MdContent[] }).children = next;
    };
    visit(tree);
  };
}

/** The same rules for the Markdown export: column groups fenced, other lines ended with a hard break. */
export function printedMarkdown(text: string): string {
  const lines = fencePreformatted(text).split("\n");
  let fence: string | null = null;
  return lines
    .map((line, i) => {
      if (fence !== null) {
        if (line.trim().startsWith(fence)) fence = null;
        return line;
      }
      const m = FENCE.exec(line);
      if (m) {
        fence = m[1]!;
        return line;
      }
      const next = lines[i + 1];
      return line.trim() !== "" && next !== undefined && next.trim() !== "" && !FENCE.test(next) ? `${line.replace(/\s+$/, "")}  ` : line;
    })
    .join("\n");
}
