// Per-run cgroups: detects whether memory/pids controllers are writable here (v1 or v2),
// creates one cgroup per jail below the server's own, moves the jail in before exec, kills and
// removes it afterwards. Everything degrades to "not enforced" rather than failing a run.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";

export interface CgroupSupport {
  version: 1 | 2 | null;
  /** Directory under which per-run memory cgroups are created, when writable. */
  memoryParent: string | null;
  /** Directory under which per-run pids cgroups are created, when writable (same as memory on v2). */
  pidsParent: string | null;
  notes: string[];
}

const ROOT = "/sys/fs/cgroup";

function ownPath(controller: string | null): string | null {
  try {
    for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
      const [, ctrls, path] = line.split(":");
      if (path === undefined || ctrls === undefined) continue;
      if (controller === null ? ctrls === "" : ctrls.split(",").includes(controller)) return path;
    }
  } catch {}
  return null;
}

function probe(parent: string, controlFile: string): string | null {
  const dir = `${parent}/pymd-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    mkdirSync(dir);
  } catch (e) {
    return `cannot create a cgroup under ${parent}: ${(e as Error).message}`;
  }
  try {
    if (!existsSync(`${dir}/${controlFile}`)) return `${controlFile} is not available under ${parent}`;
    writeFileSync(`${dir}/${controlFile}`, controlFile.startsWith("pids") ? "16" : String(64 * 1024 * 1024));
    return null;
  } catch (e) {
    return `cannot write ${controlFile} under ${parent}: ${(e as Error).message}`;
  } finally {
    try {
      rmdirSync(dir);
    } catch {}
  }
}

/** No per-run cgroups: limits fall back to rlimits and the watchdog. */
export function noCgroups(notes: string[] = []): CgroupSupport {
  return { version: null, memoryParent: null, pidsParent: null, notes };
}

export function detectCgroups(): CgroupSupport {
  const notes: string[] = [];
  if (existsSync(`${ROOT}/memory/memory.limit_in_bytes`) || existsSync(`${ROOT}/pids/cgroup.procs`)) {
    const mem = `${ROOT}/memory${ownPath("memory") ?? "/"}`.replace(/\/+$/, "");
    const pids = `${ROOT}/pids${ownPath("pids") ?? "/"}`.replace(/\/+$/, "");
    const memErr = existsSync(`${ROOT}/memory`) ? probe(mem, "memory.limit_in_bytes") : "memory controller not mounted";
    const pidsErr = existsSync(`${ROOT}/pids`) ? probe(pids, "pids.max") : "pids controller not mounted";
    if (memErr) notes.push(memErr);
    if (pidsErr) notes.push(pidsErr);
    return { version: 1, memoryParent: memErr ? null : mem, pidsParent: pidsErr ? null : pids, notes };
  }
  if (existsSync(`${ROOT}/cgroup.controllers`)) {
    const own = `${ROOT}${ownPath(null) ?? "/"}`.replace(/\/+$/, "");
    // A v2 child only gets controllers its parent delegates; the parent must hold no processes
    // (the "no internal processes" rule), which is true for a delegated service subtree.
    try {
      const enabled = readFileSync(`${own}/cgroup.subtree_control`, "utf8");
      if (!enabled.includes("memory") || !enabled.includes("pids"))
        writeFileSync(`${own}/cgroup.subtree_control`, "+memory +pids");
    } catch (e) {
      notes.push(`cannot enable memory/pids for child cgroups of ${own}: ${(e as Error).message}`);
    }
    const memErr = probe(own, "memory.max");
    const pidsErr = probe(own, "pids.max");
    if (memErr) notes.push(memErr);
    if (pidsErr) notes.push(pidsErr);
    return { version: 2, memoryParent: memErr ? null : own, pidsParent: pidsErr ? null : own, notes };
  }
  notes.push("no cgroup filesystem found at /sys/fs/cgroup");
  return noCgroups(notes);
}

let counter = 0;

export class RunCgroup {
  private constructor(
    private readonly support: CgroupSupport,
    readonly dirs: string[],
  ) {}

  /** Creates the run's cgroup(s) with the limits written; null when nothing is writable. */
  static create(support: CgroupSupport, memoryBytes: number, maxProcesses: number): RunCgroup | null {
    const name = `pymd-run-${process.pid}-${++counter}-${Date.now().toString(36)}`;
    const dirs: string[] = [];
    try {
      if (support.version === 2 && support.memoryParent) {
        const dir = `${support.memoryParent}/${name}`;
        mkdirSync(dir);
        dirs.push(dir);
        writeFileSync(`${dir}/memory.max`, String(memoryBytes));
        try {
          writeFileSync(`${dir}/memory.swap.max`, "0");
        } catch {}
        if (support.pidsParent) writeFileSync(`${dir}/pids.max`, String(maxProcesses));
      } else if (support.version === 1) {
        if (support.memoryParent) {
          const dir = `${support.memoryParent}/${name}`;
          mkdirSync(dir);
          dirs.push(dir);
          writeFileSync(`${dir}/memory.limit_in_bytes`, String(memoryBytes));
          try {
            writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, String(memoryBytes));
          } catch {}
        }
        if (support.pidsParent) {
          const dir = `${support.pidsParent}/${name}`;
          mkdirSync(dir);
          dirs.push(dir);
          writeFileSync(`${dir}/pids.max`, String(maxProcesses));
        }
      }
    } catch {
      const cg = new RunCgroup(support, dirs);
      void cg.remove();
      return null;
    }
    return dirs.length ? new RunCgroup(support, dirs) : null;
  }

  /** Wraps argv so the process joins every cgroup of the run before it execs (no race with forks). */
  wrap(argv: string[]): string[] {
    const joins = this.dirs.map((_, i) => `echo $$ > "$${i + 1}/cgroup.procs" || exit 125;`).join(" ");
    return [
      "/bin/sh",
      "-c",
      `${joins} shift ${this.dirs.length}; exec "$@"`,
      "pymd-cgroup-join",
      ...this.dirs,
      ...argv,
    ];
  }

  pids(): number[] {
    const out = new Set<number>();
    for (const dir of this.dirs) {
      try {
        for (const s of readFileSync(`${dir}/cgroup.procs`, "utf8").split("\n")) if (s) out.add(Number(s));
      } catch {}
    }
    return [...out];
  }

  killAll(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }

  /** True when the memory controller killed something in this run. */
  oomKilled(): boolean {
    for (const dir of this.dirs) {
      for (const file of ["memory.oom_control", "memory.events"]) {
        try {
          const m = /oom_kill (\d+)/.exec(readFileSync(`${dir}/${file}`, "utf8"));
          if (m && Number(m[1]) > 0) return true;
        } catch {}
      }
    }
    return false;
  }

  /** Kills what is left and removes the cgroups; retries while exiting processes are reaped. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      let left = 0;
      for (const dir of this.dirs) {
        if (!existsSync(dir)) continue;
        try {
          rmdirSync(dir);
        } catch {
          left++;
        }
      }
      if (left === 0) return;
      this.killAll();
      await Bun.sleep(Math.min(200, 10 * (attempt + 1)));
    }
  }

  get hasMemory(): boolean {
    return this.support.memoryParent !== null;
  }

  get hasPids(): boolean {
    return this.support.pidsParent !== null;
  }

  get version(): 1 | 2 | null {
    return this.support.version;
  }
}
