// Hostile notebooks against the jail and the kernels, through the compiled server and its detected
// jail, with the server's health measured while each happens (GET /api/v1/health every 20 ms: p99
// and max): each seccomp-denied call, cross-jail key listing, filling /dev/shm, an idle CPU burner,
// a block that ignores Interrupt, and one user running six documents. Prints figures; never fails.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { openServices } from "../server/app.ts";
import { Peer } from "../server/testing/ws-peer.ts";
import { deniedSyscalls, hostSeccompArch } from "../sandbox/seccomp-filter.ts";
import { BINARY, fmt, requireBinary, type summary, tempDataDir, whileHealthy } from "./bench-kit.ts";

requireBinary();
const PASSWORD = "bench isolation password";
const PORT = 18941;

const line = (label: string, h: ReturnType<typeof summary>, extra: string) =>
  console.log(`${label.padEnd(40)} health p99 ${fmt(h.p99)}, max ${fmt(h.max)} (n=${h.n}) | ${extra}`);
const doc = (code: string) => `# # Bench\n# \`\`\`\n${code}\n# \`\`\`\n`;

/** Jails under the server process: jailed interpreters whose parent is not one (checkpoints are forks). */
function jails(serverPid: number): { count: number; rssMiB: number } {
  const parent = new Map<number, number>();
  const runners = new Set<number>();
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const st = readFileSync(`/proc/${n}/stat`, "utf8");
      parent.set(Number(n), Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]));
      if (readFileSync(`/proc/${n}/cmdline`, "utf8").includes("--cpu-per-request")) runners.add(Number(n));
    } catch {}
  }
  let count = 0;
  let rss = 0;
  for (const pid of runners) {
    let p = pid;
    for (let hops = 0; p > 1 && hops < 64 && p !== serverPid; hops++) p = parent.get(p) ?? 0;
    if (p !== serverPid) continue;
    try {
      rss += Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * 4096;
    } catch {}
    if (!runners.has(parent.get(pid) ?? 0)) count++;
  }
  return { count, rssMiB: Math.round(rss / 1048576) };
}

