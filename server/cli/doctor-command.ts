// `pymd doctor`: checks this host for running notebooks: the jail, the limits it enforces, Python
// and its packages, and the data directory.
import { renderPdf } from "../render/render-pdf.ts";
import { accessSync, constants, existsSync } from "node:fs";
import { loadConfig, ConfigError } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { sandboxFor } from "../app.ts";
import { addressSpaceBytes } from "../../sandbox/policy.ts";
import { databasePath } from "../store/database.ts";
import { pyodideAssets } from "../http/pyodide-assets.ts";
import { VERSION } from "../version.ts";
import { UsageError, expectPositionals } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";
import type { Sandbox } from "../../sandbox/index.ts";

/** Whether a terminal's shell starts in the jail and answers: null when it does, else why not. */
async function tryTerminal(sandbox: Sandbox): Promise<string | null> {
  const t = sandbox.startTerminal({ rows: 24, cols: 80 });
  if (typeof t === "string") return t;
  const killer = setTimeout(() => t.kill("no answer within 15 s"), 15_000);
  t.write(new TextEncoder().encode("echo ok-$((6*7))\rexit 0\r"));
  let out = "";
  const dec = new TextDecoder();
  try {
    for (;;) {
      const e = await t.next();
      if (e.type === "exit")
        return /ok-42/.test(out) ? null : (e.reason ?? `the shell ended (status ${e.code}) without answering`);
      out = (out + dec.decode(e.data, { stream: true })).slice(-4096);
    }
  } finally {
    clearTimeout(killer);
    await t.close();
  }
}

