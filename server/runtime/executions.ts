// Running notebooks for users: parses the source, runs its executed blocks in the sandbox, and
// enforces the per-user limits (runs at once, runs per day).
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { executableBlocks } from "../../protocol/pymd-run-blocks.ts";
import { collectResults, type BlockResult, type RunEvent } from "../../protocol/run-frames.ts";
import type { Sandbox, WorkspaceMount } from "../../sandbox/index.ts";
import { AppError } from "../errors.ts";
import type { ExecutionsStore } from "../store/executions-store.ts";

export interface ExecutionLimits {
  perDay: number;
  concurrent: number;
}

export interface ExecutionOutcome {
  results: Map<number, BlockResult>;
  events: RunEvent[];
  durationMs: number;
  /** Set when the host refused or ended the run as a whole (no jail, deadline). */
  hostError: string | null;
}

function secondsToMidnightUtc(now = Date.now()): number {
  const d = new Date(now);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now) / 1000));
}

export class Executions {
  private readonly running = new Map<string, number>();
  /** Executions this server started (runs, kernel runs, terminals), for its metrics. */
  started = 0;

  constructor(
    private readonly sandbox: () => Promise<Sandbox>,
    private readonly store: ExecutionsStore,
    private readonly limits: ExecutionLimits,
  ) {}

  /** Runs a whole document once in a fresh jail on behalf of a user, within their limits. */
  async runDocument(
    userId: string,
    source: string,
    onEvent?: (e: RunEvent) => void,
    signal?: AbortSignal,
    workspace?: WorkspaceMount,
  ): Promise<ExecutionOutcome> {
    const sandbox = await this.sandbox();
    return this.withLimits(userId, () => runSource(sandbox, source, onEvent, signal, workspace));
  }

  /** Counts one execution against the user's limits and runs `f`; 429 when over a limit. */
  async withLimits<T>(userId: string, f: () => Promise<T>): Promise<T> {
    const active = this.running.get(userId) ?? 0;
    if (active >= this.limits.concurrent) {
      throw new AppError(
        "rate_limited",
        `At most ${this.limits.concurrent} executions at once; wait for one to finish`,
        {
          retryAfterSeconds: 5,
        },
      );
    }
    if (!this.store.tryCount(userId, this.limits.perDay)) {
      throw new AppError("rate_limited", `The daily limit of ${this.limits.perDay} executions is reached`, {
        retryAfterSeconds: secondsToMidnightUtc(),
      });
    }
    this.running.set(userId, active + 1);
    this.started++;
    try {
      return await f();
    } finally {
      const n = (this.running.get(userId) ?? 1) - 1;
      if (n <= 0) this.running.delete(userId);
      else this.running.set(userId, n);
    }
  }

  /** The sandbox itself, for long-lived kernels. */
  sandboxNow(): Promise<Sandbox> {
    return this.sandbox();
  }

  /** Whether code can run on this server; the reason (with what turns it on) when it cannot. */
  async status(): Promise<{ available: boolean; reason: string | null }> {
    try {
      const sb = await this.sandbox();
      return sb.backend === "unavailable"
        ? { available: false, reason: sb.refusal }
        : { available: true, reason: null };
    } catch (e) {
      return {
        available: false,
        reason: `the sandbox could not be set up: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  }
}

/** Runs a source's executed blocks in one fresh jail and folds the events per block. */
export async function runSource(
  sandbox: Sandbox,
  source: string,
  onEvent?: (e: RunEvent) => void,
  signal?: AbortSignal,
  workspace?: WorkspaceMount,
): Promise<ExecutionOutcome> {
  const blocks = executableBlocks(parsePymd(source));
  const t0 = performance.now();
  if (blocks.length === 0) return { results: new Map(), events: [], durationMs: 0, hostError: null };
  const events = await sandbox.run(blocks, onEvent, signal, { workspace });
  const results = collectResults(events);
  const failure = events.find((e) => e.type === "host-error");
  if (failure && failure.type === "host-error" && failure.block === null) {
    // A run refused or ended as a whole is shown where the first block's output would be.
    const first = blocks[0]!.id;
    const r = results.get(first) ?? { block: first, status: "error" as const, durationMs: null, outputs: [] };
    r.outputs.push({ kind: "host-error", reason: failure.reason, message: failure.message });
    r.status = "error";
    results.set(first, r);
  }
  return {
    results,
    events,
    durationMs: performance.now() - t0,
    hostError: failure && failure.type === "host-error" ? failure.message : null,
  };
}
