// Turns the sandbox policy into an nsjail command line (standalone-once mode).
import {
  FONT_CACHE_DIR,
  JAIL_HOSTNAME,
  JAIL_UID,
  READ_ONLY_ETC,
  USR_SYMLINKS,
  WORKSPACE_DIR,
  jailEnv,
  type JailSpec,
} from "./jail-spec.ts";
import { addressSpaceBytes } from "./policy.ts";
import { kafelPolicy } from "./seccomp-filter.ts";
import { oneShotCpuCap } from "./rlimit-argv.ts";

const MiB = 1024 * 1024;
const mb = (bytes: number): string => String(Math.max(1, Math.floor(bytes / MiB)));

export function nsjailArgv(nsjail: string, spec: JailSpec): string[] {
  const { limits } = spec;
  const argv = [
    nsjail,
    "--mode",
    "o",
    // warnings and errors only: a jail that cannot start says why on stderr (kept for the report)
    "--quiet",
    // inside:outside:count. As root the jail is nobody on the host too; as an ordinary user an
    // unprivileged user namespace can map only that user's own ids.
    "--user",
    `${JAIL_UID}:${spec.outside.uid}:1`,
    "--group",
    `${JAIL_UID}:${spec.outside.gid}:1`,
    "--hostname",
    JAIL_HOSTNAME,
    "--cwd",
    spec.workspace ? WORKSPACE_DIR : "/tmp",
    // nsjail's own clock; the host deadline is the one that reports, this is a backstop
    "--time_limit",
    spec.longLived ? "0" : String(Math.ceil(limits.runWallTimeMs / 1000) + 1),
    // nsjail applies its own rlimit defaults (nofile 32, fsize 1 MB), so every one is explicit
    // address space is only a backstop; memory is RLIMIT_DATA (inherited from prlimit), the
    // cgroup or the host's RSS watchdog
    "--rlimit_as",
    mb(addressSpaceBytes(limits)),
    // the runner lowers the soft limit to one block's allowance before each block
    "--rlimit_cpu",
    spec.longLived ? "inf" : String(oneShotCpuCap(limits)),
    "--rlimit_fsize",
    mb(limits.maxFileSize),
    "--rlimit_nofile",
    String(limits.maxOpenFiles),
    "--rlimit_nproc",
    String(limits.maxProcesses),
    "--rlimit_core",
    "0",
    "--bindmount_ro",
    "/usr",
  ];
  for (const [target, link] of USR_SYMLINKS) argv.push("--symlink", `${target}:${link}`);
  for (const path of READ_ONLY_ETC) if (spec.exists(path)) argv.push("--bindmount_ro", path);
  for (const dev of ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]) argv.push("--bindmount", dev);
  // a terminal's pseudo-terminals: a devpts instance of the jail's own (it sees no host terminal)
  if (spec.pty)
    argv.push(
      "--mount",
      "none:/dev/pts:devpts:newinstance,ptmxmode=0666,mode=0620",
      "--symlink",
      "pts/ptmx:/dev/ptmx",
      "--bindmount",
      "/dev/tty",
    );
  argv.push("--mount", `none:/tmp:tmpfs:size=${limits.tmpfsBytes}`);
  // POSIX shared memory and semaphores (multiprocessing) live here; same cap as /tmp
  argv.push("--mount", `none:/dev/shm:tmpfs:size=${limits.tmpfsBytes},mode=1777`);
  // the document's workspace, the only host directory the jail can write
  if (spec.workspace) argv.push("--bindmount", `${spec.workspace}:${WORKSPACE_DIR}`);
  // matplotlib's font list, prepared once for every kernel
  if (spec.fontCache) argv.push("--bindmount_ro", `${spec.fontCache}:${FONT_CACHE_DIR}`);
  // env is cleared by default (no --keep_env); caps dropped (no --keep_caps); no_new_privs set
  // (no --disable_no_new_privs); setsid by default (no --skip_setsid); new net ns without
  // interfaces besides lo (no --disable_clone_newnet); root mounted read-only (no --rw).
  for (const [k, v] of Object.entries(jailEnv())) argv.push("--env", `${k}=${v}`);
  // the calls notebooks never need fail with EPERM (see seccomp-filter.ts)
  if (spec.seccomp) argv.push("--seccomp_string", kafelPolicy(spec.seccomp));
  argv.push("--", spec.python, ...spec.pythonArgs);
  return argv;
}
