// The outline of a notebook: its Markdown headings with the source line each starts on.
import type { ParsedPymd } from "../protocol/pymd-parser.ts";

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
