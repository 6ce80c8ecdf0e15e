// One jailed terminal seen from the host: spawns a launch plan whose program is the PTY relay
// (pty-host.py), speaks its framed protocol, holds the tree to the memory and workspace limits,
// and hands output out only as fast as the caller asks for it (so a flood waits in the jail).
import { closeSync, openSync, readFileSync } from "node:fs";
import { cleanupLaunch, type LaunchPlan } from "../launch-plan.ts";
import { jailEnd } from "../jail-exit.ts";
import { directoryBytes } from "../jail-process.ts";
import { treePids, watchMemory } from "../memory-watchdog.ts";
import source from "./pty-host.py" with { type: "text" };

export const ptyHostSource: string = source;

/** The largest keystroke frame the host sends on; bigger input is split. */
const MAX_DATA_FRAME = 16 * 1024;
const MiB = 1024 * 1024;

/** Waits (briefly) until a process signalled to stop has stopped, so it cannot act on what its children do next. */
function waitStopped(pid: number): void {
  for (let i = 0; i < 20; i++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "T" || state === "t" || state === "Z" || state === "X") return;
    } catch {
      return;
    }
    Bun.sleepSync(1);
  }
}

export type TerminalSignal = "INT" | "TERM" | "HUP" | "KILL" | "QUIT" | "TSTP" | "CONT";
const SIGNAL_NUMBERS: Record<TerminalSignal, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  KILL: 9,
  TERM: 15,
  CONT: 18,
  TSTP: 20,
};

export type TerminalEvent =
  | { type: "output"; data: Uint8Array }
  /** The shell ended (code: its exit status, a signal as -signum) or the jail was ended (code null, reason said). */
  | { type: "exit"; code: number | null; reason: string | null };

export interface TerminalStart {
  rows: number;
  cols: number;
}

export class TerminalProcess {
  readonly exited: Promise<void>;
  private readonly proc: ReturnType<typeof Bun.spawn>;
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private buf = new Uint8Array(0);
  private exit: TerminalEvent | null = null;
  private ended = false;
  private reading: Promise<TerminalEvent> | null = null;
  private killReason: string | null = null;
  private stderrTail = "";
  private unwatch: (() => void) | null = null;
  private diskTimer: ReturnType<typeof setInterval> | null = null;
  private resolveExited!: () => void;

