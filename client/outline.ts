// The outline of a notebook: its Markdown headings with the source line each starts on.
import type { ParsedPymd } from "../protocol/pymd-parser.ts";
import type { ViewUpdate } from "@codemirror/view";

export interface Heading {
  level: number;
  text: string;
  line: number;
}

export function headingsOf(parsed: ParsedPymd): Heading[] {
  const out: Heading[] = [];
  for (const b of parsed.blocks) {
    if (b.kind !== "markdown") continue;
    let inFence = false;
    b.text.split("\n").forEach((l, i) => {
      if (/^\s{0,3}(```|~~~)/.test(l)) inFence = !inFence;
      if (inFence) return;
      const m = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/.exec(l);
      if (m) out.push({ level: m[1]!.length, text: m[2]!.replace(/[*_`]/g, ""), line: b.startLine + i });
    });
  }
  return out;
}

/** A line that could start, end or be a heading, a fence, or a comment that hides one. */
const OUTLINE_LINE = /#\s*#|`{3}|~{3}|\/\/|import\s+pymd/;

/**
 * Whether this edit leaves the outline as it was: the same number of lines, and no line it
 * touched (before or after) looks like a heading, a fence or a comment. Most keystrokes do, so
 * the document is not parsed again for them. Legacy heading mode (any short line may be a
 * heading) always parses again.
 */
export function outlineUnchangedBy(u: ViewUpdate, legacy: boolean): boolean {
  if (legacy || u.startState.doc.lines !== u.state.doc.lines) return false;
  let unchanged = true;
  u.changes.iterChangedRanges((fromA, toA, fromB, toB) => {
    if (!unchanged) return;
    for (const [doc, from, to] of [[u.startState.doc, fromA, toA], [u.state.doc, fromB, toB]] as const) {
      for (let n = doc.lineAt(from).number, last = doc.lineAt(to).number; n <= last && unchanged; n++) {
        if (OUTLINE_LINE.test(doc.line(n).text)) unchanged = false;
      }
    }
  });
  return unchanged;
}
