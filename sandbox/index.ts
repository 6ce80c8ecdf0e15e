// The sandbox's host API: the only way the server and `pymd render` run notebook code.
//
//   const sandbox = await createSandbox({ backend: "auto" });      // detects the jail once
//   const events = await sandbox.run(blocks, onEvent, signal);      // fresh jail per call
//   const kernel = await sandbox.startKernel();                     // warm jail per open notebook
//   await kernel.run(blocks, onEvent, signal); kernel.interrupt(); await kernel.restart(); await kernel.close();
//   const report = await sandbox.describe();                        // for `pymd doctor`
//
// Every run resolves with all its events, ending with `done` or a `host-error` frame
// (timeout, killed, crashed, refused, protocol). Nothing here throws for a failed run.
import type { HostFailureFrame, RunBlock, RunEvent, RunRequest } from "../protocol/run-frames.ts";
import { RUN_FRAME_VERSION } from "../protocol/run-frames.ts";
import { createHash } from "node:crypto";
import {
  detectSandbox,
  describeEnforcement,
  type Detection,
  type EnforcementReport,
  type ToolPaths,
} from "./detect-sandbox.ts";
import { refusalMessage } from "./diagnose.ts";
import { isExecutable } from "./host-tools.ts";
import { noCgroups } from "./cgroup-limits.ts";
import { INTERRUPT_GRACE_MS, JailProcess } from "./jail-process.ts";
import { assertJailablePython } from "./jail-spec.ts";
import { planLaunch, type BackendName, type LaunchInput } from "./launch-plan.ts";
import { buildFontCache, imageFontCache } from "./font-cache.ts";
import { resolveLimits, type Limits } from "./policy.ts";
import { ptyHostSource, TerminalProcess, type TerminalStart } from "./terminal/terminal-process.ts";

export type { Limits } from "./policy.ts";
export { DEFAULT_LIMITS, PolicyError, resolveLimits } from "./policy.ts";
export type { EnforcementReport, BackendTrial } from "./detect-sandbox.ts";
export { refusalMessage } from "./diagnose.ts";
export {
  TerminalProcess,
  type TerminalEvent,
  type TerminalSignal,
  type TerminalStart,
} from "./terminal/terminal-process.ts";

export interface SandboxOptions {
  backend: "auto" | "nsjail" | "bwrap";
  /** The caller passed --unsafe-no-sandbox: without a working jail, run Python unconfined (rlimits only). */
  unsafeNoSandbox?: boolean;
  limits?: Partial<Limits>;
  /** Interpreter; default /usr/bin/python3. Jails only mount /usr, so it must live there. */
  python?: string;
  /** Called with a warning on every unsandboxed run (and other degradations). */
  onWarning?: (msg: string) => void;
  /** Jail programs at other paths than the system directories (a test build, a custom install). */
  tools?: ToolPaths;
  /** false: no per-run cgroups even where they could be made (how a container without delegation runs). */
  cgroups?: boolean;
  /** The administrator turned execution off: no jail is looked for, every run is refused with this reason. */
  disabledReason?: string;
  /** false: kernels build matplotlib's font list themselves (no shared, prepared one). */
  fontCache?: boolean;
}

export interface KernelRunOptions {
  /**
   * An exact run: the document's executed blocks before `blocks[0]`, in order. The kernel resumes
   * the state a top-down run has after them (a checkpoint kept before that block, else the nearest
   * earlier one, running the blocks in between again) and runs `blocks` from there. Without it,
   * blocks run in whatever state the namespace is in.
   */
  prefix?: RunBlock[];
}

/**
 * A warm Python interpreter in a jail of its own, kept between runs so a block sees what earlier
 * blocks defined. One run at a time: `run` while another runs waits for it. A kernel outlives a
 * failing block, a timeout or a crash (the next run starts a fresh jail); it ends only on `close`.
 */
