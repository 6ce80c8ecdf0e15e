// Times parsePymd on a 1 MB document (budget: 20 ms) and prints the figure.

import { parsePymd } from "../protocol/pymd-parser.ts";
import { sampleDocument } from "./pymd-sample-document.ts";

const doc = sampleDocument(1024 * 1024);
for (let i = 0; i < 5; i++) parsePymd(doc);
const times: number[] = [];
let blocks = 0;
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  blocks = parsePymd(doc).blocks.length;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(
  `parsePymd 1 MB (${(doc.length / 1024).toFixed(0)} KiB, ${blocks} blocks): median ${median.toFixed(2)} ms, ` +
    `max ${times[times.length - 1]!.toFixed(2)} ms (budget 20 ms)`,
);
