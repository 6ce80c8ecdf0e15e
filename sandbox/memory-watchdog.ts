// Bounds a jail's total memory where no memory cgroup can be made (a container, a service user
// without delegation): one timer samples the resident memory of every watched jail's process
// tree from /proc and kills a tree that is over its limit. RLIMIT_DATA stops one process early
// (a MemoryError); this catches many processes that are each under it. What the jail keeps in its
// own tmpfs mounts (/tmp, /dev/shm) is memory too, which no process's resident size shows: it is
// added to the tree's sum.
import { readdirSync, readFileSync, readlinkSync, statfsSync } from "node:fs";

const PAGE = 4096;
export const WATCHDOG_INTERVAL_MS = 200;

interface Watch {
  root: number;
  limitBytes: number;
  /** Until when a confirmed-within tree is not confirmed again. */
  withinUntil?: number;
  onExceeded: (rssBytes: number) => void;
}

const watches = new Set<Watch>();
let timer: ReturnType<typeof setInterval> | null = null;

function parentOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function rssBytes(pid: number): number {
  try {
    // statm: size resident shared text lib data dt (pages)
    return Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE;
  } catch {
    return 0;
  }
}

let childrenFiles: boolean | undefined;

/** Whether the kernel lists each thread's children (/proc/PID/task/TID/children, most kernels). */
function hasChildrenFiles(): boolean {
  if (childrenFiles === undefined) {
    try {
      readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8");
      childrenFiles = true;
    } catch {
      childrenFiles = false;
    }
  }
  return childrenFiles;
}

/** The children of the processes under `roots`, read from their own children lists: work in the size of the trees. */
function childrenUnder(roots: number[]): Map<number, number[]> {
  const children = new Map<number, number[]>();
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length && seen.size < 100_000) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    const kids: number[] = [];
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" "))
          if (c.trim() !== "") kids.push(Number(c));
      } catch {}
    }
    if (kids.length) {
      children.set(pid, kids);
      stack.push(...kids);
    }
  }
  return children;
}

/**
 * Each process's children: with `roots`, only under them (from the processes' own children lists
 * where the kernel has them, so a timer on the event loop reads a few files, not all of /proc);
 * else, or without those lists, from one pass over /proc.
 */
export function childrenByParent(roots?: number[]): Map<number, number[]> {
  if (roots && hasChildrenFiles()) return childrenUnder(roots);
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (name.charCodeAt(0) > 57) continue;
    try {
      const ppid = parentOf(readFileSync(`/proc/${name}/stat`, "utf8"));
      const list = children.get(ppid);
      if (list) list.push(Number(name));
      else children.set(ppid, [Number(name)]);
    } catch {}
  }
  return children;
}

export function subtree(children: Map<number, number[]>, root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length && out.length < 100_000) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

const TMPFS_MAGIC = 0x01021994;
let hostMountNs: string | null | undefined;

/**
 * Bytes held in the jail's own /tmp and /dev/shm, read through the first process of the tree that
 * is in another mount namespace than the server (the jail's). 0 when there is none (an unjailed run).
 */
export function jailTmpfsBytes(pids: number[]): number {
  if (hostMountNs === undefined)
    try {
      hostMountNs = readlinkSync("/proc/self/ns/mnt");
    } catch {
      hostMountNs = null;
    }
  if (hostMountNs === null) return 0;
  for (const pid of pids) {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      continue;
    }
    if (ns === hostMountNs) continue;
    let total = 0;
    for (const dir of ["tmp", "dev/shm"]) {
      try {
        const st = statfsSync(`/proc/${pid}/root/${dir}`);
        if (st.type === TMPFS_MAGIC) total += (st.blocks - st.bfree) * st.bsize;
      } catch {}
    }
    return total;
  }
  return 0;
}

/** Every pid in the tree under root (root included). */
export function treePids(root: number): number[] {
  return subtree(childrenByParent([root]), root);
}

/** Resident bytes of each watched tree, from one pass over /proc. */
export function sampleTrees(roots: number[]): Map<number, number> {
  const children = childrenByParent(roots);
  const out = new Map<number, number>();
  for (const root of roots)
    out.set(
      root,
      subtree(children, root).reduce((sum, pid) => sum + rssBytes(pid), 0),
    );
  return out;
}

/** Proportional set size: pages shared by several processes (a kernel's fork() checkpoints) split between them. */
function pssBytes(pid: number): number {
  try {
    const m = /\nPss:\s+(\d+) kB/.exec("\n" + readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) * 1024 : rssBytes(pid);
  } catch {
    return 0;
  }
}

/** Memory the tree really holds: copy-on-write pages its processes share count once. */
export function treePssBytes(root: number, children = childrenByParent([root])): number {
  return subtree(children, root).reduce((sum, pid) => sum + pssBytes(pid), 0);
}

/** After a confirmation found the tree within its limit, resident sums are not confirmed again for this long. */
const CONFIRM_EVERY_MS = 1000;

function tick(): void {
  if (!watches.size) return;
  let sample: Map<number, number>;
  let children: Map<number, number[]>;
  try {
    children = childrenByParent([...watches].map((w) => w.root));
    sample = new Map(
      [...watches].map((w) => [w.root, subtree(children, w.root).reduce((sum, pid) => sum + rssBytes(pid), 0)]),
    );
    for (const w of watches) sample.set(w.root, sample.get(w.root)! + jailTmpfsBytes(subtree(children, w.root)));
  } catch {
    return;
  }
  const now = Date.now();
  for (const w of watches) {
    let rss = sample.get(w.root) ?? 0;
    // the resident sum counts each shared page in every process that maps it; a tree of several
    // processes over the limit is confirmed with its proportional sizes (slower, so only then)
    if (rss > w.limitBytes && subtree(children, w.root).length > 1) {
      if (now < (w.withinUntil ?? 0)) continue;
      rss = treePssBytes(w.root, children) + jailTmpfsBytes(subtree(children, w.root));
      if (rss <= w.limitBytes) {
        w.withinUntil = now + CONFIRM_EVERY_MS;
        continue;
      }
    }
    if (rss > w.limitBytes) {
      watches.delete(w);
      try {
        w.onExceeded(rss);
      } catch {}
    }
  }
  if (!watches.size && timer) {
    clearInterval(timer);
    timer = null;
  }
}

/** Watches the tree under root until the returned function is called. */
export function watchMemory(root: number, limitBytes: number, onExceeded: (rssBytes: number) => void): () => void {
  const w: Watch = { root, limitBytes, onExceeded };
  watches.add(w);
  if (!timer) {
    timer = setInterval(tick, WATCHDOG_INTERVAL_MS);
    (timer as { unref?: () => void }).unref?.();
  }
  return () => {
    watches.delete(w);
    if (!watches.size && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}
