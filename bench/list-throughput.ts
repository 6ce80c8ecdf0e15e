// Benchmark: GET /api/v1/documents with 1,000 documents under load from a second process on
// loopback (target ≥ 5,000 requests/s and p99 ≤ 10 ms on a 2-core machine).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fmt, requireBinary, seedDocuments, startBinary, tempDataDir, verdict } from "./bench-kit.ts";

requireBinary();
const SECONDS = Number(process.env.SECONDS ?? 8);
const dir = tempDataDir("list");
const { token } = await seedDocuments(dir, 1000);
const { proc, url } = await startBinary(dir, 19200);
const target = `${url}/api/v1/documents?limit=20`;
try {
  const check = await fetch(target, { headers: { authorization: `Bearer ${token}` } });
  const body = (await check.json()) as { pagination: { total: number } };
  if (body.pagination.total !== 1000) throw new Error(`expected 1000 documents, saw ${body.pagination.total}`);
  // Warm-up, then the measured run.
  Bun.spawnSync([process.execPath, join(import.meta.dir, "load-generator.ts"), target, token, "1", "8"]);
  for (const workers of [8, 32]) {
    const r = Bun.spawnSync([
      process.execPath,
      join(import.meta.dir, "load-generator.ts"),
      target,
      token,
      String(SECONDS),
      String(workers),
    ]);
    const m = JSON.parse(r.stdout.toString()) as {
      requests: number;
      errors: number;
      rps: number;
      p50: number;
      p99: number;
    };
    console.log(
      `list 20 of 1,000 docs, ${workers} connections, ${SECONDS} s (bun load generator): ${m.rps.toFixed(0)} req/s, p50 ${fmt(m.p50)}, p99 ${fmt(m.p99)}, errors ${m.errors} — target ≥ 5,000 req/s and p99 ≤ 10 ms: ${verdict(m.rps >= 5000 && m.p99 <= 10)}`,
    );
  }
  const wrk = Bun.which("wrk");
  if (wrk) {
    const r = Bun.spawnSync([
      wrk,
      "-t1",
      "-c16",
      `-d${SECONDS}s`,
      "--latency",
      "-H",
      `Authorization: Bearer ${token}`,
      target,
    ]);
    const out = r.stdout.toString();
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    const p99 = p99raw ? Number(p99raw[1]) * (p99raw[2] === "us" ? 0.001 : p99raw[2] === "s" ? 1000 : 1) : NaN;
    console.log(
      `list 20 of 1,000 docs, 16 connections, ${SECONDS} s (wrk): ${rps.toFixed(0)} req/s, p99 ${fmt(p99)} — target: ${verdict(rps >= 5000 && p99 <= 10)}`,
    );
  } else {
    console.log(
      "wrk not installed: only the bun load generator figure above (apt-get install wrk for a second opinion)",
    );
  }
} finally {
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
