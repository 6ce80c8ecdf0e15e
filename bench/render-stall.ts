// Rendering large documents: how the render time grows with the size (30 KB, 300 KB, 3 MB of
// Markdown-only PyMD), and whether the server keeps answering while one user renders a 3 MB
// document in a loop: GET /api/v1/health latency, renders in place (PYMD_RENDER_WORKERS=0)
// against renders on worker threads (the default), side by side in one run.
import { runJob } from "../server/render/render-jobs.ts";
import { markdownDocument } from "../server/testing/markdown-document.ts";
import { fmt, requireBinary, seedDocuments, startBinary, summary, tempDataDir } from "./bench-kit.ts";

console.log("render time of Markdown-only documents, in place (one thread):");
let perByte30k = 0;
for (const size of [30_000, 300_000, 3_000_000]) {
  const source = markdownDocument(size);
  const runs = size >= 3_000_000 ? 1 : 3;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await runJob({ kind: "fragment", source });
    times.push(performance.now() - t0);
  }
  const ms = Math.min(...times);
  const perByte = (ms * 1000) / source.length;
  if (size === 30_000) perByte30k = perByte;
  console.log(
    `  ${(source.length / 1000).toFixed(0).padStart(5)} KB: ${fmt(ms)} (${perByte.toFixed(2)} µs per byte, ${(perByte / perByte30k).toFixed(2)}× the 30 KB rate)`,
  );
}

requireBinary();
const big = markdownDocument(3_000_000);
for (const workers of ["0", "default"]) {
  const dataDir = tempDataDir(`render-stall-${workers}`);
  const { token } = await seedDocuments(dataDir, 1);
  const env: Record<string, string> = workers === "0" ? { PYMD_RENDER_WORKERS: "0" } : {};
  const port = 19400 + Math.floor(Math.random() * 500);
  const { proc, url } = await startBinary(dataDir, port, env);
  let rendering = true;
  let renders = 0;
  const renderLoop = (async () => {
    while (rendering) {
      const r = await fetch(`${url}/api/v1/render`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ content: big, format: "html", execute: false }),
      });
      await r.arrayBuffer();
      if (r.status === 200) renders++;
    }
  })();
  const lat: number[] = [];
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const t0 = performance.now();
    await (await fetch(`${url}/api/v1/health`)).arrayBuffer();
    lat.push(performance.now() - t0);
    await Bun.sleep(20);
  }
  rendering = false;
  await renderLoop;
  proc.kill();
  const s = summary(lat);
  console.log(
    `health while a 3 MB document renders in a loop, renders ${workers === "0" ? "in place" : "on worker threads"}: ${s.n} requests, p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}, max ${fmt(s.max)}; ${renders} renders finished (target p99 ≤ 50 ms)`,
  );
}