export interface Kernel {
  /**
   * Runs blocks in the kernel's namespace; starts (or restarts after a crash/timeout) the jail when
   * needed. `onEvent` sees every event as it happens, in order (block-start, outputs, block-end);
   * the promise resolves with all of them once the last block ended. An aborted `signal` stops the
   * run as `interrupt` does. Never rejects for what the code did: errors, timeouts and kills are
   * events.
   */
  run(
    blocks: RunBlock[],
    onEvent?: (e: RunEvent) => void,
    signal?: AbortSignal,
    opts?: KernelRunOptions,
  ): Promise<RunEvent[]>;
  /**
   * KeyboardInterrupt in the running block; its processes are killed after a grace period
   * (INTERRUPT_GRACE_MS) if it does not stop, and the run ends with INTERRUPT_KILLED. A no-op when
   * nothing runs.
   */
  interrupt(): void;
  /** A fresh interpreter (the namespace and its checkpoints are lost); resolves once it is ready. */
  restart(): Promise<void>;
  /** Ends the jail and every process in it; a later `run` rejects. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Stops the kernel's processes (SIGSTOP) until the returned function resumes them, so the host
   * may read and write its working directory meanwhile. Resume exactly once.
   */
  freeze(): () => void;
  /** Whether the jail's process is running (false before the first run and after a crash or `close`). */
  readonly alive: boolean;
}

/** A document's files mounted read-write as the jail's working directory, and what they may grow to. */
export interface WorkspaceMount {
  dir: string;
  maxBytes: number;
}

/**
 * Where notebook code runs: one jail policy (docs/sandbox.md) applied by nsjail or bubblewrap, or
 * nothing at all with --unsafe-no-sandbox. Every run, kernel and terminal gets the same limits.
 */
export interface Sandbox {
  /** Which jail runs code; "unavailable" when neither works here (every run is then refused with `refusal`). */
  readonly backend: "nsjail" | "bwrap" | "none" | "unavailable";
  /** The limits every jail gets: wall clock, CPU, memory, processes, output, temporary space. */
  readonly limits: Limits;
  /** Why runs are refused (backend "unavailable"), else null. */
  readonly refusal: string | null;
  /**
   * One document run in a fresh jail that is gone when the promise resolves (the render and export
   * routes, `pymd render`). Events as for Kernel.run; `workspace` becomes the working directory.
   */
  run(
    blocks: RunBlock[],
    onEvent?: (e: RunEvent) => void,
    signal?: AbortSignal,
    opts?: { workspace?: WorkspaceMount },
  ): Promise<RunEvent[]>;
  /**
   * A warm kernel for one open document. onStop: the host stopped the idle kernel (its background
   * work used up the CPU allowed between runs), with why.
   */
  startKernel(opts?: { workspace?: WorkspaceMount; onStop?: (message: string) => void }): Promise<Kernel>;
  /** What the jail really enforces here, probed from inside one (`pymd doctor`, the admin status). */
  describe(): Promise<EnforcementReport>;
  /**
   * A shell on a pseudo-terminal in a jail with the same policy as a kernel's, working in the
   * workspace; a string saying why when terminals cannot run here.
   */
  startTerminal(opts: TerminalStart & { workspace?: WorkspaceMount; shell?: string }): TerminalProcess | string;
  /**
   * matplotlib's shared font list: the image's own, else built once (in a jail) on the first
   * kernel's start or on this call; resolves with where it is, null without one.
   */
  fontCache(): Promise<string | null>;
}

/** What a block that ignored Interrupt says when its processes are killed. */
export const INTERRUPT_KILLED = `the block did not stop within ${INTERRUPT_GRACE_MS / 1000} s of the interrupt (it ignores KeyboardInterrupt), so the kernel's processes were killed`;

export const UNSAFE_WARNING =
  "running notebook code WITHOUT a sandbox (--unsafe-no-sandbox): it can read and change everything the server's user can";

let runCounter = 0;
const newRunId = (): string => `run-${Date.now().toString(36)}-${(++runCounter).toString(36)}`;

function request(runId: string, blocks: RunBlock[], limits: Limits): RunRequest {
  return {
    v: RUN_FRAME_VERSION,
    type: "run",
    runId,
    blocks,
    maxOutputBytes: limits.maxOutputBytesPerBlock,
    outputBytesPerSecond: limits.maxOutputBytesPerSecond,
  };
}

