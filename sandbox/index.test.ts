// The host API: warm kernels (namespace reuse, interrupt, restart, per-run deadline),
// refusal without a jail, and unsafe mode's warnings.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import type { RunEvent } from "../protocol/run-frames.ts";
import { createSandbox, type Kernel, type Sandbox } from "./index.ts";
import { jailsUnderTest } from "./testing/jails.ts";

/** Host pids of jailed runners (python with the runner's argument). */
function runnerPids(): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (
        readFileSync(`/proc/${name}/comm`, "utf8").startsWith("python") &&
        readFileSync(`/proc/${name}/cmdline`, "utf8").includes("--cpu-per-request")
      )
        found.push(Number(name));
    } catch {}
  }
  return found;
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return false;
    }
    if (p === ancestor) return true;
  }
  return false;
}

const out = (events: RunEvent[]) => events.map((e) => (e.type === "stdout" ? e.text : "")).join("");
const block = (code: string, id = 0) => [{ id, code, line: 1 }];

for (const jail of jailsUnderTest())
  describe(`kernel (${jail.backend})`, () => {
    let sandbox: Sandbox;
    let kernel: Kernel;
    beforeAll(async () => {
      sandbox = await createSandbox({ backend: jail.backend, tools: jail.tools, limits: { wallTimeMs: 3000 } });
      kernel = await sandbox.startKernel();
    });
    afterAll(() => kernel.close());

    test("keeps its namespace across runs", async () => {
      await kernel.run(block("counter = 1"));
      await kernel.run(block("counter += 1"));
      expect(out(await kernel.run(block("print(counter)")))).toBe("2\n");
    });

    test("interrupt raises KeyboardInterrupt in the running block; state survives", async () => {
      await kernel.run(block("kept = 'yes'"));
      setTimeout(() => kernel.interrupt(), 300);
      const events = await kernel.run([
        { id: 0, code: "import time\nwhile True:\n    time.sleep(0.01)", line: 1 },
        { id: 1, code: "print('not run')", line: 5 },
      ]);
      const done = events.filter((e) => e.type === "block-done");
      expect(done.map((e) => e.type === "block-done" && e.status)).toEqual(["interrupted"]);
      expect(events.at(-1)!.type).toBe("done");
      expect(out(await kernel.run(block("print(kept)")))).toBe("yes\n");
    });

    test("an AbortSignal interrupts like interrupt()", async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const events = await kernel.run(block("import time\ntime.sleep(10)"), undefined, ac.signal);
      expect(events.find((e) => e.type === "block-done")).toMatchObject({ status: "interrupted" });
    });

    test("the wall deadline applies per run; the kernel comes back fresh afterwards", async () => {
      await kernel.run(block("before_timeout = 1"));
      const events = await kernel.run(
        block("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(30)"),
      );
      expect(events.at(-1)).toMatchObject({ type: "host-error", reason: "timeout", block: 0 });
      const after = await kernel.run(block("print('before_timeout' in globals())"));
      expect(out(after)).toBe("False\n");
    }, 40_000);

    test("restart gives a fresh namespace", async () => {
      await kernel.run(block("gone = 1"));
      await kernel.restart();
      expect(out(await kernel.run(block("print('gone' in globals())")))).toBe("False\n");
    });

    test("a jail killed from outside mid-run: the user sees why, and the next run starts a fresh jail", async () => {
      const running = kernel.run(block("import time\nprint('started', flush=True)\ntime.sleep(20)"));
      let victim: number | null = null;
      for (let i = 0; i < 100 && victim === null; i++) {
        await Bun.sleep(50);
        victim = runnerPids().find((pid) => descendsFrom(pid, process.pid)) ?? null;
      }
      expect(victim).not.toBeNull();
      await Bun.sleep(200);
      process.kill(victim!, "SIGKILL");
      const events = await running;
      expect(events.at(-1)).toEqual({
        type: "host-error",
        runId: (events.at(-1) as { runId: string }).runId,
        block: 0,
        reason: "killed",
        message: "the Python process was killed (SIGKILL) by a resource limit or from outside the sandbox",
      });
      expect(out(await kernel.run(block("print('fresh')")))).toBe("fresh\n");
    });

    test("a crash of the interpreter is a host-error, and the next run works", async () => {
      const events = await kernel.run(block("import os\nprint('bye')\nos._exit(3)"));
      expect(events.at(-1)).toMatchObject({ type: "host-error", reason: "crashed" });
      expect(out(await kernel.run(block("print('back')")))).toBe("back\n");
    });
  });

