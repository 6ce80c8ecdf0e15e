// Jails that share nothing, through each real jail (bwrap and nsjail): the seccomp filter denies
// each call notebooks never need (and ordinary notebooks still run), /dev/shm is a capped tmpfs,
// and with a root server each jail has a host uid of its own, so one tenant's kernel keys are
// invisible to another's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { RunEvent } from "../protocol/run-frames.ts";
import { createSandbox, type Kernel, type Sandbox } from "./index.ts";
import { findTool } from "./host-tools.ts";
import { isJailUid, isJailUidHeld } from "./jail-uids.ts";
import { deniedSyscalls, hostSeccompArch } from "./seccomp-filter.ts";
import { jailsUnderTest } from "./testing/jails.ts";
import { createWorkspaceDir } from "./workspace-dir.ts";

const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;
const arch = hostSeccompArch();
if (!arch) console.warn(`isolation suite: no seccomp table for ${process.arch}, the filter tests do not run`);

const out = (events: RunEvent[]) =>
  events
    .map((e) =>
      e.type === "stdout" || e.type === "stderr" ? e.text : e.type === "host-error" ? `[${e.reason}] ${e.message}` : "",
    )
    .join("");
const block = (code: string) => [{ id: 0, code, line: 1 }];

const PRELUDE = `import ctypes, os, json
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    return os.strerror(ctypes.get_errno()) if r == -1 else "returned %d" % r
`;

/** Calls that would succeed (or fail otherwise) without the filter: so EPERM is the filter's doing. */
const REAL_CALLS = (nr: Record<string, number>) => `${PRELUDE}
seen = {}
seen["add_key"] = call(${nr.add_key}, b"user", b"pymd-probe", b"v", 1, -2)
seen["keyctl"] = call(${nr.keyctl}, 0, -3, 1)
seen["ptrace"] = call(${nr.ptrace}, 0, 0, 0, 0)
buf = ctypes.create_string_buffer(8)
src = ctypes.create_string_buffer(b"secret!")
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
local, remote = iovec(ctypes.addressof(buf), 8), iovec(ctypes.addressof(src), 8)
seen["process_vm_readv"] = call(${nr.process_vm_readv}, os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
params = ctypes.create_string_buffer(120)
seen["io_uring_setup"] = call(${nr.io_uring_setup}, 1, params)
seen["userfaultfd"] = call(${nr.userfaultfd}, 1)
seen["unshare"] = call(${nr.unshare}, 0x10000000)
attr = ctypes.create_string_buffer(128)
ctypes.memmove(attr, (128).to_bytes(4, "little") * 2, 8)
seen["perf_event_open"] = call(${nr.perf_event_open}, attr, 0, -1, -1, 0)
seen["kcmp"] = call(${nr.kcmp}, os.getpid(), os.getpid(), 0, 0, 0)
seen["bpf"] = call(${nr.bpf}, 0, ctypes.create_string_buffer(64), 64)
seen["mount"] = call(${nr.mount}, b"none", b"/tmp", b"tmpfs", 0, 0)
status = open("/proc/self/status").read()
seen["mode"] = [l.split()[1] for l in status.splitlines() if l.startswith("Seccomp:")]
print(json.dumps(seen))`;

const sandboxes = new Map<string, Sandbox>();
/** As in a container without cgroup delegation: memory is held by the watchdog alone. */
const bare = new Map<string, Sandbox>();
beforeAll(async () => {
  for (const jail of jailsUnderTest()) {
    sandboxes.set(
      jail.backend,
      await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { wallTimeMs: 20_000, cpuSeconds: 10, tmpfsBytes: 16 * MiB, maxOutputBytesPerBlock: 256 * 1024 },
      }),
    );
    bare.set(
      jail.backend,
      await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        cgroups: false,
        limits: {
          wallTimeMs: 20_000,
          cpuSeconds: 10,
          memoryBytes: 256 * MiB,
          tmpfsBytes: 200 * MiB,
          maxFileSize: 256 * MiB,
        },
      }),
    );
  }
});

const FILL = (where: string[], mib: number) => `import time
for d in ${JSON.stringify(where)}:
    with open(d + "/fill", "wb") as f:
        for i in range(${mib}):
            f.write(b"x" * (1 << 20))
print("written", flush=True)
time.sleep(1.5)
print("kept")`;

