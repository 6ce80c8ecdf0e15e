// Builds the prlimit(1) prefix that applies the policy's rlimits to the jail launcher (rlimits
// are inherited through exec, namespaces and fork).
import { addressSpaceBytes, type Limits } from "./policy.ts";

export interface RlimitOptions {
  /** A kernel refreshes its CPU allowance per request, so only the soft CPU limit is set. */
  longLived: boolean;
  /**
   * Set RLIMIT_NPROC. It counts every process of the real uid (shared by all jails, which all run
   * as nobody) and root is exempt, so it is only a backstop for hosts without a pids cgroup.
   */
  processLimit: boolean;
}

export function prlimitArgv(prlimit: string, limits: Limits, opts: RlimitOptions): string[] {
  const cpu = opts.longLived ? `${limits.cpuSeconds}:unlimited` : `${limits.cpuSeconds}:${limits.cpuSeconds + 1}`;
  const argv = [
    prlimit,
    `--cpu=${cpu}`,
    `--data=${limits.memoryBytes}`,
    `--as=${addressSpaceBytes(limits)}`,
    `--fsize=${limits.maxFileSize}`,
    `--nofile=${limits.maxOpenFiles}`,
    "--core=0",
  ];
  if (opts.processLimit) argv.push(`--nproc=${limits.maxProcesses}`);
  argv.push("--");
  return argv;
}
