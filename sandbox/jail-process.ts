// One jailed runner process seen from the host: spawns the launch plan, reads and validates its
// frames with host-side caps, sends run requests with a wall-clock deadline, interrupts and kills
// the whole tree. The only place in the repo that spawns processes is here and detect-sandbox.ts.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync } from "node:fs";
import type { HostFailureFrame, ReadyFrame, RunEvent, RunnerFrame, RunRequest } from "../protocol/run-frames.ts";
import { cleanupLaunch, type LaunchPlan } from "./launch-plan.ts";
import { jailEnd } from "./jail-exit.ts";
import { accountFrame, type BlockAccount } from "./output-accounting.ts";
import { watchIdleCpu, type IdleCpuWatch } from "./idle-cpu-guard.ts";
import { treePids, watchMemory } from "./memory-watchdog.ts";

type Message =
  | { kind: "frame"; frame: Exclude<RunnerFrame, ReadyFrame>; rawBytes: number }
  | { kind: "invalid"; detail: string }
  | { kind: "flood"; bytes: number }
  | { kind: "exit"; code: number | null; signal: string | null };

export interface RequestOptions {
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
  /** Wall-clock limit of each block (and of the start before the first one). */
  wallTimeMs: number;
  /** Wall-clock limit of the whole request. */
  runWallTimeMs: number;
  /** "kill": abort ends the jail at once; "interrupt": SIGINT first, kill after a grace period. */
  abortMode: "kill" | "interrupt";
}

const MiB = 1024 * 1024;

/** "30 s", "10 min", "1500 ms": a limit as a person reads it. */
export function formatLimit(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

export const BLOCK_LIMIT_HINT = "raise it with --run-timeout SECONDS (PYMD_RUN_TIMEOUT)";
export const CPU_LIMIT_HINT = "raise it with --run-cpu SECONDS (PYMD_RUN_CPU)";
export const RUN_LIMIT_HINT = "raise it with --run-total-timeout SECONDS (PYMD_RUN_TOTAL_TIMEOUT)";
const STDERR_KEEP = 16 * 1024;
export const INTERRUPT_GRACE_MS = 2000;

const FRAME_TYPES = new Set(["block-start", "stdout", "stderr", "display", "error", "truncated", "block-done", "done"]);
const MIMES = new Set(["image/png", "text/html", "text/markdown"]);
const STATUSES = new Set(["ok", "error", "exit", "interrupted"]);

/** Checks a parsed line against the frame contract; the runner shares its process with user code, so nothing is trusted. */
export function validateFrame(o: unknown): RunnerFrame | string {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return "frame is not an object";
  const f = o as Record<string, unknown>;
  const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
  if (f.type === "ready")
    return typeof f.python === "string" && isInt(f.v) ? (f as unknown as RunnerFrame) : "bad ready frame";
  if (typeof f.type !== "string" || !FRAME_TYPES.has(f.type)) return `unknown frame type ${JSON.stringify(f.type)}`;
  if (typeof f.runId !== "string") return "frame without runId";
  if (f.type === "done") return isInt(f.durationMs) ? (f as unknown as RunnerFrame) : "bad done frame";
  if (!isInt(f.block)) return `${f.type} frame without block`;
  switch (f.type) {
    case "stdout":
    case "stderr":
      return typeof f.text === "string" ? (f as unknown as RunnerFrame) : `bad ${f.type} frame`;
    case "display":
      return typeof f.data === "string" && MIMES.has(f.mime as string)
        ? (f as unknown as RunnerFrame)
        : "bad display frame";
    case "error":
      return typeof f.name === "string" &&
        typeof f.value === "string" &&
        typeof f.traceback === "string" &&
        (f.line === null || isInt(f.line))
        ? (f as unknown as RunnerFrame)
        : "bad error frame";
    case "truncated":
      return isInt(f.limitBytes) ? (f as unknown as RunnerFrame) : "bad truncated frame";
    case "block-done":
      return STATUSES.has(f.status as string) && isInt(f.durationMs)
        ? (f as unknown as RunnerFrame)
        : "bad block-done frame";
    default:
      return f as unknown as RunnerFrame;
  }
}

/** Host pid of the interpreter inside the jail: the shallowest python descendant of the launcher. */
function findRunnerPid(root: number): number | null {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {}
  }
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("python")) return pid;
    } catch {}
    queue.push(...(children.get(pid) ?? []));
  }
  return null;
}

