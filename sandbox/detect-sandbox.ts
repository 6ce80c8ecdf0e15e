// Finds which jail works on this host (by actually running Python in it) and reports which
// limits are really enforced here, for `pymd doctor`.
import type { RunEvent } from "../protocol/run-frames.ts";
import { detectCgroups, noCgroups, type CgroupSupport } from "./cgroup-limits.ts";
import { explainJailFailure, hostKind, refusalMessage } from "./diagnose.ts";
import { findTool, isExecutable } from "./host-tools.ts";
import { JailProcess } from "./jail-process.ts";
import { planLaunch, type BackendName } from "./launch-plan.ts";
import { jailOutsideIds } from "./jail-spec.ts";
import { JAIL_UID_RANGE } from "./jail-uids.ts";
import { hostSeccompArch } from "./seccomp-filter.ts";
import { resolveLimits, type Limits } from "./policy.ts";

export type BackendPreference = "auto" | "nsjail" | "bwrap";

export interface BackendTrial {
  backend: "nsjail" | "bwrap";
  path: string | null;
  ok: boolean;
  /** What happened: the cause and the fix when known, then the jail's own last words. */
  detail: string;
}

/** Where the jail programs are: found in the system directories unless given (tests, a custom build). */
export interface ToolPaths {
  nsjail?: string;
  bwrap?: string;
}

export interface Detection {
  /** Set when execution was turned off on purpose: the refusal says this instead of a jail's failure. */
  disabledReason?: string;
  backend: "nsjail" | "bwrap" | null;
  tool: string | null;
  trials: BackendTrial[];
  cgroups: CgroupSupport;
}

/** Runs blocks in a fresh, short-lived jail and returns the events (used by probes and one-shot runs). */
export async function runOnce(
  backend: BackendName,
  tool: string | null,
  python: string,
  limits: Limits,
  cgroups: CgroupSupport,
  code: string,
): Promise<RunEvent[]> {
  const plan = planLaunch({ backend, tool, python, limits, longLived: false, cgroups });
  const jail = new JailProcess(plan, limits.maxOutputBytesPerBlock * 8 + 1024 * 1024);
  const events = await jail.request(
    {
      v: 1,
      type: "run",
      runId: "probe",
      blocks: [{ id: 0, code, line: 1 }],
      maxOutputBytes: limits.maxOutputBytesPerBlock,
    },
    { wallTimeMs: limits.wallTimeMs, runWallTimeMs: limits.runWallTimeMs, abortMode: "kill" },
  );
  await jail.close();
  return events;
}

function describeFailure(events: RunEvent[]): string {
  const err = events.find((e) => e.type === "host-error" || e.type === "error");
  if (!err) return "no answer from the runner";
  return err.type === "host-error" ? err.message : `${err.name}: ${err.value}`;
}

/** The jail's failure with its cause and fix in front when the text is recognised. */
function trialFailure(backend: "nsjail" | "bwrap", events: RunEvent[]): string {
  const raw = describeFailure(events);
  const why = explainJailFailure(backend, raw);
  return why ? `${why} [${raw}]` : raw;
}

const PROBE_LIMITS = resolveLimits({ wallTimeMs: 10_000, cpuSeconds: 10 });

export async function detectSandbox(
  preference: BackendPreference,
  python = "/usr/bin/python3",
  tools: ToolPaths = {},
  useCgroups = true,
): Promise<Detection> {
  const cgroups = useCgroups ? detectCgroups() : noCgroups(["per-run cgroups are turned off"]);
  const order: ("nsjail" | "bwrap")[] = preference === "auto" ? ["nsjail", "bwrap"] : [preference];
  const trials: BackendTrial[] = [];
  for (const backend of order) {
    const given = tools[backend];
    const path = given !== undefined ? (isExecutable(given) ? given : null) : findTool(backend);
    if (!path) {
      const where = given !== undefined ? `${given} is not an executable file` : `${backend} is not installed`;
      trials.push({
        backend,
        path,
        ok: false,
        detail: backend === "bwrap" && given === undefined ? `${where} (apt-get install bubblewrap)` : where,
      });
      continue;
    }
    const events = await runOnce(backend, path, python, PROBE_LIMITS, cgroups, "print('ok')");
    const ok = events.some((e) => e.type === "stdout" && e.text === "ok\n") && events.some((e) => e.type === "done");
    trials.push({ backend, path, ok, detail: ok ? "ran Python in the jail" : trialFailure(backend, events) });
    if (ok) return { backend, tool: path, trials, cgroups };
  }
  return { backend: null, tool: null, trials, cgroups };
}