describe("without a jail", () => {
  test("execution is refused with a message naming what to install", async () => {
    // a jail program that is not there leaves no jail
    const sandbox = await createSandbox({ backend: "nsjail", tools: { nsjail: "/nonexistent/nsjail" } });
    expect(sandbox.backend).toBe("unavailable");
    const events = await sandbox.run(block("print(1)"));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "host-error", reason: "refused", block: null });
    expect(events[0]!.type === "host-error" && events[0]!.message).toBe(
      "Code execution is disabled: no working sandbox on this host (nsjail: /nonexistent/nsjail is not an executable file). Install bubblewrap (apt-get install bubblewrap) or nsjail, or start the server with --unsafe-no-sandbox to run code without isolation (not recommended).",
    );
    expect(sandbox.refusal).toBe(events[0]!.type === "host-error" ? events[0]!.message : "");
    const kernel = await sandbox.startKernel();
    expect((await kernel.run(block("print(1)")))[0]).toMatchObject({ reason: "refused" });
    const report = await sandbox.describe();
    expect(report.backend).toBe("unavailable");
  });

  test("--unsafe-no-sandbox runs Python directly, with rlimits and a warning on every run", async () => {
    const warnings: string[] = [];
    const sandbox = await createSandbox({
      backend: "nsjail",
      tools: { nsjail: "/nonexistent/nsjail" },
      unsafeNoSandbox: true,
      limits: { wallTimeMs: 3000 },
      onWarning: (w) => warnings.push(w),
    });
    expect(sandbox.backend).toBe("none");
    const events = await sandbox.run(
      block("import os, resource\nprint(os.getuid() != 0, resource.getrlimit(resource.RLIMIT_AS)[0] > 0)"),
    );
    expect(out(events)).toBe("True True\n");
    await sandbox.run(block("pass"));
    expect(warnings.filter((w) => w.includes("WITHOUT a sandbox"))).toHaveLength(2);
    const slow = await sandbox.run(block("import time\ntime.sleep(20)"));
    expect(slow.at(-1)).toMatchObject({ type: "host-error", reason: "timeout" });
  }, 10_000);
});

for (const jail of jailsUnderTest())
  describe(`describe() (${jail.backend})`, () => {
    test("reports what is enforced on this host", async () => {
      const sandbox = await createSandbox({ backend: jail.backend, tools: jail.tools });
      const r = await sandbox.describe();
      expect(r.backend).toBe(jail.backend);
      expect(r.namespaces).toBe(true);
      expect(r.inside?.uid).toBe(65534);
      expect(r.inside?.noNewPrivs).toBe(true);
      expect(r.inside?.capEff).toBe("0000000000000000");
      expect(r.inside?.networkInterfaces).toEqual(["lo"]);
      expect(r.python.version).toMatch(/^3\./);
      expect(r.python.packages.numpy).not.toBeNull();
      expect(r.rlimits).toEqual({
        cpu: true,
        data: true,
        addressSpace: true,
        fileSize: true,
        openFiles: true,
        processes: "per-jail",
      });
      expect(r.processes).toBe(r.cgroup.pids ? "pids-cgroup" : "rlimit-nproc");
      expect(r.memory).toBe(r.cgroup.memory ? "cgroup" : "rss-watchdog");
      // a root server gives every jail its own host uid; an unprivileged one can map only its own
      expect(r.jailHostUid).toBe(process.getuid!() === 0 ? null : process.getuid!());
      expect(r.jailHostUidRange).toEqual(process.getuid!() === 0 ? { first: 1_610_612_736, count: 65_536 } : null);
      expect(r.seccomp).toBe(true);
    }, 20_000);
  });