/** Bytes of regular files under dir (links not followed), counting stops once over `stopAt`. */
export function directoryBytes(dir: string, stopAt: number): number {
  let total = 0;
  const stack = [dir];
  for (let seen = 0; stack.length && seen < 200_000 && total <= stopAt; seen++) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const st = lstatSync(`${d}/${n}`);
        if (st.isDirectory()) stack.push(`${d}/${n}`);
        else if (st.isFile()) total += st.size;
      } catch {}
    }
  }
  return total;
}

export class JailProcess {
  readonly ready: Promise<string | null>;
  readonly exited: Promise<void>;
  private proc: ReturnType<typeof Bun.spawn>;
  private handler: ((m: Message) => void) | null = null;
  private pending: Message[] = [];
  private stderrTail = "";
  private runnerPid: number | null = null;
  private dead = false;
  private killed = false;
  /** Resident bytes the watchdog saw when it killed the tree for memory. */
  private overMemory: number | null = null;
  /** Bytes found in the workspace when it was killed for writing too much there. */
  private overDisk: number | null = null;
  private unwatch: (() => void) | null = null;
  /** A kernel's CPU between runs (see idle-cpu-guard.ts). */
  private idleWatch: IdleCpuWatch | null = null;
  /** Why the host killed the jail, said in the failure of the run it ended. */
  private killReason: string | null = null;
  /** The host asked the runner to end (close). */
  private closing = false;
  private diskTimer: ReturnType<typeof setInterval> | null = null;
  private resolveReady!: (v: string | null) => void;

  constructor(
    private readonly plan: LaunchPlan,
    /** A single frame line may not exceed this (a flood without newlines). */
    private readonly maxLineBytes: number,
    /** Called when an idle kernel stopped (the host stopped it for burning CPU, or it died on its own), with why. */
    private readonly onIdleStop?: (message: string) => void,
  ) {
    this.ready = new Promise((r) => (this.resolveReady = r));
    // bwrap reads its seccomp program from descriptor 3 (SECCOMP_FD); a fresh open per jail, as it reads to the end
    const program = plan.seccompFile === null ? null : openSync(plan.seccompFile, "r");
    try {
      this.proc = Bun.spawn(plan.argv, {
        cwd: plan.cwd,
        env: plan.env,
        stdio: program === null ? ["pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe", program],
      });
    } finally {
      if (program !== null) closeSync(program);
    }
    if (plan.memoryWatchBytes !== null)
      this.unwatch = watchMemory(this.proc.pid, plan.memoryWatchBytes, (rss) => {
        this.overMemory = rss;
        this.kill();
        if (this.idleWatch && this.handler === null)
          this.onIdleStop?.(
            `its processes used ${Math.round(rss / MiB)} MiB while no block was running, over its ${Math.round(plan.memoryWatchBytes! / MiB)} MiB memory limit`,
          );
      });
    if (plan.idleCpuSeconds !== null) {
      const allowance = plan.idleCpuSeconds;
      this.idleWatch = watchIdleCpu(this.proc.pid, allowance, (used) => {
        const message = `it used ${used.toFixed(1)} s of CPU while no block was running (a background thread or process), over the ${allowance} s a kernel may use between runs`;
        this.kill(message);
        try {
          onIdleStop?.(message);
        } catch {}
      });
    }
    if (plan.workspace) {
      const { dir, maxBytes } = plan.workspace;
      this.diskTimer = setInterval(() => {
        const used = directoryBytes(dir, maxBytes + 1);
        if (used > maxBytes && this.alive) {
          this.overDisk = used;
          this.kill();
        }
      }, 1000);
      (this.diskTimer as { unref?: () => void }).unref?.();
    }
    void this.readStderr();
    this.exited = this.readFrames();
  }

