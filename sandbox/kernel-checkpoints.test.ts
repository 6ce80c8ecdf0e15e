// Exact incremental re-run through the real jails: a kernel keeps a fork() checkpoint before each
// block of an exact run, and a run from an edited block resumes the state a top-down run has
// there, without running the blocks above again; where no checkpoint can be kept or resumed it
// falls back (nearest earlier checkpoint, then a restarted kernel) and says so in the output.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunBlock, RunEvent } from "../protocol/run-frames.ts";
import { createSandbox, type Kernel, type Sandbox } from "./index.ts";
import { checkpointCap } from "./launch-plan.ts";
import { resolveLimits } from "./policy.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const stdoutOf = (events: RunEvent[], block?: number) =>
  events.map((e) => (e.type === "stdout" && (block === undefined || e.block === block) ? e.text : "")).join("");
const notesOf = (events: RunEvent[], block: number) =>
  events
    .filter(
      (e) => e.type === "display" && e.block === block && e.mime === "text/markdown" && e.data.startsWith("*Kernel:"),
    )
    .map((e) => (e.type === "display" ? e.data : ""));
const ranBlocks = (events: RunEvent[]) => events.flatMap((e) => (e.type === "block-start" ? [e.block] : []));
const doc = (...codes: string[]): RunBlock[] => codes.map((code, id) => ({ id, code, line: 1 + id * 5 }));
const edit = (b: RunBlock, code: string): RunBlock => ({ ...b, code });
const clean = (events: RunEvent[]) => {
  expect(events.filter((e) => e.type === "host-error" || e.type === "error")).toEqual([]);
  expect(events.at(-1)!.type).toBe("done");
};

for (const jail of jailsUnderTest())
  describe(`kernel checkpoints (${jail.backend})`, () => {
    let sandbox: Sandbox;
    let kernel: Kernel;
    beforeAll(async () => {
      sandbox = await createSandbox({ backend: jail.backend, tools: jail.tools, limits: { wallTimeMs: 10_000 } });
    });
    afterAll(() => kernel?.close());

    test("editing block 2 and running it resumes the state before it: [1], as a fresh top-down run prints", async () => {
      kernel = await sandbox.startKernel();
      const blocks = doc("x = []", "x.append(1); print(x)", "x.append(2)");
      clean(await kernel.run(blocks, undefined, undefined, { prefix: [] }));
      const edited = edit(blocks[1]!, "x.append(1); print(x)  # edited");
      const events = await kernel.run([edited], undefined, undefined, { prefix: [blocks[0]!] });
      clean(events);
      expect(ranBlocks(events)).toEqual([1]);
      expect(stdoutOf(events)).toBe("[1]\n");
      expect(notesOf(events, 1)).toEqual([]);
      // the same block run in place, without the exact run, sees what the later block did
      expect(stdoutOf(await kernel.run([blocks[2]!, edited]))).toBe("[1, 2, 1]\n");
      await kernel.close();
    });

    test("edit block 3 of 5 where block 1 is slow: blocks 3-5 run, block 1 does not run again", async () => {
      kernel = await sandbox.startKernel();
      const blocks = doc(
        "import time\ntime.sleep(1)\nopen('/tmp/block1-runs', 'a').write('x')\nn = 10",
        "n += 1",
        "n *= 2\nprint(n)",
        "n += 1\nprint(n)",
        "print(len(open('/tmp/block1-runs').read()))",
      );
      const first = await kernel.run(blocks, undefined, undefined, { prefix: [] });
      clean(first);
      expect(stdoutOf(first)).toBe("22\n23\n1\n");
      const edited = [edit(blocks[2]!, "n *= 3\nprint(n)"), blocks[3]!, blocks[4]!];
      const events = await kernel.run(edited, undefined, undefined, { prefix: blocks.slice(0, 2) });
      clean(events);
      expect(ranBlocks(events)).toEqual([2, 3, 4]);
      // 33 and 34 are what a fresh top-down run of the edited document prints; block 1 ran once
      expect(stdoutOf(events)).toBe("33\n34\n1\n");
      await kernel.close();
    });

    test("a checkpoint taken while the output pump thread was busy resumes and streams output", async () => {
      kernel = await sandbox.startKernel();
      const blocks = doc(
        // a background process floods fd 1 while the next block's checkpoint is forked
        "import subprocess\nflood = subprocess.Popen(['sh', '-c', 'head -c 200000 /dev/zero | tr \"\\\\0\" t'])\nx = 5",
        "print('value', x * 2)",
      );
      const first = await kernel.run(blocks, undefined, undefined, { prefix: [] });
      clean(first);
      expect(stdoutOf(first, 1)).toContain("value 10\n");
      const events = await kernel.run([edit(blocks[1]!, "flood.wait()\nprint('value', x * 3)")], undefined, undefined, {
        prefix: [blocks[0]!],
      });
      clean(events);
      expect(stdoutOf(events, 1)).toContain("value 15\n");
      const after = await kernel.run([{ id: 2, code: "print('still streaming')", line: 20 }], undefined, undefined, {
        prefix: [blocks[0]!, edit(blocks[1]!, "flood.wait()\nprint('value', x * 3)")],
      });
      clean(after);
      // (the flood is a process of the kernel before the resume: not rolled back, it may still be writing)
      expect(stdoutOf(after, 2)).toContain("still streaming\n");
      await kernel.close();
    });

    test("with a thread running, no checkpoint is forked: the run falls back to an earlier state and says why", async () => {
      kernel = await sandbox.startKernel();
      const blocks = doc(
        "y = 1",
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\ny += 1",
        "print(y)",
      );
      clean(await kernel.run(blocks, undefined, undefined, { prefix: [] }));
      const events = await kernel.run([edit(blocks[2]!, "print(y * 10)")], undefined, undefined, {
        prefix: blocks.slice(0, 2),
      });
      clean(events);
      // the checkpoint before block 2 (no thread yet) was resumed; block 2 ran again, then block 3
      expect(ranBlocks(events)).toEqual([1, 2]);
      expect(stdoutOf(events, 2)).toBe("20\n");
      const [note] = notesOf(events, 2);
      expect(note).toContain("the block above ran first");
      expect(note).toContain("threads");
      await kernel.close();
    });
  });