/** The state key after each block: a hash chain of the code of every block up to it. */
export function stateKeys(blocks: RunBlock[]): string[] {
  let key = "";
  return blocks.map(
    (b) => (key = createHash("sha256").update(key).update("\0").update(b.code).digest("hex").slice(0, 24)),
  );
}

function refused(runId: string, message: string, onEvent?: (e: RunEvent) => void): RunEvent[] {
  const e: HostFailureFrame = { type: "host-error", runId, block: null, reason: "refused", message };
  try {
    onEvent?.(e);
  } catch {}
  return [e];
}

export async function createSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const limits = resolveLimits(opts.limits ?? {});
  const python = opts.python ?? "/usr/bin/python3";
  const warn = (msg: string) => {
    try {
      opts.onWarning?.(msg);
    } catch {}
  };
  if (!isExecutable(python)) throw new Error(`sandbox python ${JSON.stringify(python)} is not an executable file`);
  const detection: Detection = opts.disabledReason
    ? { backend: null, tool: null, trials: [], cgroups: noCgroups(), disabledReason: opts.disabledReason }
    : await detectSandbox(opts.backend, python, opts.tools, opts.cgroups ?? true);
  let backend: Sandbox["backend"];
  if (detection.backend) {
    backend = detection.backend;
    assertJailablePython(python);
  } else backend = opts.unsafeNoSandbox && !opts.disabledReason ? "none" : "unavailable";
  const launchBackend: BackendName | null = backend === "unavailable" ? null : backend;
  // what every refused run says; worked out once (it reads how this host runs)
  const refusal = launchBackend ? null : refusalMessage(detection);
  const maxLine = limits.maxOutputBytesPerBlock * 8 + 1024 * 1024;

  // matplotlib's font list for every jail: the image's, else built once in a jail of our own
  const image = opts.fontCache === false ? null : imageFontCache();
  let fonts: LaunchInput["fontCache"] = image ? { inside: image } : undefined;
  let building: Promise<string | null> | null = image ? Promise.resolve(image) : null;
  const fontCache = (): Promise<string | null> => {
    if (opts.fontCache === false || !launchBackend) return Promise.resolve(null);
    building ??= buildFontCache(async (code, workspace) => {
      const jail = new JailProcess(
        planLaunch({
          backend: launchBackend,
          tool: detection.tool,
          python,
          limits,
          longLived: false,
          cgroups: detection.cgroups,
          workspace,
        }),
        maxLine,
      );
      const wall = Math.max(limits.wallTimeMs, 60_000);
      const events = await jail.request(request(newRunId(), [{ id: 0, code, line: 1 }], limits), {
        wallTimeMs: wall,
        runWallTimeMs: wall,
        abortMode: "kill",
      });
      await jail.close();
      return events;
    }).then((dir) => {
      if (dir) fonts = { host: dir };
      return dir;
    });
    return building;
  };

  const spawn = (
    longLived: boolean,
    workspace?: WorkspaceMount,
    onIdleStop?: (message: string) => void,
  ): JailProcess => {
    if (launchBackend === "none") warn(UNSAFE_WARNING);
    const plan = planLaunch({
      backend: launchBackend!,
      tool: detection.tool,
      python,
      limits,
      longLived,
      cgroups: detection.cgroups,
      workspace,
      fontCache: fonts,
    });
    return new JailProcess(plan, maxLine, onIdleStop);
  };

  return {
    backend,
    limits,
    refusal,
    async run(blocks, onEvent, signal, opts) {
      const runId = newRunId();
      if (!launchBackend) return refused(runId, refusal!, onEvent);
      const jail = spawn(false, opts?.workspace);
      const events = await jail.request(request(runId, blocks, limits), {
        onEvent,
        signal,
        wallTimeMs: limits.wallTimeMs,
        runWallTimeMs: limits.runWallTimeMs,
        abortMode: "kill",
      });
      await jail.close();
      return events;
    },
    fontCache,
    async startKernel(opts) {
      // the first kernel starts the build; it and any started meanwhile build their own list
      if (launchBackend) void fontCache();
      if (!launchBackend) {
        const message = refusal!;
        return {
          alive: false,
          run: async (_blocks: RunBlock[], onEvent?: (e: RunEvent) => void) => refused(newRunId(), message, onEvent),
          interrupt() {},
          async restart() {},
          async close() {},
          freeze: () => () => {},
        };
      }
      return new JailKernel(() => spawn(true, opts?.workspace, opts?.onStop), limits);
    },
    startTerminal(t) {
      if (!launchBackend) return refusal!;
      if (launchBackend === "none") warn(UNSAFE_WARNING);
      // bash where the system has it (job control, line editing), else the POSIX shell
      const shell = t.shell ?? (isExecutable("/usr/bin/bash") ? "/bin/bash" : "/bin/sh");
      const args = [
        "--rows",
        String(t.rows),
        "--cols",
        String(t.cols),
        "--cpu",
        String(limits.cpuSeconds),
        "--shell",
        shell,
      ];
      const plan = planLaunch({
        backend: launchBackend,
        tool: detection.tool,
        python,
        limits,
        longLived: true,
        cgroups: detection.cgroups,
        workspace: t.workspace,
        program: { source: ptyHostSource, args },
      });
      return new TerminalProcess(plan);
    },
    describe() {
      return describeEnforcement(backend, detection.tool, detection, python, limits);
    },
  };
}

