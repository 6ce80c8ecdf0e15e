// Containment suite: each attack runs through each real jail (bwrap and nsjail) while an HTTP server in
// this (host) process must keep answering; each asserts the specific outcome.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { HostFailureFrame, RunEvent } from "../protocol/run-frames.ts";
import { createSandbox, type Sandbox } from "./index.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const SECRET = `pymd-secret-${Math.random().toString(36).slice(2)}`;
process.env.PYMD_TEST_SECRET = SECRET;
const MiB = 1024 * 1024;
const WALL = 3000;

const sandboxes = new Map<string, Sandbox>();
/** The same jails as a container without cgroup delegation has them: no per-run cgroups at all. */
const bare = new Map<string, Sandbox>();
/** The same limits with a wall clock far past the CPU limit, so a loaded machine cannot reach the wall first. */
const longWall = new Map<string, Sandbox>();
let sandbox: Sandbox;
let server: ReturnType<typeof Bun.serve>;
let dataDir: string;
const repoDataDir = new URL("../.containment-data", import.meta.url).pathname;

beforeAll(async () => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("pong") });
  dataDir = mkdtempSync(`${tmpdir()}/pymd-containment-`) + "/pymd-data";
  mkdirSync(dataDir);
  writeFileSync(`${dataDir}/pymd.sqlite`, "secret rows");
  mkdirSync(repoDataDir, { recursive: true });
  writeFileSync(`${repoDataDir}/users.db`, "secret users");
  for (const jail of jailsUnderTest())
    sandboxes.set(
      jail.backend,
      await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: {
          wallTimeMs: WALL,
          cpuSeconds: 2,
          memoryBytes: 256 * MiB,
          maxProcesses: 32,
          tmpfsBytes: 16 * MiB,
          maxFileSize: 64 * MiB,
          maxOutputBytesPerBlock: 64 * 1024,
        },
      }),
    );
  for (const jail of jailsUnderTest())
    longWall.set(
      jail.backend,
      await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: {
          wallTimeMs: 60_000,
          cpuSeconds: 2,
          memoryBytes: 256 * MiB,
          maxProcesses: 32,
          tmpfsBytes: 16 * MiB,
          maxOutputBytesPerBlock: 64 * 1024,
        },
      }),
    );
  for (const jail of jailsUnderTest())
    bare.set(
      jail.backend,
      await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        cgroups: false,
        limits: {
          wallTimeMs: WALL,
          cpuSeconds: 2,
          memoryBytes: 256 * MiB,
          maxProcesses: 32,
          tmpfsBytes: 16 * MiB,
          maxOutputBytesPerBlock: 64 * 1024,
        },
      }),
    );
});

afterAll(() => {
  server.stop(true);
  rmSync(dataDir.replace(/\/pymd-data$/, ""), { recursive: true, force: true });
  rmSync(repoDataDir, { recursive: true, force: true });
});

interface Attack {
  events: RunEvent[];
  out: string;
  heartbeats: number;
  failure: HostFailureFrame | undefined;
}

/** Runs code in the sandbox while pinging the host's HTTP server; counts pings answered during the run. */
async function attack(code: string, jailed: Sandbox = sandbox): Promise<Attack> {
  let running = true;
  let heartbeats = 0;
  const url = `http://127.0.0.1:${server.port}/`;
  const pinger = (async () => {
    while (running) {
      const r = await fetch(url)
        .then((r) => r.text())
        .catch(() => "");
      if (running && r === "pong") heartbeats++;
      await Bun.sleep(20);
    }
  })();
  orphansBefore = new Set(processesWith("--cpu-per-request").filter((p) => parentOf(p) === 1));
  const events = await jailed.run([{ id: 0, code, line: 1 }]);
  running = false;
  await pinger;
  const out = events.map((e) => (e.type === "stdout" || e.type === "stderr" ? e.text : "")).join("");
  const failure = events.find((e): e is HostFailureFrame => e.type === "host-error");
  return { events, out, heartbeats, failure };
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/**
 * Host pids whose command line contains the marker and that belong to this test: descendants of
 * this process, or orphans (reparented to pid 1) that did not exist before the attack. Other
 * programs on the host may run their own sandboxes at the same time; those are neither.
 */
function processesWith(marker: string, before: Set<number> = new Set()): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!/^\d+$/.test(name) || pid === process.pid || before.has(pid)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, "utf8").includes(marker)) continue;
    } catch {
      continue;
    }
    let p = parentOf(pid);
    let ours = p === 1;
    for (let hops = 0; p > 1 && hops < 64; hops++, p = parentOf(p)) {
      if (p === process.pid) {
        ours = true;
        break;
      }
    }
    if (ours) found.push(pid);
  }
  return found;
}

