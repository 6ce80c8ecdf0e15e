// Groups a block's outputs into what renderers show: stdout text between other outputs forms one
// Markdown run; every other output stands alone, in the order it was produced.

import type { BlockOutput } from "../../protocol/run-frames.ts";

export type OutputRun = { kind: "markdown"; text: string } | Exclude<BlockOutput, { kind: "stdout" }>;

/**
 * Consecutive stdout chunks are concatenated and parsed as one Markdown text, so a table or list
 * printed line by line stays whole. Any other output (stderr, a display, an error, truncation)
 * ends the run: keeping production order matters more than joining text across a plot.
 */
export function outputRuns(outputs: readonly BlockOutput[]): OutputRun[] {
  const runs: OutputRun[] = [];
  for (const o of outputs) {
    if (o.kind === "stdout") {
      const last = runs[runs.length - 1];
      if (last && last.kind === "markdown") last.text += o.text;
      else runs.push({ kind: "markdown", text: o.text });
    } else {
      runs.push(o);
    }
  }
  return runs.filter((r) => r.kind !== "markdown" || r.text.trim() !== "");
}
