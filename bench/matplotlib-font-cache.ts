// A kernel's first `import matplotlib.pyplot`, without and with the shared font list (built once
// per server, mounted read-only in every jail): the import time measured inside the jail and the
// first block's wall time seen from the host, alternating run by run under each jail. Prints
// figures; never fails.
import { createSandbox, type Sandbox } from "../sandbox/index.ts";
import { jailsUnderTest } from "../sandbox/testing/jails.ts";
import { summary } from "./bench-kit.ts";

const RUNS = Number(process.env.RUNS ?? 8);
// wall time and CPU time of the import (CPU time is what the font scan costs; it suffers less from
// other work on the host than wall time does)
const CODE =
  "import time\nt = time.perf_counter()\nc = time.process_time()\nimport matplotlib.pyplot\nprint((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)";

async function firstImport(sandbox: Sandbox): Promise<{ inside: number; cpu: number; block: number }> {
  const kernel = await sandbox.startKernel();
  try {
    await kernel.run([{ id: 0, code: "pass", line: 1 }]);
    const t0 = performance.now();
    const events = await kernel.run([{ id: 0, code: CODE, line: 1 }]);
    const block = performance.now() - t0;
    const out = events.map((e) => (e.type === "stdout" ? e.text : "")).join("");
    const [wall, cpu] = out.trim().split(" ").map(Number);
    return { inside: wall!, cpu: cpu!, block };
  } finally {
    await kernel.close();
  }
}

const line = (label: string, xs: number[]) => {
  const s = summary(xs);
  return `${label.padEnd(34)} p50 ${s.p50.toFixed(1)} ms  min ${s.min.toFixed(1)} ms  max ${s.max.toFixed(1)} ms`;
};

for (const jail of jailsUnderTest()) {
  const without = await createSandbox({
    backend: jail.backend,
    tools: jail.tools,
    fontCache: false,
    limits: { wallTimeMs: 60_000 },
  });
  const withCache = await createSandbox({ backend: jail.backend, tools: jail.tools, limits: { wallTimeMs: 60_000 } });
  const t0 = performance.now();
  const dir = await withCache.fontCache();
  const buildMs = performance.now() - t0;
  if (!dir) {
    console.log(`${jail.backend}: no font cache could be built (is python3-matplotlib installed?)`);
    continue;
  }
  const a = { inside: [] as number[], cpu: [] as number[], block: [] as number[] };
  const b = { inside: [] as number[], cpu: [] as number[], block: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const x = await firstImport(without);
    a.inside.push(x.inside);
    a.cpu.push(x.cpu);
    a.block.push(x.block);
    const y = await firstImport(withCache);
    b.inside.push(y.inside);
    b.cpu.push(y.cpu);
    b.block.push(y.block);
  }
  console.log(
    `${jail.backend}: font list built once in ${buildMs.toFixed(0)} ms (${dir}); ${RUNS} fresh kernels each, alternating`,
  );
  console.log(line("  import pyplot, own font scan", a.inside));
  console.log(line("  import pyplot, shared font list", b.inside));
  console.log(line("  CPU of the import, own font scan", a.cpu));
  console.log(line("  CPU of the import, shared list", b.cpu));
  console.log(line("  first block, own font scan", a.block));
  console.log(line("  first block, shared font list", b.block));
  console.log(
    `  saved per kernel (p50): ${(summary(a.inside).p50 - summary(b.inside).p50).toFixed(1)} ms wall, ${(summary(a.cpu).p50 - summary(b.cpu).p50).toFixed(1)} ms CPU`,
  );
}
