// Benchmark: how much of rendering Markdown-only PyMD is reading the Markdown. For documents of
// 30 KB and 300 KB (server/testing/markdown-document.ts), the time of remark-parse alone (the
// micromark tokenizer and the syntax tree, with GFM and math, in the pieces the renderer parses) and
// of the quick reader for plain Markdown (server/render/fast-markdown.ts, which the renderer tries
// first) against the whole render without execution (runJob "fragment": read, HTML tree, sanitize,
// highlight, serialize), per byte. Prints figures; never fails.
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { parsePymd } from "../protocol/pymd-parser.ts";
import { fastMarkdown } from "../server/render/fast-markdown.ts";
import { splitMarkdown } from "../server/render/markdown-hast.ts";
import { runJob } from "../server/render/render-jobs.ts";
import { markdownDocument } from "../server/testing/markdown-document.ts";
import { fmt } from "./bench-kit.ts";

const parser = unified().use(remarkParse).use(remarkGfm).use(remarkMath).freeze();
const best = async (f: () => unknown, runs = 3) => {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
};
for (const size of [30_000, 300_000]) {
  const source = markdownDocument(size);
  // in the pieces the renderer parses long Markdown in
  const texts = parsePymd(source).blocks.flatMap((b) => (b.kind === "markdown" ? splitMarkdown(b.text) : []));
  const parseAll = () => texts.map((t) => parser.runSync(parser.parse(t)));
  const quickAll = () => texts.map((t) => fastMarkdown(t));
  const readQuick = quickAll().filter((t) => t !== null).length;
  const renderAll = () => runJob({ kind: "fragment", source });
  // both once first, so neither is timed while the code they share is still being compiled
  await best(parseAll, 1);
  await best(quickAll, 1);
  await best(renderAll, 1);
  const parse = await best(parseAll, 5);
  const quick = await best(quickAll, 5);
  const render = await best(renderAll, 5);
  const per = (ms: number) => `${((ms * 1000) / source.length).toFixed(2)} µs per byte`;
  console.log(
    `${(source.length / 1000).toFixed(0)} KB of Markdown-only PyMD: remark-parse alone ${fmt(parse)} (${per(parse)}), the quick reader ${fmt(quick)} (${per(quick)}; it read ${readQuick} of ${texts.length} pieces), the whole render ${fmt(render)} (${per(render)})`,
  );
}