export interface EnforcementReport {
  backend: "nsjail" | "bwrap" | "none" | "unavailable";
  trials: BackendTrial[];
  /** New user/pid/net/ipc/uts/mount namespaces (only with a jail). */
  namespaces: boolean;
  rlimits: {
    cpu: boolean;
    /** RLIMIT_DATA at the memory limit: one process's private memory (a MemoryError past it). */
    data: boolean;
    /** RLIMIT_AS at a generous backstop (addressSpaceBytes), not the memory limit. */
    addressSpace: boolean;
    fileSize: boolean;
    openFiles: boolean;
    /** RLIMIT_NPROC, set inside the jail's own user namespace so it counts that jail's processes only. */
    processes: "per-jail" | "host-account" | "not-set";
  };
  /** How the process count is capped: a pids cgroup per run, else RLIMIT_NPROC. */
  processes: "pids-cgroup" | "rlimit-nproc" | "none";
  /** How a run's total memory is capped: a memory cgroup, else the host's watchdog on the tree's resident memory. */
  memory: "cgroup" | "rss-watchdog";
  /** Where the server runs, which decides what a fix looks like. */
  host: "container" | "host";
  /** The host uid every jail shares (an unprivileged server's own account); null when each jail has its own (jailHostUidRange). */
  jailHostUid: number | null;
  /** A root server gives each jail (and each workspace's kernels) its own host uid from this range. */
  jailHostUidRange: { first: number; count: number } | null;
  /** The seccomp filter (seccomp-filter.ts) applies inside the jail. */
  seccomp: boolean;
  cgroup: { version: 1 | 2 | null; memory: boolean; pids: boolean; notes: string[] };
  wallClock: boolean;
  outputCap: boolean;
  /** What the probe saw from inside (absent when nothing can run). */
  inside: { uid: number; noNewPrivs: boolean; capEff: string; networkInterfaces: string[] } | null;
  python: { path: string; version: string | null; packages: Record<"matplotlib" | "numpy" | "pandas", string | null> };
  warnings: string[];
}

const INSIDE_PROBE = `
import os, json
def pkg(name):
    try:
        return __import__(name).__version__
    except Exception:
        return None
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
try:
    ifaces = sorted(os.listdir("/sys/class/net"))
except Exception:
    ifaces = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
import sys
print(json.dumps({"uid": os.getuid(), "noNewPrivs": status.get("NoNewPrivs", "").strip() == "1",
  "capEff": status.get("CapEff", "").strip(), "ifaces": ifaces,
  "version": "%d.%d.%d" % sys.version_info[:3],
  "packages": {n: pkg(n) for n in ("matplotlib", "numpy", "pandas")}}))
`;

export async function describeEnforcement(
  backend: "nsjail" | "bwrap" | "none" | "unavailable",
  tool: string | null,
  detection: Detection,
  python: string,
  limits: Limits,
): Promise<EnforcementReport> {
  const cg = detection.cgroups;
  const prlimit = backend === "nsjail" || findTool("prlimit") !== null;
  const warnings: string[] = [...cg.notes];
  const jailed = backend === "nsjail" || backend === "bwrap";
  const kind = hostKind();
  const report: EnforcementReport = {
    backend,
    trials: detection.trials,
    namespaces: jailed,
    rlimits: {
      cpu: prlimit,
      data: prlimit,
      addressSpace: prlimit,
      fileSize: prlimit,
      openFiles: prlimit,
      processes: jailed ? "per-jail" : cg.pidsParent === null && prlimit ? "host-account" : "not-set",
    },
    processes: cg.pidsParent !== null ? "pids-cgroup" : jailed || prlimit ? "rlimit-nproc" : "none",
    memory: cg.memoryParent !== null ? "cgroup" : "rss-watchdog",
    host: kind,
    jailHostUid: !jailed
      ? backend === "none"
        ? jailOutsideIds().uid
        : null
      : process.getuid?.() === 0
        ? null
        : jailOutsideIds().uid,
    jailHostUidRange: jailed && process.getuid?.() === 0 ? { ...JAIL_UID_RANGE } : null,
    seccomp: jailed && hostSeccompArch() !== null,
    cgroup: { version: cg.version, memory: cg.memoryParent !== null, pids: cg.pidsParent !== null, notes: cg.notes },
    wallClock: backend !== "unavailable",
    outputCap: backend !== "unavailable",
    inside: null,
    python: { path: python, version: null, packages: { matplotlib: null, numpy: null, pandas: null } },
    warnings,
  };
  if (!prlimit)
    warnings.push("prlimit (util-linux) is missing: CPU, memory, file size and open-file rlimits are not applied");
  if (!report.cgroup.pids && report.processes === "none")
    warnings.push("no pids cgroup: a fork bomb is only bounded by the wall-clock deadline and the pid namespace");
  if (!report.cgroup.memory && kind === "container")
    warnings.push(
      "no memory cgroup per run inside this container: each run is held to its memory limit by RLIMIT_DATA and a watchdog on its resident memory; bound the container as a whole with docker run --memory (e.g. --memory 2g)",
    );
  if (backend === "none")
    warnings.push(
      "running WITHOUT a sandbox (--unsafe-no-sandbox): notebook code can read and change everything the server user can",
    );
  if (backend === "unavailable") {
    warnings.push(refusalMessage(detection, kind));
    return report;
  }
  const events = await runOnce(
    backend,
    tool,
    python,
    {
      ...limits,
      wallTimeMs: Math.max(limits.wallTimeMs, 20_000),
      runWallTimeMs: Math.max(limits.runWallTimeMs, 20_000),
    },
    cg,
    INSIDE_PROBE,
  );
  const out = events.map((e) => (e.type === "stdout" ? e.text : "")).join("");
  try {
    const seen = JSON.parse(out.trim()) as {
      uid: number;
      noNewPrivs: boolean;
      capEff: string;
      ifaces: string[];
      version: string;
      packages: Record<"matplotlib" | "numpy" | "pandas", string | null>;
    };
    report.inside = { uid: seen.uid, noNewPrivs: seen.noNewPrivs, capEff: seen.capEff, networkInterfaces: seen.ifaces };
    report.python.version = seen.version;
    report.python.packages = seen.packages;
    for (const [name, v] of Object.entries(seen.packages))
      if (!v) warnings.push(`${name} is not importable inside the sandbox (Debian: apt-get install python3-${name})`);
  } catch {
    warnings.push(`the inside probe failed: ${describeFailure(events)}`);
  }
  return report;
}