let orphansBefore = new Set<number>();

async function expectNoneLeft(marker: string): Promise<void> {
  for (let i = 0; i < 40 && processesWith(marker, orphansBefore).length; i++) await Bun.sleep(100);
  expect(processesWith(marker, orphansBefore)).toEqual([]);
}

// Short attacks get a tail so there is a window in which the host must answer.
const HOLD = "\nimport time as _t\n_t.sleep(0.3)";

for (const jail of jailsUnderTest())
  describe(`containment (${jail.backend})`, () => {
    beforeAll(() => {
      sandbox = sandboxes.get(jail.backend)!;
    });

    test("network to an outside address is unreachable", async () => {
      const a = await attack(
        `import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(("1.1.1.1", 53))\n    print("CONNECTED")\nexcept OSError as e:\n    print("blocked", e.errno)` +
          HOLD,
      );
      expect(a.out).toMatch(/^blocked 101\n/); // ENETUNREACH: no interface but lo
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("the host's own server on 127.0.0.1 is not reachable (separate loopback)", async () => {
      const a = await attack(
        `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${server.port}), timeout=2)\n    print("CONNECTED")\nexcept OSError as e:\n    print("blocked", type(e).__name__)` +
          HOLD,
      );
      expect(a.out).toBe("blocked ConnectionRefusedError\n");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("the server's data directories are invisible", async () => {
      const a = await attack(
        `import os\nfor p in [${JSON.stringify(dataDir)}, ${JSON.stringify(repoDataDir)}, ${JSON.stringify(new URL("..", import.meta.url).pathname)}, "/root", "/home", "/work", "/data"]:\n    print(p.split("/")[-1] or p, os.path.exists(p))\nprint(sorted(os.listdir("/tmp")), sorted(os.listdir("/")))` +
          HOLD,
      );
      expect(a.out).not.toContain("True");
      expect(a.out).toContain("[] ['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr']");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("/etc/shadow and /etc/passwd are not there", async () => {
      const a = await attack(
        `for p in ("/etc/shadow", "/etc/passwd"):\n    try:\n        open(p).read()\n        print("READ", p)\n    except OSError as e:\n        print(type(e).__name__)` +
          HOLD,
      );
      expect(a.out).toBe("FileNotFoundError\nFileNotFoundError\n");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("no server environment: os.environ, /proc/1/environ and every visible process", async () => {
      const a = await attack(
        `import os\nprint(sorted(os.environ))\nleak = False\nfor pid in os.listdir("/proc"):\n    if pid.isdigit():\n        try:\n            if b"${SECRET}" in open("/proc/%s/environ" % pid, "rb").read(): leak = True\n        except OSError:\n            pass\nprint("leak", leak, "pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))` +
          HOLD,
      );
      expect(a.out).not.toContain(SECRET);
      expect(a.out).toContain("leak False");
      // bwrap sets PWD for its --chdir; nsjail does not
      const pwd = jail.backend === "bwrap" ? "'PWD', " : "";
      expect(a.out).toContain(
        `'HOME', 'LANG', 'MKL_NUM_THREADS', 'MPLBACKEND', 'MPLCONFIGDIR', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH', ${pwd}'XDG_CACHE_HOME']`,
      );
      // only the jail's own pid namespace: bwrap's init and the runner, or (nsjail) the runner alone
      expect(a.out).toContain(jail.backend === "bwrap" ? "pids [1, 2]" : "pids [1]");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("nothing outside /tmp is writable", async () => {
      const a = await attack(
        `import os\nfor p in ("/x", "/etc/x", "/usr/x", "/usr/lib/python3/dist-packages/evil.py", "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/printk_ratelimit", "/proc/sysrq-trigger"):\n    try:\n        fd = os.open(p, os.O_WRONLY | os.O_CREAT)\n        os.write(fd, b"1")\n        print("WROTE", p)\n    except OSError as e:\n        print(e.errno)\nopen("/tmp/ok", "w").write("x")\nprint("tmp ok")` +
          HOLD,
      );
      expect(a.out).not.toContain("WROTE");
      // EROFS for the filesystems, EACCES for host-global sysctls (the jail is nobody on the host),
      // ENOENT for /proc/sysrq-trigger (bwrap hides it)
      expect(a.out).toBe("30\n30\n30\n30\n13\n13\n2\ntmp ok\n");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("a fork bomb hits pids.max, the deadline ends it and nothing survives", async () => {
      const a = await attack(
        `import os\nn = 0\nwhile True:\n    try:\n        os.fork()\n        n += 1\n    except OSError:\n        pass`,
      );
      expect(a.failure?.reason).toBe("timeout");
      expect(a.heartbeats).toBeGreaterThan(0);
      await expectNoneLeft("--cpu-per-request");
    }, 30_000);

    test("a memory bomb gets MemoryError (RLIMIT_DATA) and the next block still runs", async () => {
      const a = await attack(
        `try:\n    b = bytearray(1 << 30)\nexcept MemoryError:\n    print("MemoryError")\nprint("alive")` + HOLD,
      );
      expect(a.out).toBe("MemoryError\nalive\n");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("a multi-process memory bomb is stopped by the memory cgroup", async () => {
      // each child stays under RLIMIT_AS (256 MiB) but together they pass the 256 MiB cgroup
      const a = await attack(
        `import os, time\nkids = []\nfor i in range(4):\n    pid = os.fork()\n    if pid == 0:\n        b = bytearray(120 << 20)\n        for j in range(0, len(b), 4096): b[j] = 1\n        time.sleep(1)\n        os._exit(0)\n    kids.append(pid)\nprint("signals", sorted(os.waitstatus_to_exitcode(os.waitpid(k, 0)[1]) for k in kids))`,
      );
      const oomInRunner = a.failure?.reason === "killed" && a.failure.message.includes("memory limit");
      const oomInChild = /signals \[-9/.test(a.out);
      expect(oomInRunner || oomInChild).toBe(true);
      expect(a.heartbeats).toBeGreaterThan(0);
      await expectNoneLeft("--cpu-per-request");
    }, 30_000);

    test("a CPU spin is killed by RLIMIT_CPU, not by the wall clock", async () => {
      const a = await attack(`while True:\n    pass`, longWall.get(jail.backend)!);
      expect(a.failure?.reason).toBe("killed");
      expect(a.failure?.message).toContain("CPU time limit");
      expect(a.heartbeats).toBeGreaterThan(0);
    }, 90_000);

    test("filling /tmp stops at the tmpfs size with ENOSPC", async () => {
      const a = await attack(
        `chunk = b"x" * (1 << 20)\nn = 0\ntry:\n    with open("/tmp/fill", "wb") as f:\n        while True:\n            f.write(chunk)\n            f.flush()\n            n += 1\nexcept OSError as e:\n    print("errno", e.errno, "MiB", n)` +
          HOLD,
      );
      expect(a.out).toMatch(/^errno 28 MiB 1[56]\n$/);
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("printing 1 GB is truncated by the runner; the host never buffers it", async () => {
      const rss0 = process.memoryUsage().rss;
      const a = await attack(
        `import sys, os\nchunk = "x" * (1 << 20)\nfor i in range(1024):\n    sys.stdout.write(chunk)\nfor i in range(256):\n    os.write(1, b"y" * (1 << 20))\nprint("end")`,
      );
      expect(a.events.filter((e) => e.type === "truncated").length).toBe(1);
      expect(a.out.length).toBeLessThanOrEqual(64 * 1024);
      expect(a.events.at(-1)!.type).toBe("done");
      expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * MiB);
      expect(a.heartbeats).toBeGreaterThan(0);
    }, 10_000);

    test("writing 1 GB straight into the frame channel is cut off by the host cap", async () => {
      const rss0 = process.memoryUsage().rss;
      const a = await attack(
        `import os\nfor fd in range(3, 10):\n    try:\n        for i in range(1024):\n            os.write(fd, b"z" * (1 << 20))\n    except OSError:\n        pass`,
      );
      expect(a.failure?.reason).toBe("killed");
      expect(a.failure?.message).toContain("host's output cap");
      expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * MiB);
      expect(a.heartbeats).toBeGreaterThan(0);
      await expectNoneLeft("--cpu-per-request");
    }, 10_000);

    test("sleeping past the deadline is killed at the wall-clock limit", async () => {
      const a = await attack(`import time\nprint("sleeping")\ntime.sleep(60)`);
      expect(a.failure?.reason).toBe("timeout");
      expect(a.out).toBe("sleeping\n");
      expect(a.heartbeats).toBeGreaterThan(0);
      await expectNoneLeft("--cpu-per-request");
    }, 10_000);

    test("a double-forked setsid daemon does not outlive the run", async () => {
      const marker = `98765${Math.floor(Math.random() * 1000)}`;
      const a = await attack(
        `import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv("/bin/sleep", ["sleep", "${marker}"])\n    os._exit(0)\nos.wait()\nimport time\ntime.sleep(0.3)\nprint("daemon started")`,
      );
      expect(a.out).toBe("daemon started\n");
      expect(a.events.at(-1)!.type).toBe("done");
      expect(a.heartbeats).toBeGreaterThan(0);
      await expectNoneLeft(`sleep\0${marker}`);
    }, 10_000);

    test("signalling the server's pid does not reach it", async () => {
      const a = await attack(
        `import os, signal\nfor pid in (${process.pid}, ${process.ppid}):\n    try:\n        os.kill(pid, signal.SIGKILL)\n        print("SENT", pid)\n    except OSError as e:\n        print(type(e).__name__)` +
          HOLD,
      );
      expect(a.out).toBe("ProcessLookupError\nProcessLookupError\n");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    test("ptrace reaches neither the server nor the jail's own init (the seccomp filter denies it)", async () => {
      const a = await attack(
        `import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nfor pid in (${process.pid}, 1):\n    r = libc.ptrace(16, pid, None, None)\n    print(r, os.strerror(ctypes.get_errno()))` +
          HOLD,
      );
      // without the filter the host pid would be ESRCH (not in the jail's pid namespace) and the
      // jail's own pid 1 attachable (same uid, no capabilities)
      expect(a.out).toBe("-1 Operation not permitted\n-1 Operation not permitted\n");
      expect(a.heartbeats).toBeGreaterThan(0);
    });

    describe("without per-run cgroups (a container without delegation)", () => {
      let withCgroups: Sandbox;
      beforeAll(() => {
        withCgroups = sandbox;
        sandbox = bare.get(jail.backend)!;
      });
      afterAll(() => {
        sandbox = withCgroups;
      });

      test("processes stop at the jail's own RLIMIT_NPROC, and the next run starts", async () => {
        const a = await attack(
          `import os, time\nn = 0\ntry:\n    for i in range(200):\n        if os.fork() == 0:\n            time.sleep(2)\n            os._exit(0)\n        n += 1\nexcept OSError as e:\n    print("capped", e.errno, n < 32)`,
        );
        expect(a.out).toBe("capped 11 True\n");
        await expectNoneLeft("--cpu-per-request");
        const b = await attack(`print("next")`);
        expect(b.out).toBe("next\n");
      }, 15_000);

      test("one big allocation is a MemoryError (RLIMIT_DATA)", async () => {
        const a = await attack(
          `try:\n    b = bytearray(300 << 20)\nexcept MemoryError:\n    print("MemoryError")\nprint("alive")` + HOLD,
        );
        expect(a.out).toBe("MemoryError\nalive\n");
      });

      test("many processes each under the limit are killed together by the resident-memory watchdog", async () => {
        const a = await attack(
          `import os, time\nkids = []\nfor i in range(4):\n    pid = os.fork()\n    if pid == 0:\n        b = bytearray(120 << 20)\n        for j in range(0, len(b), 4096): b[j] = 1\n        time.sleep(2)\n        os._exit(0)\n    kids.append(pid)\nfor k in kids: os.waitpid(k, 0)\nprint("SURVIVED")`,
        );
        expect(a.out).not.toContain("SURVIVED");
        expect(a.failure?.reason).toBe("killed");
        expect(a.failure?.message).toMatch(
          /^the run was killed: its processes used \d+ MiB, over its 256 MiB memory limit$/,
        );
        expect(a.heartbeats).toBeGreaterThan(0);
        await expectNoneLeft("--cpu-per-request");
      }, 15_000);
    });
  });
