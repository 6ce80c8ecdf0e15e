// The cause-and-fix sentences for jails that cannot start, from the exact words the jails print
// in the places people run pymd (a container under Docker's default profile or without the
// README's systempaths flag, a VM with user namespaces restricted).
import { describe, expect, test } from "bun:test";
import { DOCKER_EXEC_FLAGS, explainJailFailure, refusalMessage } from "./diagnose.ts";

describe("explainJailFailure", () => {
  test("in a container, a refused /proc mount names systempaths=unconfined", () => {
    for (const [backend, raw] of [
      [
        "bwrap",
        "the Python process ended unexpectedly (exit 1): bwrap: Can't mount proc on /newroot/proc: Operation not permitted",
      ],
      [
        "nsjail",
        "the Python process ended unexpectedly (exit 255): [W][2026-12-01T09:35:41+0000][1] mountPt():224 procfs can only be mounted if the original /proc doesn't have any other file-systems mounted on top of it (e.g. /dev/null on top of /proc/kcore): Operation not permitted\n[E][2026-12-01T09:35:41+0000][1] initCloneNs():411 Couldn't mount '/proc'\n[F][2026-12-01T09:35:41+0000][1] runChild():486 Launching child process failed",
      ],
    ] as const) {
      const why = explainJailFailure(backend, raw, "container");
      expect(why).toStartWith(
        "the container masks /proc paths, so the jail cannot mount its own /proc: add --security-opt systempaths=unconfined",
      );
    }
  });

  test("in a container, refused namespaces name the seccomp profile and the README's flags", () => {
    for (const [backend, raw] of [
      [
        "bwrap",
        "the Python process ended unexpectedly (exit 1): bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.",
      ],
      [
        "bwrap",
        "the Python process ended unexpectedly (exit 1): bwrap: Can't set hostname to sandbox: Operation not permitted",
      ],
      [
        "nsjail",
        "the Python process ended unexpectedly (exit 255): [W][2026-12-01T09:35:45+0000][10] runChild():491 clone(flags=CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET) failed: Operation not permitted\n[E][2026-12-01T09:35:45+0000][10] standaloneMode():275 Couldn't launch the child process",
      ],
    ] as const) {
      const why = explainJailFailure(backend, raw, "container");
      expect(why).toContain("forbids the namespaces the jail needs");
      expect(why).toContain(DOCKER_EXEC_FLAGS);
    }
  });

  test("on a host, refused namespaces point at user namespace settings; unknown text gives null", () => {
    const why = explainJailFailure(
      "bwrap",
      "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.",
      "host",
    );
    expect(why).not.toBeNull();
    expect(why).toMatch(/user namespaces|AppArmor/);
    expect(
      explainJailFailure("nsjail", "the Python process ended unexpectedly (exit 3): something else", "host"),
    ).toBeNull();
  });
});

describe("refusalMessage", () => {
  const detection = {
    backend: null,
    tool: null,
    cgroups: { version: null, memoryParent: null, pidsParent: null, notes: [] },
    trials: [
      {
        backend: "bwrap" as const,
        path: "/usr/bin/bwrap",
        ok: false,
        detail: "the container's seccomp or AppArmor profile forbids ...",
      },
    ],
  };
  test("in a container it starts with the sentence a user sees and names the docker flags", () => {
    const m = refusalMessage(detection, "container");
    expect(m).toStartWith(
      `Code execution is disabled in this container: its security profile does not let the sandbox start; run the container with ${DOCKER_EXEC_FLAGS}`,
    );
    expect(m).toContain("Details: bwrap: the container's seccomp");
  });
  test("on a host with a jail installed it points at the cause rather than at installing one", () => {
    const m = refusalMessage(detection, "host");
    expect(m).toContain("Fix the cause above (pymd doctor shows it)");
    expect(m).not.toContain("Install bubblewrap");
  });
});
