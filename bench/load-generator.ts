// A closed-loop HTTP load generator meant to run as its own process: N keep-alive workers
// hammer one URL for a duration and report throughput and latency percentiles as JSON.
import { summary } from "./bench-kit.ts";

const [url, token, durationS = "5", workersS = "16"] = process.argv.slice(2);
if (!url) {
  console.error("usage: load-generator.ts URL TOKEN [SECONDS] [WORKERS]");
  process.exit(2);
}
const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
const end = performance.now() + Number(durationS) * 1000;
const latencies: number[] = [];
let errors = 0;
const worker = async () => {
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - t0);
  }
};
const started = performance.now();
await Promise.all(Array.from({ length: Number(workersS) }, worker));
const seconds = (performance.now() - started) / 1000;
const s = summary(latencies);
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    rps: latencies.length / seconds,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
  }),
);
