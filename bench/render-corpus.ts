// Benchmark: `pymd render FILE -o OUT.html` (the compiled binary, executing in the sandbox) over
// the PyMD corpus, against the original renderer's "HTML wall" times recorded in the corpus
// README. Target: median speed-up ≥ 3× on the same class of machine (2-vCPU VM).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ROOT, requireBinary, verdict } from "./bench-kit.ts";

requireBinary();
const corpus = join(ROOT, "..", "shared", "pymd-corpus");
if (!existsSync(join(corpus, "inputs"))) {
  console.log(`render-corpus: skipped, the corpus is absent (${corpus})`);
  process.exit(0);
}
const RUNS = Number(process.env.RUNS ?? 3);
const readme = readFileSync(join(corpus, "README.md"), "utf8");
const original = new Map<string, number>();
for (const m of readme.matchAll(/^\| `([^`]+\.pymd)` \| [^|]* \| ([\d.]+) \|/gm)) original.set(m[1]!, Number(m[2]));

const out = mkdtempSync(join(tmpdir(), "pymd-bench-corpus-"));
const rows: { file: string; ours: number; theirs: number | null; ok: boolean }[] = [];
for (const file of readdirSync(join(corpus, "inputs"))
  .filter((f) => f.endsWith(".pymd"))
  .sort()) {
  const times: number[] = [];
  let ok = true;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(
      [BINARY, "render", join(corpus, "inputs", file), "-o", join(out, file + ".html"), "--quiet"],
      {
        cwd: out,
        stdout: "ignore",
        stderr: "pipe",
      },
    );
    times.push((performance.now() - t0) / 1000);
    ok &&= r.exitCode === 0;
  }
  times.sort((a, b) => a - b);
  rows.push({ file, ours: times[Math.floor(times.length / 2)]!, theirs: original.get(file) ?? null, ok });
}
rmSync(out, { recursive: true, force: true });

const speedups = rows.filter((r) => r.theirs).map((r) => r.theirs! / r.ours);
speedups.sort((a, b) => a - b);
const median = speedups[Math.floor(speedups.length / 2)] ?? NaN;
console.log(`${"document".padEnd(62)} ${"pymd s".padStart(7)} ${"orig s".padStart(7)} ${"×".padStart(6)}`);
for (const r of rows) {
  console.log(
    `${r.file.padEnd(62)} ${r.ours.toFixed(3).padStart(7)} ${(r.theirs?.toFixed(2) ?? "-").padStart(7)} ${(r.theirs ? (r.theirs / r.ours).toFixed(1) : "-").padStart(6)}${r.ok ? "" : "  (exit ≠ 0)"}`,
  );
}
const total = rows.reduce((a, r) => a + r.ours, 0);
const totalTheirs = rows.reduce((a, r) => a + (r.theirs ?? 0), 0);
console.log(
  `documents: ${rows.length}, median of ${RUNS} runs each; total ${total.toFixed(1)} s vs original ${totalTheirs.toFixed(1)} s`,
);
console.log(
  `median speed-up ${median.toFixed(1)}× (min ${speedups[0]?.toFixed(1)}×, max ${speedups[speedups.length - 1]?.toFixed(1)}×) — target ≥ 3×: ${verdict(median >= 3)}`,
);
