// Explains why a jail could not start on this host, in the words of where the server runs: a
// Docker/Podman container (which flags turn execution on), a VM as root or as a service user
// (which sysctl, package or AppArmor setting is in the way).
import { existsSync, readFileSync } from "node:fs";
import type { Detection } from "./detect-sandbox.ts";

export type HostKind = "container" | "host";

/** The flags of the README's `docker run` line, named once so every message says the same. */
export const DOCKER_EXEC_FLAGS =
  "--security-opt seccomp=pymd-seccomp.json --security-opt apparmor=unconfined --security-opt systempaths=unconfined";

/** A container engine's marker, or a container's overlay root (a /.dockerenv alone is also left in VM images built from containers). */
export function hostKind(): HostKind {
  if (existsSync("/run/.containerenv")) return "container";
  try {
    if (/docker|libpod|containerd|kubepods/.test(readFileSync("/proc/1/cgroup", "utf8"))) return "container";
  } catch {}
  try {
    if (existsSync("/.dockerenv") && / \/ \/ .* - overlay /.test(readFileSync("/proc/self/mountinfo", "utf8")))
      return "container";
  } catch {}
  return "host";
}

function readSysctl(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/**
 * One sentence naming the cause and the fix for a jail's start-up failure, or null when the
 * failure text matches nothing known (the raw text is shown then).
 */
export function explainJailFailure(
  backend: "nsjail" | "bwrap",
  detail: string,
  kind: HostKind = hostKind(),
): string | null {
  const d = detail.toLowerCase();
  const procMount = /mount proc|mount\('\/proc'|mount '\/proc'|mounting.*\/proc/.test(d);
  const nsDenied =
    /no permissions to creat(e|ing) new namespace|clone\(.*\) failed|unshare.*(operation not permitted|permission denied)|creating new namespace failed|setting up uid map: permission denied|newuidmap|clone_newuser/.test(
      d,
    );
  const uidMap = /uid_map|gid_map|setgroups/.test(d);
  if (kind === "container") {
    if (procMount)
      return (
        `the container masks /proc paths, so the jail cannot mount its own /proc: add --security-opt systempaths=unconfined ` +
        `(podman: --security-opt unmask=ALL) to docker run, as the README's line does (${DOCKER_EXEC_FLAGS})`
      );
    if (nsDenied || uidMap || /operation not permitted|permission denied/.test(d))
      return (
        `the container's seccomp or AppArmor profile forbids the namespaces the jail needs: start it with ${DOCKER_EXEC_FLAGS} ` +
        `(the profile ships in the repository and the image; see the README's "Run with Docker"), or --privileged`
      );
    return null;
  }
  if (nsDenied || (backend === "bwrap" && /operation not permitted|permission denied/.test(d))) {
    if (readSysctl("/proc/sys/kernel/unprivileged_userns_clone") === "0")
      return "unprivileged user namespaces are turned off: sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/ to keep it)";
    if (readSysctl("/proc/sys/user/max_user_namespaces") === "0")
      return "user namespaces are turned off: sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/ to keep it)";
    if (readSysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") === "1")
      return "AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+): install the bwrap AppArmor profile (apparmor-profiles, bwrap-userns-restrict) or set kernel.apparmor_restrict_unprivileged_userns=0";
    return "the kernel refused to create the jail's namespaces for this user; check user namespaces (sysctl user.max_user_namespaces) and any seccomp or AppArmor policy of the service";
  }
  if (procMount)
    return "this host does not let the jail mount its own /proc (a masked or read-only /proc, as in a container)";
  if (uidMap && backend === "nsjail")
    return "nsjail could not map the jail user for this account: run pymd as root or as an ordinary user with user namespaces allowed";
  return null;
}

/** What a user sees when a run is refused: the cause per jail and what turns execution on here. */
export function refusalMessage(detection: Detection, kind = hostKind()): string {
  if (detection.disabledReason) return `Code execution is disabled: ${detection.disabledReason}.`;
  const why = detection.trials.map((t) => `${t.backend}: ${t.detail}`).join("; ");
  if (kind === "container")
    return (
      "Code execution is disabled in this container: its security profile does not let the sandbox start" +
      `; run the container with ${DOCKER_EXEC_FLAGS} (the README's docker run line and compose.yaml) or --privileged` +
      (why ? `. Details: ${why}` : "") +
      "."
    );
  const installed = detection.trials.some((t) => t.path !== null);
  return (
    "Code execution is disabled: no working sandbox on this host" +
    (why ? ` (${why})` : "") +
    (installed
      ? ". Fix the cause above (pymd doctor shows it), or start the server with --unsafe-no-sandbox to run code without isolation (not recommended)."
      : ". Install bubblewrap (apt-get install bubblewrap) or nsjail, or start the server with --unsafe-no-sandbox to run code without isolation (not recommended).")
  );
}