for (const jail of jailsUnderTest())
  describe(`kernel checkpoints under a small process limit (${jail.backend})`, () => {
    const limits = resolveLimits({ wallTimeMs: 10_000, maxProcesses: 12 });
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await createSandbox({ backend: jail.backend, tools: jail.tools, limits });
    });

    test("checkpoints never exceed the cap the process limit allows; a dropped one falls back to an earlier state", async () => {
      const cap = checkpointCap(limits);
      expect(cap).toBeGreaterThan(0);
      const kernel = await sandbox.startKernel();
      try {
        const blocks = doc(...Array.from({ length: 8 }, (_, i) => (i === 0 ? "total = 0" : `total += ${i}`)));
        clean(await kernel.run(blocks, undefined, undefined, { prefix: blocks.slice(0, 0) }));
        const census = await kernel.run(
          [
            {
              id: 8,
              line: 50,
              code: [
                "import os",
                "procs = [p for p in os.listdir('/proc') if p.isdigit()]",
                "def comm(p):",
                "    try:",
                "        return open('/proc/%s/comm' % p).read().strip()",
                "    except OSError:",
                "        return ''",
                "tasks = 0",
                "for p in procs:",
                "    try:",
                "        tasks += len(os.listdir('/proc/%s/task' % p))",
                "    except OSError:",
                "        pass",
                "print(sum(1 for p in procs if comm(p).startswith('python')), tasks)",
              ].join("\n"),
            },
          ],
          undefined,
          undefined,
          { prefix: blocks },
        );
        clean(census);
        const [pythons, tasks] = stdoutOf(census).trim().split(" ").map(Number);
        // the pristine root, the live process and at most `cap` checkpoints; every task within the limit
        expect(pythons).toBeGreaterThan(2);
        expect(pythons!).toBeLessThanOrEqual(cap + 2);
        expect(tasks!).toBeLessThanOrEqual(limits.maxProcesses);
        // block 2's checkpoint was dropped as the oldest: the run still gives the top-down result
        const events = await kernel.run([edit(blocks[2]!, "total += 100"), ...blocks.slice(3)], undefined, undefined, {
          prefix: blocks.slice(0, 2),
        });
        clean(events);
        const check = await kernel.run([{ id: 9, code: "print(total)", line: 70 }], undefined, undefined, {
          prefix: [...blocks.slice(0, 2), edit(blocks[2]!, "total += 100"), ...blocks.slice(3)],
        });
        expect(stdoutOf(check)).toBe(`${1 + 100 + 3 + 4 + 5 + 6 + 7}\n`);
      } finally {
        await kernel.close();
      }
    });

    test("when forking is refused (the process limit is full), the blocks above run again from a fresh state, with a note", async () => {
      const kernel = await sandbox.startKernel();
      try {
        const blocks = doc(
          "import subprocess\nkids = []\nwhile True:\n    try:\n        kids.append(subprocess.Popen(['sleep', '60']))\n    except OSError:\n        break\nz = 7",
          "print(z)",
        );
        const first = await kernel.run(blocks, undefined, undefined, { prefix: [] });
        clean(first);
        expect(stdoutOf(first)).toBe("7\n");
        const events = await kernel.run([edit(blocks[1]!, "print(z * 6)")], undefined, undefined, {
          prefix: [blocks[0]!],
        });
        clean(events);
        // no checkpoint before block 2: block 1 runs again from a fresh state (or a restarted kernel)
        expect(ranBlocks(events)).toEqual([0, 1]);
        expect(stdoutOf(events, 1)).toBe("42\n");
        const [note] = notesOf(events, 1);
        expect(note).toContain("the block above ran first");
        expect(note).toContain("forking was refused");
      } finally {
        await kernel.close();
      }
    });
  });

