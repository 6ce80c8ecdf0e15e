// What both jail backends are asked to build: the interpreter command, the limits, the
// environment and the read-only host paths the jail may see. Shared so the two stay one policy.
import type { Limits } from "./policy.ts";
import type { SeccompArch } from "./seccomp-filter.ts";

export interface JailSpec {
  /** Absolute interpreter path; must live under /usr, the only host tree mounted. */
  python: string;
  /** Arguments after the interpreter (the runner is passed with -c, never as a host path). */
  pythonArgs: string[];
  limits: Limits;
  /** A kernel lives across requests: no jail-wide time limit, CPU budget refreshed per request. */
  longLived: boolean;
  /** Which optional read-only paths exist on this host (so a missing one never fails the jail). */
  exists: (path: string) => boolean;
  /**
   * Host uid/gid the jail's user maps to: nobody when the server is root, else the server's own
   * account (an unprivileged user namespace can map only the caller's ids).
   */
  outside: { uid: number; gid: number };
  /** Host directory mounted read-write at WORKSPACE_DIR as the working directory (a document's files). */
  workspace?: string;
  /** The seccomp filter's architecture (null: no table for this host, no filter). */
  seccomp: SeccompArch | null;
  /** Host directory with matplotlib's font list, prepared once, mounted read-only at FONT_CACHE_DIR. */
  fontCache?: string;
  /** The program needs pseudo-terminals (/dev/ptmx, /dev/pts of its own, /dev/tty). */
  pty?: boolean;
}

/** Where a prepared matplotlib font cache appears inside the jail (read-only). */
export const FONT_CACHE_DIR = "/opt/pymd-matplotlib";
/** A font cache built into the system image (the Dockerfile does), seen through the /usr mount. */
export const IMAGE_FONT_CACHE = "/usr/share/pymd/matplotlib";

/** The descriptor bwrap reads its compiled seccomp program from (the launcher opens it there). */
export const SECCOMP_FD = 3;

/** Where a document's workspace appears inside the jail (its working directory). */
export const WORKSPACE_DIR = "/work";

export const JAIL_UID = 65534;
export const JAIL_HOSTNAME = "sandbox";

/** The whole environment inside the jail: nothing is inherited from the server. */
export function jailEnv(home = "/tmp"): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    MPLBACKEND: "Agg",
    MPLCONFIGDIR: `${home}/.config/matplotlib`,
    XDG_CACHE_HOME: `${home}/.cache`,
    // OpenBLAS spins forever when it cannot map its per-thread buffers under RLIMIT_AS; one
    // thread also keeps one notebook from taking every core.
    OPENBLAS_NUM_THREADS: "1",
    OMP_NUM_THREADS: "1",
    MKL_NUM_THREADS: "1",
  };
}

/**
 * Host paths made visible read-only besides /usr: what the dynamic loader, BLAS (via
 * alternatives), fontconfig, matplotlib and time zones need. Nothing that holds secrets or users.
 */
export const READ_ONLY_ETC = [
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/fonts",
  "/etc/matplotlibrc",
  "/etc/localtime",
  "/etc/mime.types",
] as const;

/** Top-level compatibility symlinks of a merged-/usr system. */
export const USR_SYMLINKS = [
  ["usr/bin", "/bin"],
  ["usr/sbin", "/sbin"],
  ["usr/lib", "/lib"],
  ["usr/lib64", "/lib64"],
] as const;

/** The host ids a jail runs as: nobody for a root server (after setpriv / nsjail's own mapping), else the caller. */
export function jailOutsideIds(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? JAIL_UID;
  if (uid === 0) return { uid: JAIL_UID, gid: JAIL_UID };
  return { uid, gid: process.getgid?.() ?? uid };
}

export function assertJailablePython(python: string): void {
  if (!python.startsWith("/usr/") || python.includes("/../") || python.includes("/./")) {
    throw new Error(
      `sandbox python must be an absolute path under /usr (the only host tree the jail sees), got ${JSON.stringify(python)}`,
    );
  }
}
