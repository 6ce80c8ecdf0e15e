// Benchmark: compiled binary start to first HTTP 200 (target median ≤ 150 ms) and idle RSS (target ≤ 100 MB).
import { rmSync } from "node:fs";
import { BINARY, fmt, requireBinary, rssOf, summary, tempDataDir, verdict } from "./bench-kit.ts";

requireBinary();
const RUNS = Number(process.env.RUNS ?? 15);
const times: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = tempDataDir("startup");
  const port = 19100 + i;
  const t0 = performance.now();
  const proc = Bun.spawn(
    [BINARY, "serve", "--port", String(port), "--host", "127.0.0.1", "--data-dir", dir, "--log-level", "error"],
    {
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      if (r.status === 200) break;
    } catch {
      await Bun.sleep(1);
    }
    if (performance.now() - t0 > 10_000) throw new Error("no 200 within 10 s");
  }
  times.push(performance.now() - t0);
  if (i < 3) {
    await Bun.sleep(2000);
    const r = rssOf(proc.pid);
    if (r) rss.push(r);
  }
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
const s = summary(times);
console.log(
  `startup (fresh data dir, ${RUNS} runs): min ${fmt(s.min)}, median ${fmt(s.p50)}, p95 ${fmt(s.p95)}, max ${fmt(s.max)} — target median ≤ 150 ms: ${verdict(s.p50 <= 150)}`,
);
const idle = rss.length ? Math.max(...rss) / 1024 / 1024 : NaN;
console.log(
  `idle RSS 2 s after start (max of ${rss.length}): ${idle.toFixed(1)} MB — target ≤ 100 MB: ${verdict(idle <= 100)}`,
);
