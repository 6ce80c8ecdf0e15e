// Assembles the complete host command for one jailed interpreter: cgroup join, rlimits, the
// backend's jail and the runner, plus what the host must clean up and how to kill the tree.
import { chownSync, existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { bwrapArgv } from "./bwrap-backend.ts";
import type { CgroupSupport } from "./cgroup-limits.ts";
import { RunCgroup } from "./cgroup-limits.ts";
import { findTool, pathExists } from "./host-tools.ts";
import { FONT_CACHE_DIR, JAIL_UID, jailEnv, jailOutsideIds, type JailSpec } from "./jail-spec.ts";
import { acquireJailUid, isJailUid } from "./jail-uids.ts";
import { nsjailArgv } from "./nsjail-backend.ts";
import type { Limits } from "./policy.ts";
import { prlimitArgv } from "./rlimit-argv.ts";
import { runnerSource } from "./runner-source.ts";
import { hostSeccompArch, seccompProgram, type SeccompArch } from "./seccomp-filter.ts";

export type BackendName = "nsjail" | "bwrap" | "none";

export interface LaunchPlan {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  cgroup: RunCgroup | null;
  /** The process leads its own process group (unsafe mode): kill the group, not just the pid. */
  killGroup: boolean;
  /** Private host directory of an unsafe run, removed afterwards. */
  privateDir: string | null;
  /** Without a memory cgroup: the resident-memory ceiling the host's watchdog holds the tree to. */
  memoryWatchBytes: number | null;
  /** The workspace directory and how many bytes the jail may leave in it (watched while it runs). */
  workspace: { dir: string; maxBytes: number } | null;
  /** A file the launcher opens at SECCOMP_FD for the jail to read its compiled filter from (bwrap). */
  seccompFile: string | null;
  /** The host uid the jail runs as, and how to give it back once the jail is gone. */
  hostUid: number;
  releaseUid: () => void;
  /** A kernel: CPU seconds its tree may use between two runs before the host stops it (null: a one-shot run). */
  idleCpuSeconds: number | null;
}

export interface LaunchInput {
  backend: BackendName;
  tool: string | null;
  python: string;
  limits: Limits;
  longLived: boolean;
  cgroups: CgroupSupport;
  workspace?: { dir: string; maxBytes: number };
  /**
   * matplotlib's font list for the runner to use instead of building it: a host directory to
   * mount ({ host }) or a path the jail already sees ({ inside }, the image's own).
   */
  fontCache?: { host: string } | { inside: string };
  /**
   * Another jailed program than the runner (the terminal's PTY relay): its source, given with -c,
   * and its arguments. The jail then also gets a private pseudo-terminal filesystem.
   */
  program?: { source: string; args: string[] };
}

/** The environment of the host-side helpers (sh, prlimit, bwrap, nsjail): nothing from the server. */
const HELPER_ENV = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" };

export function pythonArgs(longLived: boolean, limits: Limits, nprocInside: boolean): string[] {
  // -I: ignore PYTHON* env, user site and cwd on sys.path; -S: skip site.py (the runner adds
  // the system package dirs itself, saving several ms per start); -B: nothing to write anyway.
  // each block gets its own CPU allowance (the soft RLIMIT_CPU is lowered before it starts)
  const args = ["-I", "-S", "-B", "-c", runnerSource, "--cpu-per-request", String(limits.cpuSeconds)];
  // a kernel keeps fork() checkpoints before its blocks, within the process and memory limits
  if (longLived && checkpointCap(limits) > 0)
    args.push("--checkpoints", String(checkpointCap(limits)), "--memory", String(limits.memoryBytes));
  // In the jail's own user namespace RLIMIT_NPROC counts this jail's processes alone.
  if (nprocInside) args.push("--nproc", String(limits.maxProcesses));
  return args;
}

/**
 * Checkpoints a kernel keeps at most: each is a paused process, so a quarter of the process limit
 * (RLIMIT_NPROC also counts threads), at most 16; the rest stays for the notebook's own processes.
 */
export function checkpointCap(limits: Limits): number {
  return Math.min(16, Math.floor(limits.maxProcesses / 4));
}

/** setpriv(1) prefix that leaves root for the jail's unprivileged host uid before the jail starts. */
export function dropToNobody(ids: { uid: number; gid: number } = { uid: JAIL_UID, gid: JAIL_UID }): string[] {
  const setpriv = findTool("setpriv");
  if (!setpriv) throw new Error("setpriv (util-linux) is required to start the sandbox when the server runs as root");
  return [setpriv, `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups", "--no-new-privs", "--"];
}

/**
 * The host ids of a jail. A root server gives each jail its own uid from JAIL_UID_RANGE; a jail
 * with a workspace takes the uid that workspace was made for, so its files stay its own across
 * kernel restarts. An unprivileged server's jails all map to its own account.
 */
function jailHostIds(
  backend: BackendName,
  workspace: string | undefined,
): { ids: { uid: number; gid: number }; release: () => void } {
  const none = () => {};
  if (process.getuid?.() !== 0 || backend === "none") return { ids: jailOutsideIds(), release: none };
  if (workspace) {
    try {
      const st = lstatSync(workspace);
      if (st.isDirectory() && isJailUid(st.uid)) return { ids: { uid: st.uid, gid: st.gid }, release: none };
    } catch {}
  }
  const held = acquireJailUid();
  return { ids: { uid: held.uid, gid: held.uid }, release: held.release };
}

const programFiles = new Map<SeccompArch, string>();

/** The compiled filter in a private file of the server's, written once per process. */
function seccompFile(arch: SeccompArch): string {
  let path = programFiles.get(arch);
  if (!path || !existsSync(path)) {
    const dir = mkdtempSync(`${tmpdir()}/pymd-seccomp-`);
    path = `${dir}/${arch}.bpf`;
    writeFileSync(path, seccompProgram(arch), { mode: 0o400 });
    programFiles.set(arch, path);
  }
  return path;
}

export function planLaunch(input: LaunchInput): LaunchPlan {
  const { limits, longLived } = input;
  const prlimit = findTool("prlimit");
  const hostIsRoot = process.getuid?.() === 0;
  const cgroup = RunCgroup.create(input.cgroups, limits.memoryBytes, limits.maxProcesses);
  if (input.workspace && (!input.workspace.dir.startsWith("/") || /[:,\n]/.test(input.workspace.dir)))
    throw new Error(
      `workspace directory ${JSON.stringify(input.workspace.dir)} must be an absolute path without ':' or ','`,
    );
  const hostIds = jailHostIds(input.backend, input.workspace?.dir);
  const spec: JailSpec = {
    python: input.python,
    // checkpoints talk over abstract unix sockets, private only in a jail's own network namespace:
    // an unjailed kernel keeps none
    pythonArgs: input.program
      ? ["-I", "-S", "-B", "-c", input.program.source, ...input.program.args]
      : pythonArgs(longLived && input.backend !== "none", limits, input.backend === "bwrap"),
    limits,
    longLived,
    exists: pathExists,
    outside: hostIds.ids,
    workspace: input.workspace?.dir,
    seccomp: input.backend === "none" ? null : hostSeccompArch(),
    pty: input.program !== undefined,
  };
  if (input.fontCache && !input.program) {
    const fc = input.fontCache;
    // an unjailed run sees the host's paths as they are
    const inside = "inside" in fc ? fc.inside : input.backend === "none" ? fc.host : FONT_CACHE_DIR;
    if ("host" in fc && input.backend !== "none") {
      if (!fc.host.startsWith("/") || /[:,\n]/.test(fc.host))
        throw new Error(`font cache directory ${JSON.stringify(fc.host)} must be an absolute path without ':' or ','`);
      spec.fontCache = fc.host;
    }
    spec.pythonArgs.push("--mpl-cache", inside);
  }
  let argv: string[];
  let env: Record<string, string> = HELPER_ENV;
  let cwd = "/";
  let privateDir: string | null = null;
  let killGroup = false;
  // bwrap's jail sets RLIMIT_NPROC inside its user namespace (per jail); only an unjailed run
  // needs it on the host account, where it is a budget shared with everything of that uid.
  const rl = prlimit
    ? prlimitArgv(prlimit, limits, { longLived, processLimit: input.backend === "none" && cgroup?.hasPids !== true })
    : [];
  switch (input.backend) {
    case "bwrap":
      // Run as root, bwrap maps the jail's uid to host uid 0: DAC then lets the jail write
      // root-owned files it can see, such as global sysctls under /proc/sys. Drop to nobody first.
      argv = [...rl, ...(hostIsRoot ? dropToNobody(hostIds.ids) : []), ...bwrapArgv(input.tool!, spec)];
      break;
    case "nsjail":
      // nsjail sets the rlimits it knows itself; RLIMIT_DATA (which it has no flag for) and the
      // others are inherited from prlimit and overridden by nsjail's where it has one.
      argv = [...rl, ...nsjailArgv(input.tool!, spec)];
      break;
    case "none": {
      privateDir = mkdtempSync(`${tmpdir()}/pymd-unsafe-`);
      if (hostIsRoot) chownSync(privateDir, JAIL_UID, JAIL_UID);
      env = jailEnv(privateDir);
      cwd = input.workspace?.dir ?? privateDir;
      killGroup = true;
      const setsid = findTool("setsid");
      argv = [
        ...rl,
        ...(hostIsRoot ? dropToNobody() : []),
        ...(setsid ? [setsid] : []),
        input.python,
        ...spec.pythonArgs,
      ];
      killGroup = setsid !== null;
      break;
    }
  }
  if (cgroup) argv = cgroup.wrap(argv);
  const memoryWatchBytes = cgroup?.hasMemory ? null : limits.memoryBytes;
  const program = input.backend === "bwrap" && spec.seccomp ? seccompFile(spec.seccomp) : null;
  return {
    argv,
    env,
    cwd,
    cgroup,
    killGroup,
    privateDir,
    memoryWatchBytes,
    workspace: input.workspace ?? null,
    seccompFile: program,
    hostUid: hostIds.ids.uid,
    releaseUid: hostIds.release,
    idleCpuSeconds: longLived ? limits.cpuSeconds : null,
  };
}

export async function cleanupLaunch(plan: LaunchPlan): Promise<void> {
  if (plan.privateDir) {
    try {
      // rmSync unlinks symlinks rather than following them
      rmSync(plan.privateDir, { recursive: true, force: true });
    } catch {}
  }
  if (plan.cgroup) await plan.cgroup.remove();
  plan.releaseUid();
}
