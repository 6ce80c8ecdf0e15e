// Builds the prlimit(1) prefix that applies the policy's rlimits to the jail launcher (rlimits
// are inherited through exec, namespaces and fork).
import { addressSpaceBytes, type Limits } from "./policy.ts";

export interface RlimitOptions {
  /** A kernel refreshes its CPU allowance per block, so only the soft CPU limit is set. */
  longLived: boolean;
  /**
   * Set RLIMIT_NPROC. It counts every process of the real uid (shared by all jails, which all run
   * as nobody) and root is exempt, so it is only a backstop for hosts without a pids cgroup.
   */
  processLimit: boolean;
}

export function prlimitArgv(prlimit: string, limits: Limits, opts: RlimitOptions): string[] {
  // the runner lowers the soft limit to a block's allowance before each block; the hard limit
  // of a one-shot run is what its whole-run wall clock could use
  const cpu = opts.longLived ? `${limits.cpuSeconds}:unlimited` : `${limits.cpuSeconds}:${oneShotCpuCap(limits)}`;
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

/** Hard RLIMIT_CPU of a one-shot run: every block has its own allowance, the run has its wall-clock cap. */
export function oneShotCpuCap(limits: Limits): number {
  return Math.max(limits.cpuSeconds, Math.ceil(limits.runWallTimeMs / 1000)) + 1;
}