  get alive(): boolean {
    return !this.dead && !this.killed;
  }

  get pid(): number {
    return this.proc.pid;
  }

  private dispatch(m: Message): void {
    if (this.handler) this.handler(m);
    else if (m.kind !== "frame") this.pending.push(m);
  }

  private async readStderr(): Promise<void> {
    const reader = (this.proc.stderr as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        this.stderrTail = (this.stderrTail + dec.decode(chunk, { stream: true })).slice(-STDERR_KEEP);
      }
    } catch {}
  }

  private async readFrames(): Promise<void> {
    const reader = (this.proc.stdout as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let parts: Uint8Array[] = [];
    let partLen = 0;
    try {
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        let start = 0;
        while (start < chunk.length) {
          const nl = chunk.indexOf(10, start);
          if (nl < 0) {
            parts.push(chunk.subarray(start));
            partLen += chunk.length - start;
            if (partLen > this.maxLineBytes) {
              this.kill();
              this.dispatch({ kind: "flood", bytes: partLen });
              parts = [];
              partLen = 0;
            }
            break;
          }
          const piece = chunk.subarray(start, nl);
          let line: Uint8Array = piece;
          if (parts.length) {
            parts.push(piece);
            line = Buffer.concat(parts);
            parts = [];
          }
          const rawBytes = partLen + piece.length;
          partLen = 0;
          start = nl + 1;
          if (rawBytes > this.maxLineBytes) {
            this.kill();
            this.dispatch({ kind: "flood", bytes: rawBytes });
            continue;
          }
          this.onLine(dec.decode(line), rawBytes);
        }
      }
    } catch {}
    await this.proc.exited;
    this.unwatch?.();
    this.idleWatch?.stop();
    if (this.diskTimer) clearInterval(this.diskTimer);
    this.dead = true;
    this.resolveReady(null);
    // a kernel that died on its own while no block ran (its background work hit a limit) says so
    if (this.idleWatch && !this.killed && !this.closing && this.handler === null) {
      const end = jailEnd({
        code: this.proc.exitCode,
        signal: this.proc.signalCode === null ? null : String(this.proc.signalCode),
        hostReason: null,
        killedByHost: false,
        oomKilled: false,
      });
      const why =
        end.kind === "cpu"
          ? "its background work used up the CPU time limit while no block was running"
          : `the Python process ended while no block was running (exit ${end.status})`;
      try {
        this.onIdleStop?.(why);
      } catch {}
    }
    this.dispatch({
      kind: "exit",
      code: this.proc.exitCode,
      signal: this.proc.signalCode === null ? null : String(this.proc.signalCode),
    });
    await cleanupLaunch(this.plan);
  }

  private onLine(text: string, rawBytes: number): void {
    if (!text.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.dispatch({ kind: "invalid", detail: "runner wrote a line that is not JSON" });
      return;
    }
    const frame = validateFrame(parsed);
    if (typeof frame === "string") {
      this.dispatch({ kind: "invalid", detail: frame });
      return;
    }
    if (frame.type === "ready") {
      this.resolveReady(frame.python);
      return;
    }
    this.dispatch({ kind: "frame", frame, rawBytes });
  }

  /** Kills the whole tree: the launcher (its death takes the pid namespace down), the group, the cgroup. */
  kill(reason?: string): void {
    if (reason && this.killReason === null) this.killReason = reason;
    this.killed = true;
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

  /**
   * Stops every process of the jail (SIGSTOP) until the returned function resumes them, so the
   * host can read and write the jail's working directory without the jail changing it meanwhile
   * (a link swapped in between a check and an open).
   */
  freeze(): () => void {
    if (this.dead) return () => {};
    const stopped = new Set<number>();
    for (let round = 0; round < 8; round++) {
      let fresh = 0;
      for (const pid of treePids(this.proc.pid)) {
        if (stopped.has(pid)) continue;
        try {
          process.kill(pid, "SIGSTOP");
          stopped.add(pid);
          fresh++;
        } catch {}
      }
      // a process forked while we stopped the others is caught on the next round
      if (fresh === 0) break;
    }
    return () => {
      for (const pid of stopped) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {}
      }
    };
  }

  /** SIGINT to the interpreter only (KeyboardInterrupt in the running block). */
  interrupt(): boolean {
    if (this.dead) return false;
    if (this.runnerPid === null) this.runnerPid = this.plan.killGroup ? this.proc.pid : findRunnerPid(this.proc.pid);
    if (this.runnerPid === null) return false;
    try {
      process.kill(this.runnerPid, "SIGINT");
      return true;
    } catch {
      return false;
    }
  }

  /** Ends stdin; the runner exits at EOF. Kills it if it does not within the timeout. */
  async close(timeoutMs = 1000): Promise<void> {
    this.closing = true;
    try {
      (this.proc.stdin as import("bun").FileSink).end();
    } catch {}
    const t = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }

  /** What a stop costs a kernel (a one-shot run has no state to lose). */
  private resetNote(): string {
    return this.plan.idleCpuSeconds !== null ? " (the kernel was reset: its variables are gone)" : "";
  }

  /** Sends one request and collects its events until `done` or a host failure. */
  request(req: RunRequest, opts: RequestOptions): Promise<RunEvent[]> {
    this.idleWatch?.busy();
    return new Promise((resolve) => {
      const events: RunEvent[] = [];
      const runId = req.runId;
      const cap = req.maxOutputBytes;
      const rawCap = cap * 8 + MiB;
      const blocks = new Map<number, BlockAccount>();
      let current: number | null = null;
      let finished = false;
      let timedOut = false;
      let graceTimer: ReturnType<typeof setTimeout> | null = null;

      const emit = (e: RunEvent) => {
        events.push(e);
        try {
          opts.onEvent?.(e);
        } catch {}
      };
      const finish = (failure?: Omit<HostFailureFrame, "type" | "runId" | "block">) => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        clearTimeout(runDeadline);
        if (graceTimer) clearTimeout(graceTimer);
        opts.signal?.removeEventListener("abort", onAbort);
        if (failure) emit({ type: "host-error", runId, block: current, ...failure });
        this.handler = null;
        this.idleWatch?.idle();
        resolve(events);
      };
      const onBlockDeadline = () => {
        timedOut = true;
        this.kill();
        finish({
          reason: "timeout",
          message:
            current === null
              ? `the kernel did not reach the block within the ${formatLimit(opts.wallTimeMs)} per-block wall-clock limit and was stopped; ${BLOCK_LIMIT_HINT}`
              : `this block passed the ${formatLimit(opts.wallTimeMs)} per-block wall-clock limit and was stopped${this.resetNote()}; ${BLOCK_LIMIT_HINT}`,
        });
      };
      const onRunDeadline = () => {
        timedOut = true;
        this.kill();
        finish({
          reason: "timeout",
          message: `the run passed its ${formatLimit(opts.runWallTimeMs)} whole-run wall-clock limit and was stopped${this.resetNote()}; ${RUN_LIMIT_HINT}`,
        });
      };
      let deadline = setTimeout(onBlockDeadline, opts.wallTimeMs);
      const runDeadline = setTimeout(onRunDeadline, opts.runWallTimeMs);
      const onAbort = () => {
        if (opts.abortMode === "interrupt" && this.interrupt()) {
          graceTimer = setTimeout(() => {
            this.kill();
            finish({ reason: "killed", message: "the run did not stop after an interrupt and was killed" });
          }, INTERRUPT_GRACE_MS);
        } else {
          this.kill();
          finish({ reason: "killed", message: "the run was interrupted" });
        }
      };
      if (opts.signal?.aborted) {
        queueMicrotask(onAbort);
      } else opts.signal?.addEventListener("abort", onAbort);

      this.handler = (m) => {
        if (finished) return;
        switch (m.kind) {
          case "exit": {
            if (timedOut) return;
            const tail = this.stderrTail.trim().split("\n").slice(-5).join("\n");
            // the limits the host watches itself say what they saw
            const watched =
              this.overDisk !== null
                ? `the run was killed: it wrote ${Math.round(this.overDisk / 1e6)} MB into the workspace, over its ${Math.round((this.plan.workspace?.maxBytes ?? 0) / 1e6)} MB limit`
                : this.overMemory !== null
                  ? `the run was killed: its processes used ${Math.round(this.overMemory / MiB)} MiB, over its ${Math.round((this.plan.memoryWatchBytes ?? 0) / MiB)} MiB memory limit`
                  : null;
            const end = jailEnd({
              code: m.code,
              signal: m.signal,
              hostReason: watched,
              killedByHost: this.killed,
              oomKilled: this.plan.cgroup?.oomKilled() ?? false,
            });
            switch (end.kind) {
              case "host":
                finish({ reason: "killed", message: end.reason });
                break;
              case "memory":
                finish({ reason: "killed", message: "the run was killed: it went over its memory limit" });
                break;
              case "killed":
                finish({
                  reason: "killed",
                  message: end.byHost
                    ? (this.killReason ?? "the run was killed")
                    : "the Python process was killed (SIGKILL) by a resource limit or from outside the sandbox",
                });
                break;
              case "cpu":
                finish({ reason: "killed", message: `this block used up its CPU time limit; ${CPU_LIMIT_HINT}` });
                break;
              case "ended":
                finish({
                  reason: "crashed",
                  message: `the Python process ended unexpectedly (exit ${end.status})${tail ? `: ${tail}` : ""}`,
                });
                break;
            }
            return;
          }
          case "flood":
            finish({
              reason: "killed",
              message: `the run was killed: it wrote a ${m.bytes}-byte line, over the host's output cap`,
            });
            return;
          case "invalid":
            this.kill();
            finish({
              reason: "protocol",
              message: `the runner broke the frame protocol (${m.detail}); the kernel was stopped`,
            });
            return;
          case "frame":
            break;
        }
        const f = m.frame;
        if (f.runId !== runId) return;
        if (f.type === "done") {
          emit(f);
          finish();
          return;
        }
        const b = f.block;
        const verdict = accountFrame(blocks, b, f, m.rawBytes, { logical: cap, raw: rawCap });
        if (verdict.kind === "kill") {
          this.kill();
          finish({ reason: "killed", message: verdict.message });
          return;
        }
        if (verdict.kind === "drop") return;
        if (verdict.kind === "truncate") {
          emit({ type: "truncated", runId, block: b, limitBytes: verdict.limitBytes });
          return;
        }
        if (f.type === "block-start") {
          current = b;
          // each block gets the whole per-block allowance
          clearTimeout(deadline);
          deadline = setTimeout(onBlockDeadline, opts.wallTimeMs);
        } else if (f.type === "block-done") current = null;
        emit(f);
      };
      for (const m of this.pending.splice(0)) this.handler(m);
      if (this.dead && !finished) {
        finish({ reason: "crashed", message: "the Python process is not running" });
        return;
      }
      try {
        const sink = this.proc.stdin as import("bun").FileSink;
        sink.write(JSON.stringify(req) + "\n");
        sink.flush();
      } catch {
        finish({ reason: "crashed", message: "could not send the request to the Python process" });
      }
    });
  }
}
