// Turns the sandbox policy into an nsjail command line (standalone-once mode).
import { JAIL_HOSTNAME, JAIL_UID, READ_ONLY_ETC, USR_SYMLINKS, jailEnv, type JailSpec } from "./jail-spec.ts";

const MiB = 1024 * 1024;
const mb = (bytes: number): string => String(Math.max(1, Math.floor(bytes / MiB)));

export function nsjailArgv(nsjail: string, spec: JailSpec): string[] {
  const { limits } = spec;
  const argv = [
    nsjail,
    "--mode", "o",
    "--really_quiet",
    // inside:outside:count, so the jail is nobody on the host too even when nsjail runs as root
    "--user", `${JAIL_UID}:${JAIL_UID}:1`,
    "--group", `${JAIL_UID}:${JAIL_UID}:1`,
    "--hostname", JAIL_HOSTNAME,
    "--cwd", "/tmp",
    // nsjail's own clock; the host deadline is the one that reports, this is a backstop
    "--time_limit", spec.longLived ? "0" : String(Math.ceil(limits.wallTimeMs / 1000) + 1),
    // nsjail applies its own rlimit defaults (nofile 32, fsize 1 MB), so every one is explicit
    "--rlimit_as", mb(limits.memoryBytes),
    "--rlimit_cpu", spec.longLived ? "inf" : String(limits.cpuSeconds),
    "--rlimit_fsize", mb(limits.maxFileSize),
    "--rlimit_nofile", String(limits.maxOpenFiles),
    "--rlimit_nproc", String(limits.maxProcesses),
    "--rlimit_core", "0",
    "--bindmount_ro", "/usr",
  ];
  for (const [target, link] of USR_SYMLINKS) argv.push("--symlink", `${target}:${link}`);
  for (const path of READ_ONLY_ETC) if (spec.exists(path)) argv.push("--bindmount_ro", path);
  for (const dev of ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]) argv.push("--bindmount", dev);
  argv.push("--mount", `none:/tmp:tmpfs:size=${limits.tmpfsBytes}`);
  // env is cleared by default (no --keep_env); caps dropped (no --keep_caps); no_new_privs set
  // (no --disable_no_new_privs); setsid by default (no --skip_setsid); new net ns without
  // interfaces besides lo (no --disable_clone_newnet); root mounted read-only (no --rw).
  for (const [k, v] of Object.entries(jailEnv())) argv.push("--env", `${k}=${v}`);
  argv.push("--", spec.python, ...spec.pythonArgs);
  return argv;
}