const yes = (b: boolean) => (b ? "yes" : "NO");

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check the sandbox, its limits, Python and packages on this host",
  usage: `pymd doctor [--json] [--data-dir DIR] [--sandbox auto|nsjail|bwrap] [--unsafe-no-sandbox] [--terminals on|off] [--pyodide-dir DIR]

Exit code 0 when notebooks can run in a jail with Python, matplotlib, numpy and pandas;
1 when something is missing (each problem is listed with what to install).`,
  flags: {
    ...COMMON_FLAGS,
    json: "boolean",
    "data-dir": "value",
    sandbox: "value",
    "unsafe-no-sandbox": "boolean",
    terminals: "value",
    "pyodide-dir": "value",
  },
  async run(args) {
    expectPositionals(args, []);
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({
        "data-dir": args.flags["data-dir"],
        sandbox: args.flags.sandbox,
        "unsafe-no-sandbox": args.flags["unsafe-no-sandbox"],
        terminals: args.flags.terminals,
        "pyodide-dir": args.flags["pyodide-dir"],
      });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message, { oneLine: true });
      throw e;
    }
    const sandbox = await sandboxFor(config, createLogger({ level: "error", format: "text" }))();
    const report = await sandbox.describe();
    const problems: string[] = [...report.warnings];
    for (const [name, version] of Object.entries(report.python.packages)) {
      if (!version)
        problems.push(`python package ${name} is missing inside the jail (apt-get install python3-${name})`);
    }
    // terminals: off by the admin's choice, else a shell is started in the jail and must answer
    const terminalProblem = config.terminals === "off" ? null : await tryTerminal(sandbox);
    const terminals =
      config.terminals === "off"
        ? "off (--terminals off)"
        : terminalProblem === null
          ? "on, a shell starts in the jail and answers"
          : `on, but NOT working: ${terminalProblem}`;
    if (config.terminals === "on" && terminalProblem !== null && sandbox.backend !== "unavailable")
      problems.push(`terminals do not work: ${terminalProblem}`);
    // the PDF export: its Typst compiler lays out a small document with a formula
    const pdf = await tryPdf();
    if (!pdf.ok) problems.push(`the PDF export does not work: ${pdf.detail}`);
    // Python in the reader's browser: the Pyodide runtime this binary serves, and whether packages load
    const pyodide = await pyodideAssets(config.pyodideDir);
    const browserPython = !pyodide
      ? "NOT available: the Pyodide runtime is not in this build"
      : pyodide.packages
        ? `Pyodide ${pyodide.version} from ${pyodide.source}: packages load on import`
        : `Pyodide ${pyodide.version} (${pyodide.source}): standard library only (--pyodide-dir adds packages)`;
    const db = databasePath(config.dataDir);
    let dataDir = "absent (created on first start)";
    if (existsSync(config.dataDir)) {
      try {
        accessSync(config.dataDir, constants.W_OK);
        dataDir = existsSync(db) ? "writable, database present" : "writable, no database yet";
      } catch {
        dataDir = "NOT writable";
        problems.push(`the data directory ${config.dataDir} is not writable`);
      }
    }
    const ok =
      (report.backend === "nsjail" || report.backend === "bwrap") &&
      report.python.version !== null &&
      Object.values(report.python.packages).every(Boolean);
    if (args.flags.json) {
      console.log(
        JSON.stringify(
          {
            version: VERSION,
            ok,
            sandbox: report,
            terminals: {
              enabled: config.terminals === "on",
              works: config.terminals === "on" && terminalProblem === null,
              problem: terminalProblem,
            },
            pdf,
            browserPython: {
              available: pyodide !== null,
              version: pyodide?.version ?? null,
              source: pyodide?.source ?? null,
              packages: pyodide?.packages ?? false,
            },
            dataDir: { path: config.dataDir, status: dataDir },
            problems,
          },
          null,
          2,
        ),
      );
      return ok ? 0 : 1;
    }
    const lines = [
      `pymd ${VERSION} doctor`,
      "",
      `sandbox backend     ${report.backend}`,
      ...report.trials.map((t) => `  tried ${t.backend.padEnd(7)} ${t.ok ? "ok" : "failed"}: ${t.detail}`),
      `namespaces          ${yes(report.namespaces)} (user, pid, net, ipc, uts, mount)`,
      `wall-clock deadline ${yes(report.wallClock)} (${sandbox.limits.wallTimeMs / 1000} s, kills the whole process tree)`,
      `output cap          ${yes(report.outputCap)} (${sandbox.limits.maxOutputBytesPerBlock} bytes per block, ${sandbox.limits.maxOutputBytesPerSecond} bytes/s over time)`,
      `rlimit CPU          ${yes(report.rlimits.cpu)} (${sandbox.limits.cpuSeconds} s)`,
      `rlimit memory       ${yes(report.rlimits.data)} (RLIMIT_DATA ${Math.round(sandbox.limits.memoryBytes / 1048576)} MiB per process; address space capped at ${Math.round(addressSpaceBytes(sandbox.limits) / 1048576)} MiB)`,
      `memory per run      ${report.memory === "cgroup" ? "memory cgroup" : "watchdog on the run's resident memory (no memory cgroup here)"} (${Math.round(sandbox.limits.memoryBytes / 1048576)} MiB)`,
      `rlimit file size    ${yes(report.rlimits.fileSize)}`,
      `rlimit open files   ${yes(report.rlimits.openFiles)}`,
      `rlimit processes    ${report.rlimits.processes}${report.rlimits.processes === "per-jail" ? " (RLIMIT_NPROC inside the jail's own user namespace)" : ""}`,
      `host                ${report.host === "container" ? "a container" : "a host (VM or machine)"}, server uid ${process.getuid?.() ?? "?"}`,
      `seccomp filter      ${yes(report.seccomp)} (keyrings, io_uring, userfaultfd, ptrace, mounts and namespaces, kexec, bpf, perf, modules: EPERM)`,
      `jail host uid       ${report.jailHostUidRange ? `one per jail from ${report.jailHostUidRange.first}..${report.jailHostUidRange.first + report.jailHostUidRange.count - 1}` : `${report.jailHostUid ?? "-"}, shared by every jail (an unprivileged server can map only its own uid)`}`,
      `cgroup              ${report.cgroup.version ? `v${report.cgroup.version}` : "none writable"}; memory ${yes(report.cgroup.memory)}, pids ${yes(report.cgroup.pids)} (${sandbox.limits.maxProcesses})`,
      report.inside
        ? `inside the jail     uid ${report.inside.uid}, no_new_privs ${yes(report.inside.noNewPrivs)}, capabilities ${report.inside.capEff}, network interfaces: ${report.inside.networkInterfaces.join(", ") || "none"}`
        : "inside the jail     (could not run)",
      `python              ${report.python.path} ${report.python.version ?? "(not runnable)"}`,
      ...Object.entries(report.python.packages).map(([n, v]) => `  ${n.padEnd(17)} ${v ?? "MISSING"}`),
      `terminals           ${terminals}`,
      `PDF export          ${pdf.ok ? pdf.detail : `NOT working: ${pdf.detail}`}`,
      `browser Python      ${browserPython}`,
      `data directory      ${config.dataDir}: ${dataDir}`,
      "",
      ...(problems.length ? ["Problems:", ...problems.map((p) => `  - ${p}`)] : ["No problems found."]),
    ];
    console.log(lines.join("\n"));
    return ok ? 0 : 1;
  },
};

/** Makes a one-page PDF with a heading and a formula, as the export would. */
async function tryPdf(): Promise<{ ok: boolean; detail: string }> {
  try {
    const t0 = performance.now();
    const pdf = await renderPdf("# # pymd doctor\n# $e^{i\\pi} + 1 = 0$\n", undefined, {
      title: "pymd doctor",
      paper: "a4",
    });
    if (Buffer.from(pdf.subarray(0, 5)).toString() !== "%PDF-")
      return { ok: false, detail: "the compiler did not answer a PDF" };
    return { ok: true, detail: `works: Typst built in, a one-page PDF in ${Math.round(performance.now() - t0)} ms` };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
