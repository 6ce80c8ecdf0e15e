// Turns the sandbox policy into a bubblewrap (bwrap) command line.
import {
  FONT_CACHE_DIR,
  JAIL_HOSTNAME,
  JAIL_UID,
  READ_ONLY_ETC,
  SECCOMP_FD,
  USR_SYMLINKS,
  WORKSPACE_DIR,
  jailEnv,
  type JailSpec,
} from "./jail-spec.ts";

export function bwrapArgv(bwrap: string, spec: JailSpec): string[] {
  const argv = [
    bwrap,
    // user, pid, net, ipc, uts, cgroup namespaces; --unshare-user is needed for --disable-userns
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--uid",
    String(JAIL_UID),
    "--gid",
    String(JAIL_UID),
    "--cap-drop",
    "ALL",
    "--hostname",
    JAIL_HOSTNAME,
    "--ro-bind",
    "/usr",
    "/usr",
  ];
  for (const [target, link] of USR_SYMLINKS) argv.push("--symlink", target, link);
  for (const path of READ_ONLY_ETC) if (spec.exists(path)) argv.push("--ro-bind", path, path);
  argv.push(
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(spec.limits.tmpfsBytes),
    "--tmpfs",
    "/tmp",
    // POSIX shared memory and semaphores (multiprocessing) live here; same cap as /tmp
    "--perms",
    "1777",
    "--size",
    String(spec.limits.tmpfsBytes),
    "--tmpfs",
    "/dev/shm",
    // the document's workspace, the only host directory the jail can write
    ...(spec.workspace ? ["--bind", spec.workspace, WORKSPACE_DIR] : []),
    // matplotlib's font list, prepared once for every kernel
    ...(spec.fontCache ? ["--ro-bind", spec.fontCache, FONT_CACHE_DIR] : []),
    "--chdir",
    spec.workspace ? WORKSPACE_DIR : "/tmp",
    // without this the root tmpfs (and /etc) stays writable
    "--remount-ro",
    "/",
    "--clearenv",
  );
  for (const [k, v] of Object.entries(jailEnv())) argv.push("--setenv", k, v);
  // the compiled filter (seccomp-filter.ts), which the launcher opens at this descriptor
  if (spec.seccomp) argv.push("--seccomp", String(SECCOMP_FD));
  argv.push("--", spec.python, ...spec.pythonArgs);
  return argv;
}
