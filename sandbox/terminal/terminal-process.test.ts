// Terminals through each real jail: the PTY works (echo, resize, Ctrl-C, exit status, UTF-8), the
// workspace is the working directory, and the containment probes hold through the terminal path
// (network, host files, the server's process, other jails, fork and memory bombs, an output flood).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createSandbox, type Sandbox, type TerminalProcess } from "../index.ts";
import { jailsUnderTest } from "../testing/jails.ts";
import { createWorkspaceDir, type WorkspaceDir } from "../workspace-dir.ts";

const SECRET = `pymd-term-secret-${Math.random().toString(36).slice(2)}`;
process.env.PYMD_TEST_SECRET = SECRET;
const MiB = 1024 * 1024;
const enc = new TextEncoder();

let hostDir: string;
let ws: WorkspaceDir;
let workspace: string;
beforeAll(() => {
  hostDir = mkdtempSync(`${tmpdir()}/pymd-term-host-`);
  writeFileSync(`${hostDir}/secret.txt`, SECRET);
  ws = createWorkspaceDir();
  workspace = ws.dir;
  writeFileSync(`${workspace}/data.csv`, "a,b\n1,2\n");
  if (ws.chownTo) chownSync(`${workspace}/data.csv`, ws.chownTo.uid, ws.chownTo.gid);
});
afterAll(() => {
  rmSync(hostDir, { recursive: true, force: true });
  ws.remove();
});

/** A terminal whose output is collected as text; `until` waits for a pattern in what came after `mark`. */
class Session {
  text = "";
  exit: { code: number | null; reason: string | null } | null = null;
  private readonly pump: Promise<void>;
  constructor(readonly t: TerminalProcess) {
    const dec = new TextDecoder();
    this.pump = (async () => {
      for (;;) {
        const e = await t.next();
        if (e.type === "exit") {
          this.exit = { code: e.code, reason: e.reason };
          return;
        }
        this.text += dec.decode(e.data, { stream: true });
      }
    })();
  }
  type(s: string) {
    this.t.write(enc.encode(s));
  }
  /** Runs a command and resolves with what it printed between two unique markers. */
  async run(cmd: string, timeoutMs = 20_000): Promise<string> {
    const id = Math.random().toString(36).slice(2, 8);
    const from = this.text.length;
    this.type(`echo B${id}E; ${cmd}; echo E${id}E\n`);
    const re = new RegExp(`[\\r\\n]B${id}E\\r\\n([\\s\\S]*?)E${id}E\\r\\n`);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.text.slice(from));
      if (m) return m[1]!;
      if (this.exit || Date.now() > end)
        throw new Error(
          `no answer to ${JSON.stringify(cmd)} (${JSON.stringify(this.exit)}); got ${JSON.stringify(this.text.slice(from).slice(-500))}`,
        );
      await Bun.sleep(20);
    }
  }
  async until(re: RegExp, from: number, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.text.slice(from))) {
      if (this.exit || Date.now() > end)
        throw new Error(`never saw ${re}; got ${JSON.stringify(this.text.slice(from).slice(-500))}`);
      await Bun.sleep(20);
    }
  }
  async ended() {
    await this.pump;
    return this.exit!;
  }
}

