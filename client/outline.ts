// The outline of a notebook: its Markdown headings with the source line each starts on.
import { parsePymd, type ParsedPymd } from "../protocol/pymd-parser.ts";
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
    for (const [doc, from, to] of [
      [u.startState.doc, fromA, toA],
      [u.state.doc, fromB, toB],
    ] as const) {
      for (let n = doc.lineAt(from).number, last = doc.lineAt(to).number; n <= last && unchanged; n++) {
        if (OUTLINE_LINE.test(doc.line(n).text)) unchanged = false;
      }
    }
  });
  return unchanged;
}

export interface OutlineRequest {
  seq: number;
  text: string;
}

export interface OutlineAnswer {
  seq: number;
  headings: Heading[];
  legacy: boolean;
}

/** The worker's script, built beside the page's (scripts/build.ts). */
const OUTLINE_WORKER_URL = "/outline-worker.js";

/**
 * Computes outlines in a worker (one per page), the latest request winning; where no worker can
 * start, on this thread.
 */
export function outlineComputer(onOutline: (headings: Heading[], legacy: boolean) => void): {
  request(text: string): void;
  close(): void;
} {
  let seq = 0;
  let worker: Worker | null = null;
  try {
    worker = new Worker(OUTLINE_WORKER_URL, { type: "module" });
    worker.onmessage = (e: MessageEvent<OutlineAnswer>) =>
      e.data.seq === seq && onOutline(e.data.headings, e.data.legacy);
    worker.onerror = () => {
      worker?.terminate();
      worker = null;
    };
  } catch {
    worker = null;
  }
  return {
    request(text) {
      seq++;
      if (worker) return worker.postMessage({ seq, text } satisfies OutlineRequest);
      const parsed = parsePymd(text);
      onOutline(headingsOf(parsed), parsed.headingMode === "legacy");
    },
    close: () => worker?.terminate(),
  };
}
