// Cold-start benchmark: a trivial block in a fresh jail, time to its first output frame, under
// nsjail and bubblewrap side by side (alternating run by run, so machine noise hits both), next to
// bare `/usr/bin/python3 -c pass`. Prints figures; never fails.
import { createSandbox, type Sandbox } from "../sandbox/index.ts";
import { jailsUnderTest } from "../sandbox/testing/jails.ts";

const RUNS = 30;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms  p95 ${pct(xs, 95).toFixed(1)} ms  min ${Math.min(...xs).toFixed(1)} ms`;

async function bare(args: string[]): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(["/usr/bin/python3", ...args], { stdout: "ignore", stderr: "ignore", env: {} });
  await p.exited;
  return performance.now() - t0;
}

async function firstOutput(sandbox: Sandbox): Promise<number | null> {
  const t0 = performance.now();
  let first = 0;
  await sandbox.run([{ id: 0, code: "print('hi')", line: 1 }], (e) => {
    if (!first && e.type === "stdout") first = performance.now() - t0;
  });
  return first || null;
}

async function main(): Promise<void> {
  const jails: { name: string; sandbox: Sandbox; ms: number[] }[] = [];
  for (const j of jailsUnderTest()) {
    const sandbox = await createSandbox({ backend: j.backend, tools: j.tools });
    if (sandbox.backend === j.backend) jails.push({ name: j.backend, sandbox, ms: [] });
    else console.log(`${j.backend}: not usable here (${sandbox.refusal})`);
  }
  const barePass: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (const j of jails) await firstOutput(j.sandbox);
    await bare(["-c", "pass"]);
  }
  for (let i = 0; i < RUNS; i++) {
    barePass.push(await bare(["-c", "pass"]));
    // alternate which jail goes first
    const order = i % 2 ? [...jails].reverse() : jails;
    for (const j of order) {
      const ms = await firstOutput(j.sandbox);
      if (ms !== null) j.ms.push(ms);
    }
  }
  console.log(`server uid ${process.getuid?.()}, ${RUNS} runs each`);
  console.log(`bare python3 -c pass (exit)        ${fmt(barePass)}`);
  for (const j of jails) {
    if (!j.ms.length) {
      console.log(`${j.name.padEnd(7)} produced no output`);
      continue;
    }
    console.log(
      `${j.name.padEnd(7)} first output frame     ${fmt(j.ms)}   (p50 ${(pct(j.ms, 50) - pct(barePass, 50)).toFixed(1)} ms above bare python)`,
    );
  }
}

await main().catch((e) => console.log(`benchmark failed: ${(e as Error).message}`));