async function main() {
  const dataDir = tempDataDir("isolation");
  const s = openServices(dataDir);
  await s.accounts.addUser("mallory", PASSWORD, "user");
  s.db.close();
  const proc = Bun.spawn(
    [
      BINARY,
      "serve",
      "--port",
      String(PORT),
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
      "--run-cpu",
      "2",
      "--kernels-per-user",
      "2",
      "--exec-concurrent",
      "4",
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  const url = `http://127.0.0.1:${PORT}`;
  for (
    let i = 0;
    i < 1500 &&
    !(await fetch(url + "/api/v1/health")
      .then((r) => r.ok)
      .catch(() => false));
    i++
  )
    await Bun.sleep(10);
  try {
    const login = await fetch(url + "/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "mallory", password: PASSWORD }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const p = await Peer.open(url.replace("http", "ws") + "/api/v1/ws", { cookie });
    await p.next("hello");
    const open = async (code: string) => {
      const id = (
        (await (
          await fetch(url + "/api/v1/documents", {
            method: "POST",
            headers: { cookie, "content-type": "application/json" },
            body: JSON.stringify({ title: "Bench", content: doc(code) }),
          })
        ).json()) as { id: string }
      ).id;
      p.send({ t: "join", doc: id });
      await p.next("joined", (m) => m.doc === id);
      return id;
    };
    const run = async (id: string) => {
      p.send({ t: "run", doc: id, scope: "all" });
      return p.next("run-finished", (m) => m.doc === id, 120_000);
    };
    const cellText = (id: string) => {
      const c = p.messages.filter((m) => m.t === "cell" && m.doc === id).at(-1) as
        | { cell: { html: string; status: string } }
        | undefined;
      return {
        status: c?.cell.status ?? "?",
        text: (c?.cell.html ?? "")
          .replace(/<[^>]+>/g, "")
          .replace(/\s+/g, " ")
          .trim(),
      };
    };
    const close = async (id: string) => {
      p.send({ t: "leave", doc: id });
      await Bun.sleep(20);
    };

    const arch = hostSeccompArch();
    if (arch) {
      const calls = deniedSyscalls(arch).map((d) => [d.name, d[arch]]);
      const id = await open(
        `import ctypes, os\nl = ctypes.CDLL(None, use_errno=True)\nbad = []\nfor name, nr in ${JSON.stringify(calls)}:\n    if l.syscall(nr, 0, 0, 0, 0, 0, 0) != -1 or ctypes.get_errno() != 1:\n        bad.append(name)\nprint("EPERM", ${calls.length} - len(bad), "of", ${calls.length}, "not:", bad)`,
      );
      const r = await whileHealthy(url, () => run(id));
      line("each seccomp-denied call", r.health, cellText(id).text);
      await close(id);
    }
    {
      const id = await open(
        `import ctypes\nl = ctypes.CDLL(None, use_errno=True)\nr = l.syscall(${arch === "aarch64" ? 217 : 248}, b"user", b"probe", b"v", 1, -2)\nprint("add_key", r, ctypes.get_errno(), "| /proc/keys lines", len(open("/proc/keys").read().splitlines()), "| uid_map", open("/proc/self/uid_map").read().split())`,
      );
      const r = await whileHealthy(url, () => run(id));
      line("cross-jail key listing", r.health, cellText(id).text);
      await close(id);
    }
    {
      const id = await open(
        `n = 0\ntry:\n    with open("/dev/shm/fill", "wb") as f:\n        while True:\n            f.write(b"x" * (1 << 20)); f.flush(); n += 1\nexcept OSError as e:\n    print("errno", e.errno, "after", n, "MiB")`,
      );
      const r = await whileHealthy(url, () => run(id));
      line("fill /dev/shm (64 MiB cap)", r.health, cellText(id).text);
      await close(id);
    }
    {
      const id = await open(
        `import threading\ndef spin():\n    while True:\n        pass\nthreading.Thread(target=spin, daemon=True).start()\nprint("spinning")`,
      );
      const r = await whileHealthy(url, async () => {
        await run(id);
        const t0 = performance.now();
        const k = await p.next(
          "kernel",
          (m) => m.doc === id && m.kernel.status === "stopped" && m.kernel.reason !== "not-started",
          60_000,
        );
        return { ms: performance.now() - t0, message: k.kernel.message };
      });
      line("idle CPU burner (--run-cpu 2)", r.health, `stopped ${fmt(r.result.ms)} after its run: ${r.result.message}`);
      await close(id);
    }
    {
      const id = await open(
        `import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("ignoring", flush=True)\nwhile True:\n    time.sleep(0.05)`,
      );
      const r = await whileHealthy(url, async () => {
        p.send({ t: "run", doc: id, scope: "all" });
        await p.next("kernel", (m) => m.doc === id && m.kernel.status === "busy", 60_000);
        await Bun.sleep(300);
        const t0 = performance.now();
        p.send({ t: "interrupt", doc: id });
        await p.next("run-finished", (m) => m.doc === id, 60_000);
        return performance.now() - t0;
      });
      const c = cellText(id);
      line(
        "block ignoring SIGINT, then Interrupt",
        r.health,
        `run ended ${fmt(r.result)} after Interrupt; cell ${c.status}: ${c.text}`,
      );
      await close(id);
    }
    {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++)
        ids.push(await open(`import numpy, pandas\nx${i} = bytearray(20 << 20)\nprint("doc ${i}")`));
      let peak = 0;
      const r = await whileHealthy(url, async () => {
        for (const id of ids) {
          await run(id);
          peak = Math.max(peak, jails(proc.pid).count);
        }
      });
      const j = jails(proc.pid);
      const closed = p.messages.filter(
        (m) => m.t === "kernel" && ids.includes(m.doc) && m.kernel.reason === "idle-close",
      ).length;
      line(
        "one user, 6 documents (cap 2)",
        r.health,
        `live jails after each run ≤ ${peak}, now ${j.count} (${j.rssMiB} MiB resident); ${closed} kernels closed for the cap`,
      );
    }
    p.ws.close();
  } finally {
    proc.kill();
    await proc.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
