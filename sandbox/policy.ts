// The sandbox policy: the resource limits every run gets, their safe defaults, and validation
// of a partial override (from config or tests) into a complete, checked set of limits.

export interface Limits {
  /** Wall-clock deadline per block (`--run-timeout`); the block's jail is stopped when it passes. */
  wallTimeMs: number;
  /** Wall-clock deadline of a whole run request (`--run-total-timeout`), however many blocks it has. */
  runWallTimeMs: number;
  /** CPU seconds per block (the runner lowers the soft RLIMIT_CPU before each block). */
  cpuSeconds: number;
  /**
   * RLIMIT_DATA (private writable memory: heap, anonymous mappings, stacks) and, where writable,
   * the cgroup memory limit; without a memory cgroup a watchdog on the jail's total RSS too.
   * Address space (RLIMIT_AS) is only capped at addressSpaceBytes() as a backstop: libraries and
   * thread stacks reserve far more address space than they use.
   */
  memoryBytes: number;
  /** cgroup pids.max where writable (RLIMIT_NPROC is useless when the host runs as root). */
  maxProcesses: number;
  /** Size of the jail's /tmp tmpfs, the only writable place. */
  tmpfsBytes: number;
  /** stdout+stderr+display bytes per block before the block's output is truncated. */
  maxOutputBytesPerBlock: number;
  /**
   * Output bytes per second a kernel may print over time (`--run-output-rate`): a burst of up to
   * one block's cap goes at once, then the printing code waits (its writes block) until the rate
   * allows more, so a flood costs the server a bounded stream rather than all it can take.
   */
  maxOutputBytesPerSecond: number;
  /** RLIMIT_NOFILE. */
  maxOpenFiles: number;
  /** RLIMIT_FSIZE: largest file the code may write. */
  maxFileSize: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  wallTimeMs: 30_000,
  runWallTimeMs: 600_000,
  cpuSeconds: 30,
  memoryBytes: 512 * MiB,
  maxProcesses: 64,
  tmpfsBytes: 64 * MiB,
  maxOutputBytesPerBlock: 1 * MiB,
  maxOutputBytesPerSecond: 1 * MiB,
  maxOpenFiles: 256,
  maxFileSize: 32 * MiB,
});

/** RLIMIT_AS backstop: a generous multiple of the memory limit (mapped files and reservations are not memory). */
export function addressSpaceBytes(limits: Limits): number {
  return Math.max(4 * limits.memoryBytes, 2048 * MiB);
}

/** Inclusive bounds per field: the low end keeps Python able to start, the high end keeps a typo from disabling a limit. */
const BOUNDS: Record<keyof Limits, readonly [number, number, string]> = {
  wallTimeMs: [100, 24 * 3600 * 1000, "milliseconds"],
  runWallTimeMs: [100, 7 * 24 * 3600 * 1000, "milliseconds"],
  cpuSeconds: [1, 24 * 3600, "seconds"],
  memoryBytes: [64 * MiB, 1024 * 1024 * MiB, "bytes"],
  maxProcesses: [4, 65_536, "processes"],
  tmpfsBytes: [1 * MiB, 1024 * 1024 * MiB, "bytes"],
  maxOutputBytesPerBlock: [1024, 1024 * MiB, "bytes"],
  maxOutputBytesPerSecond: [1024, 1024 * MiB, "bytes per second"],
  maxOpenFiles: [32, 1_048_576, "files"],
  maxFileSize: [1024, 1024 * 1024 * MiB, "bytes"],
};

export class PolicyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "PolicyError";
  }
}

/** Merges an override onto the defaults; throws PolicyError naming the first bad field. */
export function resolveLimits(override: Partial<Limits> = {}): Limits {
  if (override === null || typeof override !== "object" || Array.isArray(override)) {
    throw new PolicyError("limits", "sandbox limits must be an object");
  }
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(override)) {
    if (!(key in BOUNDS)) {
      throw new PolicyError(key, `unknown sandbox limit "${key}" (known: ${Object.keys(BOUNDS).join(", ")})`);
    }
    const field = key as keyof Limits;
    if (value === undefined) continue;
    const [min, max, unit] = BOUNDS[field];
    if (typeof value !== "number" || !Number.isFinite(value) || !Number.isInteger(value)) {
      throw new PolicyError(
        field,
        `sandbox limit ${field} must be a whole number of ${unit}, got ${JSON.stringify(value)}`,
      );
    }
    if (value < min || value > max) {
      throw new PolicyError(field, `sandbox limit ${field} must be between ${min} and ${max} ${unit}, got ${value}`);
    }
    out[field] = value;
  }
  return out;
}
