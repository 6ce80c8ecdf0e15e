// CPU accounting between runs: a kernel lives across requests, and while no block runs nothing
// else bounds it (the runner's RLIMIT_CPU is per block). One timer samples the CPU time of every
// idle kernel's process tree from /proc; a tree that uses more than its allowance between two
// runs (a background thread or process left spinning) is reported so the host can stop it.
import { readFileSync } from "node:fs";
import { childrenByParent, subtree } from "./memory-watchdog.ts";

export const IDLE_CPU_INTERVAL_MS = 500;
/** USER_HZ: clock ticks in /proc/<pid>/stat are 1/100 s on every Linux architecture. */
const TICKS_PER_SECOND = 100;

/** CPU seconds a process has used, with those of the children it has waited for. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after "(comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17)
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds used by the whole tree under root (root included), from one pass over /proc. */
export function treeCpuSeconds(root: number, children = childrenByParent([root])): number {
  return subtree(children, root).reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}

interface Guard {
  root: number;
  allowance: number;
  /** CPU of the tree when the idle period began; null while a run is in progress. */
  since: number | null;
  onOver: (usedSeconds: number) => void;
}

const guards = new Set<Guard>();
let timer: ReturnType<typeof setInterval> | null = null;

function tick(): void {
  const idle = [...guards].filter((g) => g.since !== null);
  if (!idle.length) return;
  let children: Map<number, number[]>;
  try {
    children = childrenByParent(idle.map((g) => g.root));
  } catch {
    return;
  }
  for (const g of idle) {
    const used = treeCpuSeconds(g.root, children) - g.since!;
    if (used > g.allowance) {
      guards.delete(g);
      try {
        g.onOver(used);
      } catch {}
    }
  }
  if (!guards.size) stopTimer();
}

function stopTimer(): void {
  if (timer) clearInterval(timer);
  timer = null;
}

export interface IdleCpuWatch {
  /** A run starts: its own limits apply until it ends. */
  busy(): void;
  /** A run ended (or the kernel started): a new idle period with a fresh allowance begins. */
  idle(): void;
  stop(): void;
}

/**
 * Watches the tree under root: in each idle period it may use `allowanceSeconds` of CPU; past
 * that, onOver is called once with what it used and the watch ends.
 */
export function watchIdleCpu(
  root: number,
  allowanceSeconds: number,
  onOver: (usedSeconds: number) => void,
): IdleCpuWatch {
  const g: Guard = { root, allowance: allowanceSeconds, since: null, onOver };
  guards.add(g);
  if (!timer) {
    timer = setInterval(tick, IDLE_CPU_INTERVAL_MS);
    (timer as { unref?: () => void }).unref?.();
  }
  const watch: IdleCpuWatch = {
    busy() {
      g.since = null;
    },
    idle() {
      if (guards.has(g)) g.since = treeCpuSeconds(root);
    },
    stop() {
      guards.delete(g);
      if (!guards.size) stopTimer();
    },
  };
  watch.idle();
  return watch;
}
