// Tests that the bwrap command line carries every part of the policy.
import { describe, expect, test } from "bun:test";
import { bwrapArgv } from "./bwrap-backend.ts";
import type { JailSpec } from "./jail-spec.ts";
import { resolveLimits } from "./policy.ts";

const spec: JailSpec = {
  python: "/usr/bin/python3",
  pythonArgs: ["-I", "-S", "-c", "pass"],
  limits: resolveLimits({ tmpfsBytes: 8 * 1024 * 1024 }),
  longLived: false,
  exists: (p) => p !== "/etc/mime.types",
  outside: { uid: 1000, gid: 1000 },
  seccomp: "x86_64",
};

const pairs = (argv: string[], flag: string): string[][] =>
  argv.flatMap((a, i) => (a === flag ? [argv.slice(i + 1, i + 3)] : []));

describe("bwrapArgv", () => {
  const argv = bwrapArgv("/usr/bin/bwrap", spec);
  test("new namespaces, no privileges, dies with the host", () => {
    for (const f of [
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--die-with-parent",
      "--new-session",
      "--clearenv",
    ])
      expect(argv).toContain(f);
    expect(argv.slice(argv.indexOf("--uid"), argv.indexOf("--uid") + 2)).toEqual(["--uid", "65534"]);
    expect(argv.slice(argv.indexOf("--cap-drop"), argv.indexOf("--cap-drop") + 2)).toEqual(["--cap-drop", "ALL"]);
    expect(argv).not.toContain("--share-net");
  });
  test("read-only system, size-capped /tmp, read-only root", () => {
    expect(pairs(argv, "--ro-bind")).toContainEqual(["/usr", "/usr"]);
    expect(pairs(argv, "--ro-bind")).toContainEqual(["/etc/alternatives", "/etc/alternatives"]);
    expect(pairs(argv, "--ro-bind")).not.toContainEqual(["/etc/mime.types", "/etc/mime.types"]);
    expect(argv.join(" ")).toContain(`--size ${8 * 1024 * 1024} --tmpfs /tmp`);
    expect(argv.join(" ")).toContain(`--perms 1777 --size ${8 * 1024 * 1024} --tmpfs /dev/shm`);
    expect(argv.join(" ")).toContain("--remount-ro /");
    expect(pairs(argv, "--bind")).toEqual([]);
  });
  test("only the allowed environment", () => {
    const env = pairs(argv, "--setenv").map(([k]) => k);
    expect(env).toEqual(
      expect.arrayContaining(["PATH", "HOME", "LANG", "MPLBACKEND", "MPLCONFIGDIR", "XDG_CACHE_HOME"]),
    );
    for (const k of env)
      expect([
        "PATH",
        "HOME",
        "LANG",
        "MPLBACKEND",
        "MPLCONFIGDIR",
        "XDG_CACHE_HOME",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
      ]).toContain(k!);
  });
  test("the seccomp program is read from the descriptor the launcher opens", () => {
    expect(argv.slice(argv.indexOf("--seccomp"), argv.indexOf("--seccomp") + 2)).toEqual(["--seccomp", "3"]);
    expect(bwrapArgv("/usr/bin/bwrap", { ...spec, seccomp: null })).not.toContain("--seccomp");
  });
  test("ends with the interpreter and its arguments", () => {
    expect(argv.slice(-6)).toEqual(["--", "/usr/bin/python3", "-I", "-S", "-c", "pass"]);
  });
});
