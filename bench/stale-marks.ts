// What following blocks across edits and working out stale marks costs a preview: one keystroke
// in a block of a document with N executed blocks, every one of which has an output.
import { markOutputs, OutputPlacement, type RanIn } from "../server/runtime/output-staleness.ts";
import { fmt, summary } from "./bench-kit.ts";

for (const n of [20, 200, 2000]) {
  const codes = Array.from({ length: n }, (_, i) => `h${i}`);
  const stored = new Set(codes);
  const ran = new Map<string, RanIn>(codes.map((h, i) => [h, { kernel: 1, count: i + 1 }]));
  const placement = new OutputPlacement();
  placement.place(codes, (h) => stored.has(h));
  const times: number[] = [];
  for (let k = 0; k < 2000; k++) {
    // typing in one block: its code (hash) changes with every keystroke
    const edited = codes.slice();
    edited[k % n] = `h${k % n}-edit${k}`;
    const t0 = performance.now();
    const shown = placement.place(edited, (h) => stored.has(h));
    markOutputs(
      edited.map((code, i) => ({ code, shown: shown[i]! })),
      (h) => ran.get(h),
      1,
    );
    times.push(performance.now() - t0);
  }
  const s = summary(times);
  console.log(
    `stale marks, ${n} executed blocks, one edited per preview: p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}, max ${fmt(s.max)} (n=${s.n})`,
  );
}
