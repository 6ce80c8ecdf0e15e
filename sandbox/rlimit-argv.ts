// Builds the prlimit(1) prefix that applies the policy's rlimits to the jail launcher (rlimits
// are inherited through exec, namespaces and fork).
import type { Limits } from "./policy.ts";

export interface RlimitOptions {
  /** A kernel refreshes its CPU allowance per request, so only the soft CPU limit is set. */
  longLived: boolean;
  /** RLIMIT_NPROC counts every process of the real uid and root is exempt: only set it for non-root hosts. */
  hostIsRoot: boolean;
}

export function prlimitArgv(prlimit: string, limits: Limits, opts: RlimitOptions): string[] {
  const cpu = opts.longLived ? `${limits.cpuSeconds}:unlimited` : `${limits.cpuSeconds}:${limits.cpuSeconds + 1}`;
  const argv = [
    prlimit,
    `--cpu=${cpu}`,
    `--as=${limits.memoryBytes}`,
    `--fsize=${limits.maxFileSize}`,
    `--nofile=${limits.maxOpenFiles}`,
    "--core=0",
  ];
  // Headroom because the count includes the server's own threads and other runs of the same uid.
  if (!opts.hostIsRoot) argv.push(`--nproc=${limits.maxProcesses + 256}`);
  argv.push("--");
  return argv;
}
