// Kernels within their limits between runs, through each real jail: a kernel whose background
// thread burns CPU while no block runs is stopped and says why; a block that ignores Interrupt is
// killed after the grace period and its error says so; the next run gets a fresh kernel.
import { afterEach, describe, expect, test } from "bun:test";
import type { RunEvent } from "../protocol/run-frames.ts";
import { createSandbox, INTERRUPT_KILLED, type Kernel } from "./index.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const out = (events: RunEvent[]) =>
  events.map((e) => (e.type === "stdout" || e.type === "stderr" ? e.text : "")).join("");
const block = (code: string) => [{ id: 0, code, line: 1 }];

async function until(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await Bun.sleep(50);
}

for (const jail of jailsUnderTest())
  describe(`kernel limits between runs (${jail.backend})`, () => {
    let kernel: Kernel | null = null;
    afterEach(async () => {
      await kernel?.close();
      kernel = null;
    });
    const start = async (onStop?: (m: string) => void) => {
      const sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { cpuSeconds: 1, wallTimeMs: 20_000 },
      });
      return (kernel = await sandbox.startKernel({ onStop }));
    };

    test("a background thread that burns CPU while the kernel is idle gets the kernel stopped, with why", async () => {
      const stops: string[] = [];
      const k = await start((m) => stops.push(m));
      const ran = await k.run(
        block(
          `import threading\nx = 41\ndef spin():\n    while True:\n        pass\nthreading.Thread(target=spin, daemon=True).start()\nprint("started")`,
        ),
      );
      expect(out(ran)).toBe("started\n");
      expect(ran.at(-1)?.type).toBe("done");
      await until(() => stops.length > 0, 15_000);
      expect(stops).toHaveLength(1);
      expect(stops[0]).toMatch(
        /^it used \d+\.\d s of CPU while no block was running \(a background thread or process\), over the 1 s a kernel may use between runs$/,
      );
      expect(k.alive).toBe(false);
      // the next run starts a fresh kernel: the namespace is gone, the code runs
      const next = await k.run(block(`print("x" in dir())`));
      expect(out(next)).toBe("False\n");
      expect(k.alive).toBe(true);
    }, 30_000);

    test("a background child process burning CPU counts too", async () => {
      const stops: string[] = [];
      const k = await start((m) => stops.push(m));
      const ran = await k.run(
        block(
          `import subprocess\np = subprocess.Popen(["/usr/bin/python3", "-c", "while True: pass"])\nprint("spawned")`,
        ),
      );
      expect(out(ran)).toBe("spawned\n");
      await until(() => stops.length > 0, 15_000);
      expect(stops[0]).toContain("while no block was running");
      expect(k.alive).toBe(false);
    }, 30_000);

    test("a kernel that dies on its own while idle says so", async () => {
      const stops: string[] = [];
      const k = await start((m) => stops.push(m));
      await k.run(block(`import os, threading\nthreading.Timer(0.3, os._exit, (3,)).start()`));
      await until(() => stops.length > 0, 10_000);
      // the launcher passes the exit status on (bwrap: 3; nsjail: its own status for a failed child)
      expect(stops).toHaveLength(1);
      expect(stops[0]).toMatch(/^the Python process ended while no block was running \(exit \d+\)$/);
      expect(k.alive).toBe(false);
    }, 30_000);

    test("an idle kernel without background work keeps its namespace", async () => {
      const stops: string[] = [];
      const k = await start((m) => stops.push(m));
      await k.run(block(`y = 7`));
      // longer than the 1 s allowance would take a spinning thread to use up, several samples
      await Bun.sleep(2500);
      expect(stops).toEqual([]);
      expect(out(await k.run(block(`print(y)`)))).toBe("7\n");
    }, 30_000);

    test("CPU used by a block counts for that block, not against the next idle period", async () => {
      const stops: string[] = [];
      const k = await start((m) => stops.push(m));
      // 0.8 s of CPU in the run (under the 1 s per-block limit), then idle
      const ran = await k.run(
        block(`import time\nt = time.process_time()\nwhile time.process_time() - t < 0.8:\n    pass\nprint("worked")`),
      );
      expect(out(ran)).toBe("worked\n");
      await Bun.sleep(1500);
      expect(stops).toEqual([]);
      expect(k.alive).toBe(true);
    }, 30_000);

    test("Interrupt on a block that ignores SIGINT kills it after the grace period, and the block's error says so", async () => {
      const k = await start();
      let interrupted = false;
      const ev = await k.run(
        block(
          `import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("ignoring", flush=True)\nwhile True:\n    time.sleep(0.05)`,
        ),
        (e) => {
          if (e.type === "stdout" && !interrupted) {
            interrupted = true;
            k.interrupt();
          }
        },
      );
      expect(interrupted).toBe(true);
      const last = ev.at(-1);
      expect(last).toMatchObject({ type: "host-error", reason: "killed", block: 0, message: INTERRUPT_KILLED });
      expect(out(await k.run(block(`print("next")`)))).toBe("next\n");
    }, 30_000);

    test("a block that swallows KeyboardInterrupt in a loop is killed the same way", async () => {
      const k = await start();
      let interrupted = false;
      const ev = await k.run(
        // it says it is ready from inside the try, so the interrupt always lands where it is swallowed
        block(
          `import time\nready = False\nwhile True:\n    try:\n        if not ready:\n            ready = True\n            print("stubborn", flush=True)\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        print("not stopping", flush=True)`,
        ),
        (e) => {
          if (e.type === "stdout" && !interrupted) {
            interrupted = true;
            k.interrupt();
          }
        },
      );
      expect(out(ev)).toContain("not stopping");
      expect(ev.at(-1)).toMatchObject({ type: "host-error", reason: "killed", block: 0, message: INTERRUPT_KILLED });
    }, 30_000);

    test("a block that honours Interrupt keeps the kernel", async () => {
      const k = await start();
      await k.run(block(`z = 3`));
      let interrupted = false;
      const ev = await k.run(block(`import time\nprint("waiting", flush=True)\ntime.sleep(30)`), (e) => {
        if (e.type === "stdout" && !interrupted) {
          interrupted = true;
          k.interrupt();
        }
      });
      expect(ev.find((e) => e.type === "host-error")).toBeUndefined();
      expect(ev.find((e) => e.type === "block-done")).toMatchObject({ status: "interrupted" });
      expect(out(await k.run(block(`print(z)`)))).toBe("3\n");
    }, 30_000);
  });