for (const jail of jailsUnderTest())
  describe(`isolation (${jail.backend})`, () => {
    let sandbox: Sandbox;
    beforeAll(() => {
      sandbox = sandboxes.get(jail.backend)!;
    });

    test.if(arch !== null)(
      "each call the filter denies fails with EPERM inside the jail",
      async () => {
        const calls = deniedSyscalls(arch!).map((d) => [d.name, d[arch!]] as const);
        const ev = await sandbox.run(
          block(
            `${PRELUDE}\nprint(json.dumps({name: call(nr, 0, 0, 0, 0, 0, 0) for name, nr in ${JSON.stringify(calls)}}))`,
          ),
        );
        const got = JSON.parse(out(ev)) as Record<string, string>;
        expect(got).toEqual(Object.fromEntries(calls.map(([name]) => [name, "Operation not permitted"])));
      },
      30_000,
    );

    test.if(arch !== null)(
      "calls that would work unfiltered (keys, ptrace, reading its own memory, io_uring, a user namespace) are EPERM",
      async () => {
        const nr = Object.fromEntries(deniedSyscalls(arch!).map((d) => [d.name, d[arch!]]));
        const ev = await sandbox.run(block(REAL_CALLS(nr)));
        const got = JSON.parse(out(ev)) as Record<string, string | string[]>;
        const { mode, ...calls } = got;
        expect(mode).toEqual(["2"]); // SECCOMP_MODE_FILTER
        for (const [name, result] of Object.entries(calls))
          expect([name, result]).toEqual([name, "Operation not permitted"]);
        expect(Object.keys(calls).length).toBe(11);
      },
      30_000,
    );

    test("ordinary notebooks still run: numpy, pandas, matplotlib, threads, subprocess, multiprocessing", async () => {
      const ev = await sandbox.run(
        block(`import numpy as np, pandas as pd, threading, subprocess, multiprocessing
import matplotlib.pyplot as plt
print("sum", int(np.arange(10).sum()), "mean", pd.DataFrame({"a": [1, 2, 3]})["a"].mean())
plt.plot([1, 2, 3]); plt.show()
got = []
ts = [threading.Thread(target=got.append, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("threads", sorted(got))
print("subprocess", subprocess.run(["/bin/echo", "hi"], capture_output=True, text=True).stdout.strip())
with multiprocessing.Pool(2) as pool:
    print("pool", pool.map(abs, [-1, -2, -3]))`),
      );
      expect(out(ev)).toBe("sum 45 mean 2.0\nthreads [0, 1, 2, 3]\nsubprocess hi\npool [1, 2, 3]\n");
      expect(ev.filter((e) => e.type === "display" && e.mime === "image/png").length).toBe(1);
      expect(ev.at(-1)?.type).toBe("done");
    }, 30_000);

    test("filling /dev/shm stops at its tmpfs size with ENOSPC", async () => {
      const ev = await sandbox.run(
        block(`chunk = b"x" * (1 << 20)
n = 0
try:
    with open("/dev/shm/fill", "wb") as f:
        while True:
            f.write(chunk)
            f.flush()
            n += 1
except OSError as e:
    print("errno", e.errno, "MiB", n)
import os
print(os.statvfs("/dev/shm").f_blocks * os.statvfs("/dev/shm").f_frsize // (1 << 20))`),
      );
      expect(out(ev)).toMatch(/^errno 28 MiB 1[56]\n16\n$/);
    }, 30_000);

    test("without a memory cgroup, what the jail keeps in /tmp and /dev/shm counts toward its memory limit", async () => {
      const sb = bare.get(jail.backend)!;
      // 150 MiB in /tmp alone fits under 256 MiB ...
      const one = await sb.run(block(FILL(["/tmp"], 150)));
      expect(out(one)).toBe("written\nkept\n");
      // ... 150 MiB in each does not: the watchdog stops the run, though no process is large
      const both = await sb.run(block(FILL(["/tmp", "/dev/shm"], 150)));
      expect(out(both)).not.toContain("kept");
      expect(both.at(-1)).toMatchObject({ type: "host-error", reason: "killed" });
      expect((both.at(-1) as { message: string }).message).toMatch(
        /^the run was killed: its processes used \d+ MiB, over its 256 MiB memory limit$/,
      );
    }, 30_000);

    describe.skipIf(!isRoot || !arch)("a host uid per jail (root server)", () => {
      let kernel: Kernel;
      let holder: ReturnType<typeof Bun.spawn> | null = null;
      afterAll(async () => {
        await kernel?.close();
        if (holder) {
          (holder.stdin as import("bun").FileSink).end();
          await holder.exited;
        }
      });

      /**
       * The host uid of the jail that runs `code`: the block names its process (PR_SET_NAME) with a
       * marker while it sleeps, and the host finds that process in its /proc (other jails, such as
       * the one building matplotlib's font list, may run meanwhile).
       */
      const hostUidOf = async (
        run: (code: string, onEvent: (e: RunEvent) => void) => Promise<RunEvent[]>,
        code = "",
      ): Promise<number> => {
        const marker = `pymd${Math.random().toString(36).slice(2, 10)}`;
        let uid = -1;
        const ev = await run(
          `${code}\nimport ctypes, time\nctypes.CDLL(None).prctl(15, b"${marker}", 0, 0, 0)\nprint("up", flush=True)\ntime.sleep(0.5)`,
          (e) => {
            if (e.type !== "stdout") return;
            for (const n of readdirSync("/proc")) {
              if (!/^\d+$/.test(n)) continue;
              try {
                if (readFileSync(`/proc/${n}/comm`, "utf8").trim() === marker)
                  uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${n}/status`, "utf8"))![1]);
              } catch {}
            }
          },
        );
        expect(out(ev)).toBe("up\n");
        expect(uid).toBeGreaterThanOrEqual(0);
        return uid;
      };

      test("two jails run as different host uids from the range; another jail cannot see a key of the first one's uid", async () => {
        kernel = await sandbox.startKernel();
        const uidA = await hostUidOf((c, on) => kernel.run(block(c), on));
        expect(isJailUid(uidA)).toBe(true);
        // a key of uid A's, made on the host (the jails themselves cannot make keys: add_key is denied)
        const desc = `pymd-tenant-key-${Math.random().toString(36).slice(2)}`;
        holder = Bun.spawn(
          [
            findTool("setpriv")!,
            `--reuid=${uidA}`,
            `--regid=${uidA}`,
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            "-c",
            `import ctypes, sys\nl = ctypes.CDLL(None, use_errno=True)\nprint(l.syscall(${deniedSyscalls(arch!).find((d) => d.name === "add_key")![arch!]}, b"user", b"${desc}", b"v", 1, -2), flush=True)\nsys.stdin.read()`,
          ],
          { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
        );
        const reader = (holder.stdout as ReadableStream<Uint8Array>).getReader();
        const serial = Number(new TextDecoder().decode((await reader.read()).value));
        expect(serial).toBeGreaterThan(0);
        const look = `print("${desc}" in open("/proc/keys").read())`;
        // the first jail sees its own uid's key (the probe works) ...
        expect(out(await kernel.run(block(look)))).toBe("True\n");
        // ... a second jail, at the same time, runs as another uid and sees nothing of it
        const uidB = await hostUidOf((c, on) => sandbox.run(block(c), on));
        expect(isJailUid(uidB)).toBe(true);
        expect(uidB).not.toBe(uidA);
        expect(out(await sandbox.run(block(look)))).toBe("False\n");
      }, 30_000);

      test("a workspace's kernels run as the uid its directory was made for, and give it back", async () => {
        const ws = createWorkspaceDir();
        const uid = statSync(ws.dir).uid;
        expect(isJailUid(uid)).toBe(true);
        expect(isJailUidHeld(uid)).toBe(true);
        const mount = { dir: ws.dir, maxBytes: 8 * MiB };
        let k = await sandbox.startKernel({ workspace: mount });
        try {
          expect(await hostUidOf((c, on) => k.run(block(c), on))).toBe(uid);
          // the next kernel of the same workspace (after the first is gone) is the same tenant
          await k.close();
          k = await sandbox.startKernel({ workspace: mount });
          expect(await hostUidOf((c, on) => k.run(block(c), on), `open("made-here", "w").write("x")`)).toBe(uid);
          expect(statSync(`${ws.dir}/made-here`).uid).toBe(uid);
        } finally {
          await k.close();
          ws.remove();
        }
        expect(isJailUidHeld(uid)).toBe(false);
      }, 30_000);
    });
  });
