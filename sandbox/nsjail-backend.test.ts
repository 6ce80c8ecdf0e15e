// Tests that the nsjail command line carries the same policy as the bwrap one.
import { describe, expect, test } from "bun:test";
import type { JailSpec } from "./jail-spec.ts";
import { nsjailArgv } from "./nsjail-backend.ts";
import { resolveLimits } from "./policy.ts";

const MiB = 1024 * 1024;
const spec = (longLived: boolean, outside = { uid: 65534, gid: 65534 }): JailSpec => ({
  python: "/usr/bin/python3",
  pythonArgs: ["-I", "-S", "-c", "pass"],
  limits: resolveLimits({
    wallTimeMs: 3000,
    runWallTimeMs: 3000,
    cpuSeconds: 5,
    memoryBytes: 256 * MiB,
    maxFileSize: 4 * MiB,
    maxOpenFiles: 64,
    tmpfsBytes: 16 * MiB,
  }),
  longLived,
  exists: () => true,
  outside,
  seccomp: "x86_64",
});
const value = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];
const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

describe("nsjailArgv", () => {
  const argv = nsjailArgv("/usr/bin/nsjail", spec(false));
  test("standalone once, unprivileged uid, own hostname and cwd", () => {
    expect(value(argv, "--mode")).toBe("o");
    expect(value(argv, "--user")).toBe("65534:65534:1");
    expect(value(argv, "--group")).toBe("65534:65534:1");
    expect(value(argv, "--hostname")).toBe("sandbox");
    expect(value(argv, "--cwd")).toBe("/tmp");
  });
  test("as an ordinary user the jail's nobody maps to that user's own ids", () => {
    const u = nsjailArgv("/usr/bin/nsjail", spec(false, { uid: 1000, gid: 1001 }));
    expect(value(u, "--user")).toBe("65534:1000:1");
    expect(value(u, "--group")).toBe("65534:1001:1");
  });
  test("warnings and errors reach stderr (not --really_quiet, which hides why a jail failed)", () => {
    expect(argv).toContain("--quiet");
    expect(argv).not.toContain("--really_quiet");
  });
  test("never weakens nsjail's defaults", () => {
    for (const f of [
      "--keep_env",
      "--keep_caps",
      "--disable_no_new_privs",
      "--disable_clone_newnet",
      "--disable_clone_newuser",
      "--disable_clone_newpid",
      "--rw",
      "--skip_setsid",
      "--proc_rw",
    ])
      expect(argv).not.toContain(f);
  });
  test("rlimits in nsjail's units", () => {
    // address space is a backstop (max(4 x memory, 2 GiB)); memory itself is RLIMIT_DATA via prlimit
    expect(value(argv, "--rlimit_as")).toBe("2048");
    // the hard CPU cap of a one-shot run; the runner lowers the soft limit to each block's allowance
    expect(value(argv, "--rlimit_cpu")).toBe("6");
    expect(value(argv, "--rlimit_fsize")).toBe("4");
    expect(value(argv, "--rlimit_nofile")).toBe("64");
    expect(value(argv, "--time_limit")).toBe("4");
  });
  test("a kernel has no jail-wide time or CPU limit (the host enforces them per request)", () => {
    const k = nsjailArgv("/usr/bin/nsjail", spec(true));
    expect(value(k, "--time_limit")).toBe("0");
    expect(value(k, "--rlimit_cpu")).toBe("inf");
  });
  test("read-only /usr and /etc bits, tmpfs /tmp with a size", () => {
    expect(values(argv, "--bindmount_ro")).toEqual(
      expect.arrayContaining(["/usr", "/etc/alternatives", "/etc/matplotlibrc", "/etc/ld.so.cache"]),
    );
    expect(values(argv, "--bindmount")).toEqual(["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]);
    expect(values(argv, "--mount")).toEqual([
      `none:/tmp:tmpfs:size=${16 * MiB}`,
      `none:/dev/shm:tmpfs:size=${16 * MiB},mode=1777`,
    ]);
    expect(values(argv, "--symlink")).toContain("usr/lib:/lib");
  });
  test("only the allowed environment", () => {
    const keys = values(argv, "--env").map((kv) => kv.split("=")[0]);
    expect(keys).toEqual(
      expect.arrayContaining(["PATH", "HOME", "LANG", "MPLBACKEND", "MPLCONFIGDIR", "XDG_CACHE_HOME"]),
    );
    expect(values(argv, "--env")).toContain("MPLBACKEND=Agg");
  });
  test("the seccomp policy is kafel's, with the filter's numbers", () => {
    const policy = value(argv, "--seccomp_string")!;
    expect(policy).toStartWith("POLICY pymd { ERRNO(1) { SYSCALL[248], ");
    expect(policy).toContain("ERRNO(38) { SYSCALL[435] }");
    expect(policy).toEndWith("USE pymd DEFAULT ALLOW");
  });
  test("ends with the interpreter", () => {
    expect(argv.slice(-6)).toEqual(["--", "/usr/bin/python3", "-I", "-S", "-c", "pass"]);
  });
});
