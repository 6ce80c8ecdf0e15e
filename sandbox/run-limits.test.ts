// Limits per block, not per run: a run of several blocks that together take longer than one
// block's wall-clock limit completes; a block over its limit, and a run over its whole-run cap,
// are stopped with a message that names the limit and how to raise it. Through the real jails.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunBlock, RunEvent } from "../protocol/run-frames.ts";
import { createSandbox, type Kernel, type Sandbox } from "./index.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const out = (events: RunEvent[]) => events.map((e) => (e.type === "stdout" ? e.text : "")).join("");
const sleepy = (n: number, seconds: number): RunBlock[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i,
    code: `import time\ntime.sleep(${seconds})\nprint("block ${i + 1}")`,
    line: 1 + i * 4,
  }));

for (const jail of jailsUnderTest())
  describe(`per-block limits (${jail.backend})`, () => {
    let sandbox: Sandbox;
    let kernel: Kernel;
    beforeAll(async () => {
      sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { wallTimeMs: 3000, runWallTimeMs: 60_000 },
      });
      kernel = await sandbox.startKernel();
    });
    afterAll(() => kernel.close());

    test("a kernel run of three blocks, together longer than one block's limit, completes with every block's output", async () => {
      await kernel.run([{ id: 9, code: "kept = 'still here'", line: 1 }]);
      const events = await kernel.run(sleepy(3, 1.2));
      expect(events.filter((e) => e.type === "host-error")).toEqual([]);
      expect(events.filter((e) => e.type === "block-done").map((e) => e.type === "block-done" && e.status)).toEqual([
        "ok",
        "ok",
        "ok",
      ]);
      expect(out(events)).toBe("block 1\nblock 2\nblock 3\n");
      expect(out(await kernel.run([{ id: 0, code: "print(kept)", line: 1 }]))).toBe("still here\n");
    });

    test("a one-shot run (exports, pymd render) gets the same per-block limit", async () => {
      const events = await sandbox.run(sleepy(3, 1.2));
      expect(events.at(-1)!.type).toBe("done");
      expect(out(events)).toBe("block 1\nblock 2\nblock 3\n");
    });

    test("a block over its limit is stopped, in that block, with the limit and the flag that raises it", async () => {
      const events = await kernel.run([
        { id: 0, code: "print('first')", line: 1 },
        { id: 1, code: "import time\ntime.sleep(20)", line: 3 },
        { id: 2, code: "print('never')", line: 6 },
      ]);
      const failure = events.at(-1)!;
      expect(failure).toMatchObject({ type: "host-error", reason: "timeout", block: 1 });
      const message = failure.type === "host-error" ? failure.message : "";
      expect(message).toContain("3 s per-block wall-clock limit");
      expect(message).toContain("--run-timeout");
      expect(message).toContain("PYMD_RUN_TIMEOUT");
      expect(out(events)).toBe("first\n");
    });
  });

for (const jail of jailsUnderTest())
  describe(`whole-run cap (${jail.backend})`, () => {
    test("a run over its whole-run cap is stopped in the block it reached, naming the cap and its flag", async () => {
      const sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { wallTimeMs: 3000, runWallTimeMs: 2500 },
      });
      const kernel = await sandbox.startKernel();
      try {
        const events = await kernel.run(sleepy(3, 1));
        const failure = events.at(-1)!;
        expect(failure).toMatchObject({ type: "host-error", reason: "timeout" });
        const message = failure.type === "host-error" ? failure.message : "";
        expect(message).toContain("whole-run wall-clock limit");
        expect(message).toContain("--run-total-timeout");
        expect(message).toContain("PYMD_RUN_TOTAL_TIMEOUT");
        // blocks finished before the cap keep their output; the one running is named
        expect(out(events)).toContain("block 1\n");
        expect(failure.type === "host-error" && failure.block).not.toBeNull();
      } finally {
        await kernel.close();
      }
    });
  });

// under the default limits (30 s per block, 10 min per run), on the first jail found
const [firstJail] = jailsUnderTest();
describe.if(firstJail !== undefined)("default limits", () => {
  test("a kernel run of three 12 s blocks completes under the defaults", async () => {
    const sandbox = await createSandbox({ backend: firstJail!.backend, tools: firstJail!.tools });
    expect(sandbox.limits.wallTimeMs).toBe(30_000);
    const kernel = await sandbox.startKernel();
    try {
      const events = await kernel.run(sleepy(3, 12));
      expect(events.filter((e) => e.type === "host-error")).toEqual([]);
      expect(out(events)).toBe("block 1\nblock 2\nblock 3\n");
    } finally {
      await kernel.close();
    }
  }, 60_000);
});

for (const jail of jailsUnderTest())
  describe(`per-block CPU limit in a kernel (${jail.backend})`, () => {
    test("a block over its CPU allowance is stopped with the limit and the flag that raises it", async () => {
      const sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { wallTimeMs: 20_000, cpuSeconds: 1 },
      });
      const kernel = await sandbox.startKernel();
      try {
        const events = await kernel.run([{ id: 0, code: "while True:\n    pass", line: 1 }], undefined, undefined, {
          prefix: [],
        });
        const failure = events.at(-1)!;
        expect(failure).toMatchObject({ type: "host-error", reason: "killed", block: 0 });
        expect(failure.type === "host-error" && failure.message).toContain("CPU time limit");
        expect(failure.type === "host-error" && failure.message).toContain("--run-cpu");
      } finally {
        await kernel.close();
      }
    }, 30_000);
  });