class JailKernel implements Kernel {
  private jail: JailProcess | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private busy = false;
  private runSeq = 0;

  constructor(
    private readonly spawn: () => JailProcess,
    private readonly limits: Limits,
  ) {
    this.jail = spawn();
  }

  get alive(): boolean {
    return !this.closed && this.jail !== null && this.jail.alive;
  }

  run(
    blocks: RunBlock[],
    onEvent?: (e: RunEvent) => void,
    signal?: AbortSignal,
    opts?: KernelRunOptions,
  ): Promise<RunEvent[]> {
    const runId = newRunId();
    const next = this.queue.then(async () => {
      if (this.closed) return refused(runId, "the kernel was closed", onEvent);
      if (!this.jail?.alive) this.jail = this.spawn();
      this.busy = true;
      this.runSeq++;
      let jail = this.jail;
      try {
        const req = request(runId, blocks, this.limits);
        if (opts?.prefix) {
          req.prefix = opts.prefix;
          req.keys = stateKeys([...opts.prefix, ...blocks]);
        }
        const send = (r: RunRequest) =>
          jail.request(r, {
            // a request the kernel could not start (no state to resume) is not the end of the run
            onEvent: (e) => {
              if (e.type !== "done" || !e.restart) onEvent?.(e);
            },
            signal,
            wallTimeMs: this.limits.wallTimeMs,
            runWallTimeMs: this.limits.runWallTimeMs,
            abortMode: "interrupt",
          });
        let events = await send(req);
        const last = events.at(-1);
        if (last?.type === "done" && last.restart && this.jail === jail) {
          // restart-and-run: a fresh interpreter runs the prefix again, then the blocks
          jail.kill();
          await jail.exited;
          this.jail = jail = this.spawn();
          events = await send({ ...req, restarted: last.restart });
        }
        // A run that ended with a host failure left the jail dead or untrusted: start clean next time.
        if (events.at(-1)?.type === "host-error" && this.jail === jail) {
          jail.kill();
          this.jail = null;
        }
        return events;
      } finally {
        this.busy = false;
        if (this.jail && !this.jail.alive) this.jail = null;
      }
    });
    this.queue = next.catch(() => {});
    return next;
  }

  freeze(): () => void {
    return this.jail?.freeze() ?? (() => {});
  }

  interrupt(): void {
    const jail = this.jail;
    if (!jail || !this.busy) return;
    const seq = this.runSeq;
    if (!jail.interrupt()) jail.kill();
    else
      setTimeout(() => {
        if (this.busy && this.jail === jail && this.runSeq === seq) jail.kill(INTERRUPT_KILLED);
      }, INTERRUPT_GRACE_MS).unref?.();
  }

  async restart(): Promise<void> {
    const old = this.jail;
    this.jail = null;
    if (old) {
      old.kill();
      await old.exited;
    }
    if (!this.closed) {
      this.jail = this.spawn();
      await this.jail.ready;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const old = this.jail;
    this.jail = null;
    if (old) await old.close();
  }
}
