// How printed output (a block's stdout) reads as Markdown. Two rules, stated in
// docs/pymd-format.md:
// 1. Every printed line stays a line: each line of a printed paragraph is a paragraph of its own
//    (a newline inside a list item, a quote or a table cell is a hard line break).
// 2. A group of printed lines (between blank lines and headings) that is laid out in columns is shown exactly
//    as printed, monospaced: it has two or more lines, one of them has two or more spaces in a row
//    between other characters, and none starts like Markdown structure (a heading, a table row, a
//    list item, a quote, a fence).
// 3. A printed table (a `|` row followed by a delimiter row) starts a block of its own, so it is a
//    table even right after a printed list item or line.
import type {
  Root as MdRoot,
  RootContent as MdContent,
  Paragraph as MdParagraph,
  Parent as MdParent,
  Text as MdText,
} from "mdast";

const STRUCTURE = /^\s{0,3}(#{1,6}\s|\||>|[-*+]\s|\d{1,9}[.)]\s|```|~~~)/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const COLUMNS = /\S {2,}\S/;
const HEADING = /^\s{0,3}#{1,6}(\s|$)/;
const TABLE_ROW = /^\s{0,3}\|/;
const DELIMITER_ROW = /^\s{0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

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
  lines.forEach((line, i) => {
    if (fence !== null) {
      out.push(line);
      if (line.trim().startsWith(fence)) fence = null;
      return;
    }
    const m = FENCE.exec(line);
    if (m) {
      flush();
      fence = m[1]!;
      out.push(line);
      return;
    }
    if (line.trim() === "") {
      flush();
      out.push(line);
      return;
    }
    // a printed heading is a block of its own: the lines under it are judged as a group apart
    if (HEADING.test(line)) {
      flush();
      out.push(line);
      return;
    }
    // a printed table starts a block of its own, even right after a list item or a paragraph line
    if (
      TABLE_ROW.test(line) &&
      DELIMITER_ROW.test(lines[i + 1] ?? "") &&
      !TABLE_ROW.test(lines[i - 1] ?? "") &&
      (lines[i - 1] ?? "").trim() !== ""
    ) {
      flush();
      out.push("");
    }
    group.push(line);
  });
  flush();
  return out.join("\n");
}

/** Newlines inside inline content (emphasis or a link spanning lines) become hard line breaks. */
function breakLines(node: MdParent): void {
  const next: MdContent[] = [];
  for (const child of node.children as MdContent[]) {
    if (child.type === "text" && child.value.includes("\n")) {
      (child as MdText).value.split("\n").forEach((p, i) => {
        if (i > 0) next.push({ type: "break" });
        if (p) next.push({ type: "text", value: p });
      });
      continue;
    }
    if ("children" in child) breakLines(child as MdParent);
    next.push(child);
  }
  (node as { children: MdContent[] }).children = next;
}

/** A printed paragraph cut at its line ends: one paragraph per printed line (rule 1). */
function splitLines(paragraph: MdParagraph): MdParagraph[] {
  const lines: MdContent[][] = [[]];
  for (const child of paragraph.children as MdContent[]) {
    if (child.type === "break") {
      lines.push([]);
      continue;
    }
    if (child.type === "text" && child.value.includes("\n")) {
      child.value.split("\n").forEach((part, i) => {
        if (i > 0) lines.push([]);
        if (part) lines[lines.length - 1]!.push({ type: "text", value: part });
      });
      continue;
    }
    if ("children" in child) breakLines(child as MdParent);
    lines[lines.length - 1]!.push(child);
  }
  return lines.filter((l) => l.length > 0).map((children) => ({ type: "paragraph", children }) as MdParagraph);
}

/**
 * remark plugin for printed output: each printed line of a top-level paragraph is a paragraph of
 * its own (as the original renderer did); inside lists, quotes and tables a newline is a hard
 * break. The first line after a blank printed line is marked `pymd-gap`, so the styles can show
 * printed lines tight and keep the blank line visible.
 */
export function remarkPrintedLines() {
  return (tree: MdRoot): void => {
    const out: MdContent[] = [];
    for (const child of tree.children as MdContent[]) {
      if (child.type !== "paragraph") {
        if ("children" in child) breakLines(child as MdParent);
        out.push(child);
        continue;
      }
      const lines = splitLines(child);
      const prev = out[out.length - 1];
      if (lines[0] && prev?.type === "paragraph") lines[0].data = { hProperties: { className: ["pymd-gap"] } };
      out.push(...lines);
    }
    tree.children = out as MdRoot["children"];
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
      return line.trim() !== "" && next !== undefined && next.trim() !== "" && !FENCE.test(next)
        ? `${line.replace(/\s+$/, "")}  `
        : line;
    })
    .join("\n");
}
