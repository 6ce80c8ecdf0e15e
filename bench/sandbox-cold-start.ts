// Cold-start benchmark: a trivial block in a fresh sandbox, time to its first output frame,
// next to bare `/usr/bin/python3 -c pass`. Prints figures; never fails.
import { createSandbox } from "../sandbox/index.ts";

const RUNS = 30;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms  p95 ${pct(xs, 95).toFixed(1)} ms  min ${Math.min(...xs).toFixed(1)} ms`;

async function bare(args: string[]): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(["/usr/bin/python3", ...args], { stdout: "ignore", stderr: "ignore", env: {} });
  await p.exited;
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const sandbox = await createSandbox({ backend: "auto", unsafeNoSandbox: false });
  console.log(`sandbox backend: ${sandbox.backend}`);
  const jail: number[] = [];
  const bareIS: number[] = [];
  const barePass: number[] = [];
  const code = [{ id: 0, code: "print('hi')", line: 1 }];
  for (let i = 0; i < 3; i++) {
    await sandbox.run(code);
    await bare(["-c", "pass"]);
  }
  for (let i = 0; i < RUNS; i++) {
    barePass.push(await bare(["-c", "pass"]));
    bareIS.push(await bare(["-I", "-S", "-c", "pass"]));
    const t0 = performance.now();
    let first = 0;
    await sandbox.run(code, (e) => {
      if (!first && e.type === "stdout") first = performance.now() - t0;
    });
    if (first) jail.push(first);
  }
  console.log(`bare python3 -c pass (exit)        ${fmt(barePass)}`);
  console.log(`bare python3 -I -S -c pass (exit)  ${fmt(bareIS)}`);
  if (jail.length) {
    console.log(`sandbox first output frame         ${fmt(jail)}`);
    const gap = pct(jail, 50) - pct(barePass, 50);
    console.log(`gap to bare python (p50): ${gap.toFixed(1)} ms (target <= 10 ms); target p50 <= 25 ms: ${pct(jail, 50) <= 25 ? "met" : "missed"}`);
  } else console.log("sandbox produced no output (is a jail available?)");
}

await main().catch((e) => console.log(`benchmark failed: ${(e as Error).message}`));
