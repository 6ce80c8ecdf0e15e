// Benchmark: full-text search over 10,000 documents through the HTTP API, p99 (target ≤ 20 ms).
import { rmSync } from "node:fs";
import { fmt, requireBinary, seedDocuments, startBinary, summary, tempDataDir, verdict } from "./bench-kit.ts";

requireBinary();
const dir = tempDataDir("search");
const t0 = performance.now();
const { token } = await seedDocuments(dir, 10_000, 300);
const seeded = performance.now() - t0;
const { proc, url } = await startBinary(dir, 19250);
const QUERIES = [
  "notebook",
  "matplotlib histogram",
  "quetzal",
  "pandas frame merge",
  "sandbox",
  "plo",
  "zone date time",
  "nothingatall",
  "kernel render",
  "alpha beta",
];
try {
  const times: number[] = [];
  const totals = new Map<string, number>();
  for (let round = 0; round < 30; round++) {
    for (const q of QUERIES) {
      const t = performance.now();
      const r = await fetch(`${url}/api/v1/documents?q=${encodeURIComponent(q)}&limit=20`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await r.json()) as { pagination: { total: number } };
      times.push(performance.now() - t);
      totals.set(q, body.pagination.total);
    }
  }
  const s = summary(times.slice(QUERIES.length)); // the first round warms the page cache
  console.log(`seeded 10,000 documents (~300 words each) in ${(seeded / 1000).toFixed(1)} s`);
  console.log(
    `full-text search, ${s.n} queries over 10,000 docs: p50 ${fmt(s.p50)}, p95 ${fmt(s.p95)}, p99 ${fmt(s.p99)}, max ${fmt(s.max)} — target p99 ≤ 20 ms: ${verdict(s.p99 <= 20)}`,
  );
  console.log(`hits per query: ${[...totals].map(([q, n]) => `${q}=${n}`).join(", ")}`);
} finally {
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