for (const jail of jailsUnderTest()) {
  describe(`terminal under ${jail.backend}`, () => {
    let sandbox: Sandbox;
    const open: Session[] = [];
    const start = (rows = 24, cols = 80, ws: string | undefined = workspace) => {
      const t = sandbox.startTerminal({ rows, cols, workspace: ws ? { dir: ws, maxBytes: 64 * MiB } : undefined });
      if (typeof t === "string") throw new Error(t);
      const s = new Session(t);
      open.push(s);
      return s;
    };
    beforeAll(async () => {
      sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { cpuSeconds: 3, memoryBytes: 256 * MiB, maxProcesses: 32, tmpfsBytes: 16 * MiB },
      });
    });
    afterAll(async () => {
      for (const s of open) await s.t.close();
    });

    test("a shell on a real terminal: arithmetic, UTF-8, the workspace as working directory", async () => {
      const s = start();
      expect((await s.run("echo $((6*7))")).trim()).toBe("42");
      expect((await s.run("tty")).trim()).toMatch(/^\/dev\/pts\/\d+$/);
      expect((await s.run("pwd")).trim()).toBe("/work");
      expect((await s.run("cat data.csv")).replace(/\r/g, "")).toBe("a,b\n1,2\n");
      expect((await s.run("echo 'héllo ✓'")).trim()).toBe("héllo ✓");
      await s.run("echo made-here > t.txt");
      expect(readFileSync(`${workspace}/t.txt`, "utf8")).toBe("made-here\n");
    });

    test("the POSIX shell works too (a system without bash)", async () => {
      const t = sandbox.startTerminal({ rows: 24, cols: 80, shell: "/bin/sh" });
      if (typeof t === "string") throw new Error(t);
      const s = new Session(t);
      open.push(s);
      await s.until(/sandbox\$ /, 0);
      s.type("echo $((6*7)) $0\n");
      await s.until(/[\r\n]42 \/bin\/sh\r\n/, 0);
    });

    test("resize changes what tput cols says; exit ends with its status", async () => {
      const s = start(24, 100);
      expect((await s.run("tput cols")).trim()).toBe("100");
      s.t.resize(40, 57);
      expect((await s.run("tput cols")).trim()).toBe("57");
      expect((await s.run("tput lines")).trim()).toBe("40");
      s.type("exit 7\n");
      expect(await s.ended()).toEqual({ code: 7, reason: null });
    });

    test("Ctrl-C stops the foreground job and the prompt comes back; Ctrl-D ends the shell", async () => {
      const s = start();
      await s.run("true");
      const from = s.text.length;
      s.type("sleep 100; echo after-sleep\n");
      await s.until(/sleep 100; echo after-sleep\r\n/, from);
      await Bun.sleep(300);
      s.type("\x03");
      // the shell answers again (the sleep is gone), and the rest of the line never ran
      expect((await s.run("echo back")).trim()).toBe("back");
      expect(s.text.slice(from)).not.toMatch(/[\r\n]after-sleep\r\n/);
      expect((await s.run("pgrep -c sleep || true")).trim()).toBe("0");
      s.type("\x04");
      expect((await s.ended()).code).toBe(0);
    });

    test("Ctrl-Z suspends the foreground job; jobs lists it, fg brings it back, Ctrl-C then ends it", async () => {
      const s = start();
      await s.run("true");
      const from = s.text.length;
      s.type("sleep 100\n");
      await s.until(/sleep 100\r\n/, from);
      await Bun.sleep(300);
      s.type("\x1a");
      await s.until(/Stopped/, from);
      expect(await s.run("jobs")).toMatch(/\[1\]\+\s+Stopped\s+sleep 100/);
      // suspended, not gone
      expect((await s.run("pgrep -c sleep || true")).trim()).toBe("1");
      const again = s.text.length;
      s.type("fg\n");
      await s.until(/sleep 100\r\n/, again);
      await Bun.sleep(300);
      s.type("\x03");
      expect((await s.run("echo back")).trim()).toBe("back");
      expect((await s.run("pgrep -c sleep || true")).trim()).toBe("0");
      s.type("exit\n");
      expect((await s.ended()).code).toBe(0);
    });

    test("freezing the terminal (for a workspace sync) does not stop its foreground job in the shell's eyes", async () => {
      const s = start();
      await s.run("true");
      const from = s.text.length;
      s.type(`python3 -c "import time; time.sleep(1.5); print('fg-done')"; echo rc=$?\n`);
      await s.until(/echo rc=\$\?\r\n/, from);
      for (let i = 0; i < 3; i++) {
        await Bun.sleep(200);
        const thaw = s.t.freeze();
        await Bun.sleep(100);
        thaw();
      }
      await s.until(/[\r\n]fg-done\r\nrc=0\r\n/, from);
      expect(s.text.slice(from)).not.toContain("Stopped");
    });

    test("the signal frame reaches the foreground job", async () => {
      const s = start();
      await s.run("true");
      const from = s.text.length;
      s.type("sleep 100; echo status=$?\n");
      await s.until(/sleep 100; echo status=\$\?\r\n/, from);
      await Bun.sleep(300);
      s.t.signal("TERM");
      await s.until(/[\r\n]status=143\r\n/, from);
    });

    test("containment through the terminal: no network, no host files, no server process, no other jails", async () => {
      const s = start();
      const other = start(24, 80, undefined);
      await other.run("sleep 300 & echo started");
      expect(
        await s.run(
          `python3 -c "import socket; s=socket.socket(); s.settimeout(2); print(s.connect_ex(('1.1.1.1', 80)))"`,
        ),
      ).not.toMatch(/^0\r?\n/);
      expect((await s.run(`python3 -c "import socket; print([n for _, n in socket.if_nameindex()])"`)).trim()).toBe(
        "['lo']",
      );
      expect(await s.run(`cat ${hostDir}/secret.txt 2>&1`)).toContain("No such file");
      expect(await s.run("env")).not.toContain(SECRET);
      expect(await s.run("grep -l pymd-term-secret /proc/*/environ 2>/dev/null | head -1")).toBe("");
      // only this jail's own processes: the relay, the shell and what it runs, no sleep of the other jail
      const ps = await s.run("ls /proc | grep -E '^[0-9]+$' | wc -l");
      expect(Number(ps.trim())).toBeLessThan(12);
      expect(await s.run("pgrep -c sleep || true")).toMatch(/^0/);
      expect(await s.run("touch /usr/x 2>&1; touch /etc/x 2>&1")).toContain("Read-only file system");
      expect((await s.run("id -u")).trim()).toBe("65534");
    }, 30_000);

    test("a fork bomb and a memory bomb are stopped; the terminal itself lives on", async () => {
      const s = start();
      const bomb = await s.run(
        "for i in $(seq 200); do sleep 3 & done 2>&1 | grep -c -i 'resource\\|retry' ; pkill sleep; wait; echo done",
        60_000,
      );
      expect(bomb).toContain("done");
      expect(Number(bomb.trim().split(/\s+/)[0])).toBeGreaterThan(0);
      const mem = await s.run(`python3 -c "x = bytearray(1024*1024*1024)" 2>&1 | tail -1`);
      expect(mem).toContain("MemoryError");
      expect((await s.run("echo alive")).trim()).toBe("alive");
    }, 90_000);

    test("a command over its CPU allowance is stopped, the shell stays", async () => {
      const s = start();
      const out = await s.run(`python3 -c "while True: pass"; echo status=$?`, 60_000);
      expect(out).toMatch(/status=(137|152)/);
    }, 90_000);

    test("a flood waits in the jail while nobody reads it, and Ctrl-C still reaches it", async () => {
      const t = sandbox.startTerminal({ rows: 24, cols: 80 });
      if (typeof t === "string") throw new Error(t);
      const dec = new TextDecoder();
      t.write(enc.encode("yes\n"));
      // read a little, then stop reading: the jail's pipe fills and `yes` blocks
      let got = 0;
      while (got < 200_000) {
        const e = await t.next();
        if (e.type !== "output") throw new Error("ended");
        got += e.data.length;
      }
      await Bun.sleep(1000);
      const rss = () => Number(readFileSync(`/proc/${process.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) * 1024;
      const before = rss();
      await Bun.sleep(1500);
      // nothing was read meanwhile, so nothing piled up on the host
      expect(rss() - before).toBeLessThan(32 * MiB);
      t.write(enc.encode("\x03"));
      t.write(enc.encode("echo FLOOD-OVER\n"));
      let tail = "";
      for (let i = 0; i < 100_000 && !/FLOOD-OVER\r\n/.test(tail); i++) {
        const e = await t.next();
        if (e.type !== "output") throw new Error("ended");
        tail = (tail + dec.decode(e.data)).slice(-4000);
      }
      expect(tail).toMatch(/FLOOD-OVER\r\n/);
      await t.close();
    }, 60_000);
  });
}
