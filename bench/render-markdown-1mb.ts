// Times renderMarkdownOnly (Markdown export without execution) on a 1 MB document (budget: 100 ms).

import { renderMarkdownOnly } from "../server/render/render-markdown.ts";
import { sampleDocument } from "./pymd-sample-document.ts";

const doc = sampleDocument(1024 * 1024);
for (let i = 0; i < 3; i++) renderMarkdownOnly(doc);
const times: number[] = [];
let size = 0;
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  size = renderMarkdownOnly(doc).length;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  `renderMarkdownOnly 1 MB (${(doc.length / 1024).toFixed(0)} KiB in, ${(size / 1024).toFixed(0)} KiB out): ` +
    `median ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms, max ${times[times.length - 1]!.toFixed(2)} ms (budget 100 ms)`,
);