for (const jail of jailsUnderTest())
  describe(`kernel checkpoints out of file descriptors (${jail.backend})`, () => {
    test("a kernel whose notebook holds every descriptor still gives the top-down result, and says how", async () => {
      const sandbox = await createSandbox({ backend: jail.backend, tools: jail.tools, limits: { wallTimeMs: 10_000 } });
      const kernel = await sandbox.startKernel();
      try {
        // block 1 takes every file descriptor: no checkpoint can listen, and the kernel cannot reach one
        const blocks = doc(
          "import os\nfds = []\nwhile True:\n    try:\n        fds.append(os.open('/dev/null', os.O_RDONLY))\n    except OSError:\n        break\nw = 6",
          "print(w)",
        );
        const first = await kernel.run(blocks, undefined, undefined, { prefix: [] });
        clean(first);
        expect(stdoutOf(first)).toBe("6\n");
        const events = await kernel.run([edit(blocks[1]!, "print(w * 7)")], undefined, undefined, {
          prefix: [blocks[0]!],
        });
        clean(events);
        expect(stdoutOf(events, 1)).toBe("42\n");
        // the checkpoint before block 2 resumed; or, where it could not listen or reach the first
        // process, block 1 ran again (from a fresh state or a restarted kernel) and the note says so
        const ran = ranBlocks(events);
        expect([[1], [0, 1]]).toContainEqual(ran);
        if (ran.length === 2) expect(notesOf(events, 1)[0]).toContain("the block above ran first");
      } finally {
        await kernel.close();
      }
    });
  });

for (const jail of jailsUnderTest())
  describe(`kernel checkpoints when nothing can be resumed (${jail.backend})`, () => {
    test("the host restarts the kernel and runs the blocks above again, and the note says why", async () => {
      const sandbox = await createSandbox({ backend: jail.backend, tools: jail.tools, limits: { wallTimeMs: 10_000 } });
      const kernel = await sandbox.startKernel();
      try {
        // block 1 leaves its process no new descriptor at all: its checkpoints cannot listen and
        // it cannot reach the first process either
        const blocks = doc(
          "import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (3, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))\nw = 6",
          "print(w)",
        );
        const first = await kernel.run(blocks, undefined, undefined, { prefix: [] });
        clean(first);
        expect(stdoutOf(first)).toBe("6\n");
        const events = await kernel.run([edit(blocks[1]!, "print(w * 7)")], undefined, undefined, {
          prefix: [blocks[0]!],
        });
        clean(events);
        expect(ranBlocks(events)).toEqual([0, 1]);
        expect(stdoutOf(events, 1)).toBe("42\n");
        const [note] = notesOf(events, 1);
        expect(note).toContain("the kernel was restarted");
        expect(note).toContain("no saved state could be resumed");
      } finally {
        await kernel.close();
      }
    });
  });

for (const jail of jailsUnderTest())
  describe(`kernel checkpoints and the memory watchdog (${jail.backend})`, () => {
    test("without a memory cgroup, checkpoints of a large kernel are counted once, not once per process", async () => {
      const MiB = 1024 * 1024;
      // no cgroup: the host's watchdog on the tree's memory is what holds the kernel to its limit
      const sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        cgroups: false,
        limits: { wallTimeMs: 10_000, memoryBytes: 256 * MiB },
      });
      const kernel = await sandbox.startKernel();
      try {
        // 80 MiB written (resident) in block 1, then five more blocks: five checkpoints of an
        // ~90 MiB process are 450 MiB of resident memory summed per process, far less in fact
        const blocks = doc(
          "big = bytearray(80 * 1024 * 1024)\nfor i in range(0, len(big), 4096):\n    big[i] = 1",
          ...Array.from({ length: 5 }, (_, i) => `step = ${i}`),
          "print(len(big) // (1024 * 1024), step)",
        );
        const events = await kernel.run(blocks, undefined, undefined, { prefix: [] });
        clean(events);
        expect(stdoutOf(events)).toBe("80 4\n");
        const census = await kernel.run(
          [
            {
              id: 9,
              code: "import os\nprint(sum(1 for p in os.listdir('/proc') if p.isdigit() and open('/proc/%s/comm' % p).read().startswith('python')))",
              line: 60,
            },
          ],
          undefined,
          undefined,
          { prefix: blocks },
        );
        clean(census);
        expect(Number(stdoutOf(census))).toBeGreaterThan(4);
        // an edit of the last block resumes its checkpoint: the kernel was never stopped for memory
        // several samples of the watchdog while all of them are alive
        const again = await kernel.run(
          [edit(blocks[6]!, "import time\ntime.sleep(1.5)\nprint(len(big) // (1024 * 1024) + 1, step)")],
          undefined,
          undefined,
          { prefix: blocks.slice(0, 6) },
        );
        clean(again);
        expect(stdoutOf(again)).toBe("81 4\n");
      } finally {
        await kernel.close();
      }
    });
  });