  constructor(private readonly plan: LaunchPlan) {
    this.exited = new Promise((r) => (this.resolveExited = r));
    const program = plan.seccompFile === null ? null : openSync(plan.seccompFile, "r");
    let proc: ReturnType<typeof Bun.spawn>;
    try {
      proc = Bun.spawn(plan.argv, {
        cwd: plan.cwd,
        env: plan.env,
        stdio: program === null ? ["pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe", program],
      });
    } finally {
      if (program !== null) closeSync(program);
    }
    this.proc = proc;
    this.reader = (this.proc.stdout as ReadableStream<Uint8Array>).getReader();
    // stderr holds only the jail's own complaints (the shell's goes to the terminal); the tail is kept for the report
    void (async () => {
      const r = (proc.stderr as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await r.read();
          if (done) break;
          this.stderrTail = (this.stderrTail + dec.decode(value, { stream: true })).slice(-4096);
        }
      } catch {}
    })();
    if (plan.memoryWatchBytes !== null)
      this.unwatch = watchMemory(this.proc.pid, plan.memoryWatchBytes, (rss) =>
        this.kill(
          `the terminal's processes used ${Math.round(rss / MiB)} MiB, over the ${Math.round(plan.memoryWatchBytes! / MiB)} MiB memory limit`,
        ),
      );
    if (plan.workspace) {
      const { dir, maxBytes } = plan.workspace;
      this.diskTimer = setInterval(() => {
        const used = directoryBytes(dir, maxBytes + 1);
        if (used > maxBytes)
          this.kill(
            `the terminal wrote ${Math.round(used / 1e6)} MB into the workspace, over its ${Math.round(maxBytes / 1e6)} MB limit`,
          );
      }, 1000);
      (this.diskTimer as { unref?: () => void }).unref?.();
    }
    void this.proc.exited.then(async () => {
      this.unwatch?.();
      if (this.diskTimer) clearInterval(this.diskTimer);
      await cleanupLaunch(this.plan);
      this.resolveExited();
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  get pid(): number {
    return this.proc.pid;
  }

  private send(kind: string, payload: Uint8Array): void {
    if (this.ended) return;
    const frame = new Uint8Array(5 + payload.length);
    frame[0] = kind.charCodeAt(0);
    new DataView(frame.buffer).setUint32(1, payload.length);
    frame.set(payload, 5);
    try {
      const sink = this.proc.stdin as import("bun").FileSink;
      sink.write(frame);
      sink.flush();
    } catch {}
  }

  /** Keystrokes (or pasted text) for the terminal. */
  write(data: Uint8Array): void {
    for (let i = 0; i < data.length; i += MAX_DATA_FRAME) this.send("D", data.subarray(i, i + MAX_DATA_FRAME));
  }

  resize(rows: number, cols: number): void {
    const p = new Uint8Array(4);
    new DataView(p.buffer).setUint16(0, rows);
    new DataView(p.buffer).setUint16(2, cols);
    this.send("R", p);
  }

  /** A signal to the terminal's foreground job. */
  signal(sig: TerminalSignal): void {
    this.send("S", Uint8Array.of(SIGNAL_NUMBERS[sig]));
  }

  /**
   * The next output or the exit. Nothing more is read from the jail until this is called again,
   * so output the caller cannot pass on waits in the jail's pipe and the shell blocks writing it.
   */
  next(): Promise<TerminalEvent> {
    this.reading ??= this.readOne().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readOne(): Promise<TerminalEvent> {
    for (;;) {
      if (this.exit) return this.exit;
      if (this.buf.length >= 5) {
        const len = new DataView(this.buf.buffer, this.buf.byteOffset).getUint32(1);
        if (len > 1024 * 1024) return this.fail("the terminal relay broke its protocol (a frame over 1 MiB)");
        if (this.buf.length >= 5 + len) {
          const kind = String.fromCharCode(this.buf[0]!);
          const payload = this.buf.slice(5, 5 + len);
          this.buf = this.buf.subarray(5 + len);
          if (kind === "O") return { type: "output", data: payload };
          if (kind === "X" && len === 4) {
            this.exit = { type: "exit", code: new DataView(payload.buffer).getInt32(0), reason: null };
            this.ended = true;
            void this.close();
            return this.exit;
          }
          return this.fail("the terminal relay broke its protocol (an unknown frame)");
        }
      }
      let r: { done: boolean; value?: Uint8Array };
      try {
        r = await this.reader.read();
      } catch {
        r = { done: true };
      }
      if (r.done || !r.value) {
        await this.proc.exited;
        const end = jailEnd({
          code: this.proc.exitCode,
          signal: this.proc.signalCode === null ? null : String(this.proc.signalCode),
          hostReason: this.killReason,
          killedByHost: this.killReason !== null,
          oomKilled: this.plan.cgroup?.oomKilled() ?? false,
        });
        const reason =
          end.kind === "host"
            ? end.reason
            : end.kind === "memory"
              ? "the terminal went over its memory limit and was stopped"
              : `the terminal's jail ended (exit ${end.status})${this.tail()}`;
        this.ended = true;
        return (this.exit = { type: "exit", code: null, reason });
      }
      const joined = new Uint8Array(this.buf.length + r.value.length);
      joined.set(this.buf);
      joined.set(r.value, this.buf.length);
      this.buf = joined;
    }
  }

  private tail(): string {
    const t = this.stderrTail.trim().split("\n").slice(-3).join("\n");
    return t ? `: ${t}` : "";
  }

  private fail(reason: string): TerminalEvent {
    this.kill(reason);
    this.ended = true;
    return (this.exit = { type: "exit", code: null, reason });
  }

  /**
   * Stops every process of the terminal until the returned function resumes them (the host then
   * owns the workspace). Parents are stopped before their children and resumed after them, so no
   * parent is running to see a child stop: the shell's job control never notices (a job it saw
   * stopped would be put in the background).
   */
  freeze(): () => void {
    if (this.ended) return () => {};
    const stopped: number[] = [];
    const seen = new Set<number>();
    for (let round = 0; round < 8; round++) {
      let fresh = 0;
      // parents come before their children in the tree's order
      for (const pid of treePids(this.proc.pid)) {
        if (seen.has(pid)) continue;
        seen.add(pid);
        try {
          process.kill(pid, "SIGSTOP");
        } catch {
          continue;
        }
        stopped.push(pid);
        fresh++;
        waitStopped(pid);
      }
      // a process forked while we stopped the others is caught on the next round
      if (fresh === 0) break;
    }
    return () => {
      for (const pid of stopped.reverse()) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {}
      }
    };
  }

  /** Kills the whole tree: the launcher (its death takes the pid namespace down), the group, the cgroup. */
  kill(reason?: string): void {
    if (reason && this.killReason === null) this.killReason = reason;
    try {
      this.proc.kill("SIGKILL");
    } catch {}
    if (this.plan.killGroup) {
      try {
        process.kill(-this.proc.pid, "SIGKILL");
      } catch {}
    }
    this.plan.cgroup?.killAll();
  }

  /** Hangs the shell up (end of the relay's stdin); kills the tree if it has not ended within the timeout. */
  async close(timeoutMs = 1000): Promise<void> {
    try {
      (this.proc.stdin as import("bun").FileSink).end();
    } catch {}
    const t = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(t);
    this.ended = true;
  }
}
