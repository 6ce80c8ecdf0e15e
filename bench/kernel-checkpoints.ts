// The kernel's fork() checkpoints: what one costs per block (time, and memory held) for a small
// and a 200 MB kernel, how fast a checkpoint resumes, and the speed-up of "edit block k, run k..n"
// against restart-and-run-all on a 20-block notebook whose first block takes 3 s. Through each
// real jail; prints figures, never fails.
import { readFileSync } from "node:fs";
import type { RunBlock } from "../protocol/run-frames.ts";
import { createSandbox, type Sandbox } from "../sandbox/index.ts";
import { checkpointCap } from "../sandbox/launch-plan.ts";
import { treePids, treePssBytes } from "../sandbox/memory-watchdog.ts";
import { jailsUnderTest } from "../sandbox/testing/jails.ts";
import { summary } from "./bench-kit.ts";

const MiB = 1024 * 1024;
const N = Number(process.env.RUNS ?? 12);

const isPython = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("python");
  } catch {
    return false;
  }
};
/** Proportional memory of this bench's jailed Python processes (one kernel at a time runs here). */
function jailPss(): { bytes: number; processes: number } {
  const pythons = treePids(process.pid).filter((p) => p !== process.pid && isPython(p));
  const roots = pythons.filter(
    (p) => !pythons.includes(Number(readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")[1])),
  );
  return { bytes: roots.reduce((s, r) => s + treePssBytes(r), 0), processes: pythons.length };
}

const p50 = (xs: number[]) => summary(xs).p50;
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Per-block cost of a checkpoint: exact runs (each keeps one) against plain runs, alternating. */
async function checkpointCost(sandbox: Sandbox, label: string, setup: string): Promise<void> {
  const exact = await sandbox.startKernel();
  const doc: RunBlock[] = [{ id: 0, code: setup, line: 1 }];
  await exact.run(doc, undefined, undefined, { prefix: [] });
  // the exact kernel alone: the pristine root, the live process and no checkpoint yet
  const pss: { bytes: number; processes: number }[] = [jailPss()];
  const plain = await sandbox.startKernel();
  await plain.run(doc);
  const cap = checkpointCap(sandbox.limits);
  const withCk: number[] = [];
  const without: number[] = [];
  for (let i = 1; i < Math.min(N, cap); i++) {
    const b: RunBlock = { id: i, code: `v${i} = ${i}`, line: 1 + i };
    // a person's pause between runs: the checkpoint is forked after a run's answer, in that pause
    await Bun.sleep(20);
    withCk.push(await timed(() => exact.run([b], undefined, undefined, { prefix: [...doc] })));
    doc.push(b);
    await Bun.sleep(20);
    without.push(await timed(() => plain.run([b])));
  }
  // fork() itself in that kernel, for comparison (a child that exits at once, waited for)
  const forkCode =
    "import os, time\nts = []\nfor _ in range(20):\n    t = time.perf_counter()\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    ts.append(time.perf_counter() - t)\n    os.waitpid(pid, 0)\nprint(sorted(ts)[10] * 1000)";
  const forkOut = (await plain.run([{ id: 99, code: forkCode, line: 1 }]))
    .map((e) => (e.type === "stdout" ? e.text : ""))
    .join("");
  await plain.close();
  pss.push(jailPss());
  await exact.close();
  const kept = pss[1]!.processes - pss[0]!.processes;
  const perCk = kept > 0 ? (pss[1]!.bytes - pss[0]!.bytes) / kept : NaN;
  console.log(
    `  ${label.padEnd(22)} block with checkpoint p50 ${ms(p50(withCk))}, without ${ms(p50(without))}: ` +
      `${ms(p50(withCk) - p50(without))} per checkpoint (a bare fork() there: p50 ${ms(Number(forkOut.trim()))}); memory held per checkpoint ${(perCk / MiB).toFixed(2)} MiB ` +
      `(kernel and ${kept} checkpoints ${(pss[1]!.bytes / MiB).toFixed(1)} MiB, kernel alone ${(pss[0]!.bytes / MiB).toFixed(1)} MiB)`,
  );
}

/** Resuming a checkpoint: run an edited block k (resume the state before it) against running the next block in place. */
async function resumeLatency(sandbox: Sandbox, label: string, setup: string): Promise<void> {
  const k = await sandbox.startKernel();
  const doc: RunBlock[] = [
    { id: 0, code: setup, line: 1 },
    { id: 1, code: "y = 1", line: 2 },
    { id: 2, code: "z = 2", line: 3 },
  ];
  await k.run(doc, undefined, undefined, { prefix: [] });
  const resumed: number[] = [];
  const inPlace: number[] = [];
  for (let i = 0; i < N; i++) {
    await Bun.sleep(20);
    // block 2 edited: resume the checkpoint taken before it
    resumed.push(
      await timed(() => k.run([{ id: 1, code: `y = ${i + 2}`, line: 2 }], undefined, undefined, { prefix: [doc[0]!] })),
    );
    await Bun.sleep(20);
    // the block after it, in the state it is in: no resume
    inPlace.push(
      await timed(() =>
        k.run([{ id: 2, code: "z = 2", line: 3 }], undefined, undefined, {
          prefix: [doc[0]!, { id: 1, code: `y = ${i + 2}`, line: 2 }],
        }),
      ),
    );
  }
  await k.close();
  console.log(
    `  ${label.padEnd(22)} run of an edited block (resume) p50 ${ms(p50(resumed))}, next block in place p50 ${ms(p50(inPlace))}: resume adds ${ms(p50(resumed) - p50(inPlace))}`,
  );
}

/** 20 blocks, the first 3 s: edit block k and run k..20 from its checkpoint, against restart and run all. */
async function speedUp(sandbox: Sandbox, k: number): Promise<void> {
  const doc: RunBlock[] = Array.from({ length: 20 }, (_, i) => ({
    id: i,
    line: 1 + i * 3,
    code: i === 0 ? "import time\ntime.sleep(3)\ndata = list(range(100000))" : `s${i} = sum(data[:${i * 1000}])`,
  }));
  const edited = (round: number) => doc.map((b) => (b.id === k - 1 ? { ...b, code: `${b.code}  # edit ${round}` } : b));
  const kernel = await sandbox.startKernel();
  await kernel.run(doc, undefined, undefined, { prefix: [] });
  const incremental: number[] = [];
  const restartAll: number[] = [];
  for (let round = 0; round < 3; round++) {
    const d = edited(round);
    incremental.push(
      await timed(() => kernel.run(d.slice(k - 1), undefined, undefined, { prefix: d.slice(0, k - 1) })),
    );
    restartAll.push(
      await timed(async () => {
        await kernel.restart();
        await kernel.run(d, undefined, undefined, { prefix: [] });
      }),
    );
    // the restart dropped the checkpoints: the run-all above kept new ones for the next round
  }
  await kernel.close();
  console.log(
    `  20 blocks, block 1 takes 3 s: edit block ${k}, run ${k}..20 p50 ${ms(p50(incremental))}; restart and run all p50 ${ms(p50(restartAll))}: ` +
      `${(p50(restartAll) / p50(incremental)).toFixed(1)}x faster`,
  );
}

for (const jail of jailsUnderTest()) {
  const sandbox = await createSandbox({
    backend: jail.backend,
    tools: jail.tools,
    limits: { wallTimeMs: 60_000, memoryBytes: 1024 * MiB },
  });
  console.log(`${jail.backend} (at most ${checkpointCap(sandbox.limits)} checkpoints per kernel, ${N} runs each)`);
  await checkpointCost(sandbox, "small kernel", "x = 1");
  await checkpointCost(
    sandbox,
    "200 MB kernel",
    "big = bytearray(200 * 1024 * 1024)\nfor i in range(0, len(big), 4096):\n    big[i] = 1",
  );
  await resumeLatency(sandbox, "small kernel", "x = 1");
  await resumeLatency(
    sandbox,
    "200 MB kernel",
    "big = bytearray(200 * 1024 * 1024)\nfor i in range(0, len(big), 4096):\n    big[i] = 1",
  );
  await speedUp(sandbox, 10);
}
