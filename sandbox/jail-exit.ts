// Why a jailed process ended, from what the host knows of it: a reason the host itself stopped it
// for, the cgroup's OOM killer, or its exit status and signal. The runner's and the terminal's
// hosts both read a jail's end through this, and each says it in its own words.

/** What the host saw of a jailed process's end. */
export interface JailExit {
  /** Exit code (null when a signal ended it). */
  code: number | null;
  /** The signal that ended it ("SIGKILL"), or null. */
  signal: string | null;
  /** Why the host stopped the jail (a limit it watches: memory, disk, CPU while idle), when it said. */
  hostReason: string | null;
  /** The host killed the jail itself (with or without a reason). */
  killedByHost: boolean;
  /** The jail's memory cgroup recorded an OOM kill. */
  oomKilled: boolean;
}

export type JailEnd =
  /** The host stopped it for this reason. */
  | { kind: "host"; reason: string; status: string }
  /** Its memory cgroup's OOM killer ended it. */
  | { kind: "memory"; status: string }
  /** SIGKILL: by the host (without a reason) or by a resource limit or someone outside the sandbox. */
  | { kind: "killed"; byHost: boolean; status: string }
  /** SIGXCPU (or the runner's own exit with its status, 152): the CPU time limit. */
  | { kind: "cpu"; status: string }
  /** Anything else: it ended on its own. */
  | { kind: "ended"; status: string };

/** 128 + the signal number: how a shell (or the runner, ending itself) reports a death by SIGKILL and SIGXCPU. */
const SIGKILL_STATUS = 137;
const SIGXCPU_STATUS = 152;

/** The exit as a person reads it after "exit ": the code, else the signal's name. */
export function exitStatus(e: Pick<JailExit, "code" | "signal">): string {
  return String(e.code ?? e.signal);
}

/** Classifies a jail's end; the host's own reason comes first, then the OOM killer, then the status. */
export function jailEnd(e: JailExit): JailEnd {
  const status = exitStatus(e);
  if (e.hostReason !== null) return { kind: "host", reason: e.hostReason, status };
  if (e.oomKilled) return { kind: "memory", status };
  if (e.signal === "SIGKILL" || e.code === SIGKILL_STATUS) return { kind: "killed", byHost: e.killedByHost, status };
  if (e.signal === "SIGXCPU" || e.code === SIGXCPU_STATUS) return { kind: "cpu", status };
  return { kind: "ended", status };
}
