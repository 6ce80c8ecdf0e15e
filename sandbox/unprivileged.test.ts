// Both jails as an ordinary user, as in a container run with --user 1000 or a systemd service
// with User=pymd: a separate process drops to uid 1000 (setpriv) and runs Python in each jail.
import { describe, expect, test } from "bun:test";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTool } from "./host-tools.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const UID = 1000;
const setpriv = findTool("setpriv");
const isRoot = process.getuid?.() === 0;

/** Whether uid 1000 can read this checkout and run Bun (a checkout under a private home cannot be). */
function readableByOthers(): boolean {
  const r = Bun.spawnSync(
    [setpriv!, `--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "--", process.execPath, "--version"],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (r.exitCode !== 0) return false;
  const t = Bun.spawnSync([
    setpriv!,
    `--reuid=${UID}`,
    `--regid=${UID}`,
    "--clear-groups",
    "--",
    "/usr/bin/test",
    "-r",
    join(import.meta.dir, "index.ts"),
  ]);
  return t.exitCode === 0;
}

const usable = isRoot && setpriv !== null && readableByOthers();
if (!usable)
  console.warn(
    `unprivileged jail suite skipped: ${!isRoot ? "needs root to drop to uid 1000" : "uid 1000 cannot read this checkout or run Bun"}`,
  );

describe.skipIf(!usable)("as an ordinary user (uid 1000)", () => {
  for (const jail of jailsUnderTest())
    test(`${jail.backend} runs Python as the jail's nobody, mapped to uid 1000 on the host`, () => {
      const dir = mkdtempSync(join(tmpdir(), "pymd-unpriv-"));
      try {
        chmodSync(dir, 0o755);
        const script = join(dir, "probe.ts");
        writeFileSync(
          script,
          `import { readdirSync, readFileSync } from "node:fs";
import { createSandbox } from ${JSON.stringify(join(import.meta.dir, "index.ts"))};
const sb = await createSandbox({ backend: ${JSON.stringify(jail.backend)}, tools: ${JSON.stringify(jail.tools)} });
// while the block sleeps, the host uid of the jailed interpreter, seen from the host's /proc
let hostUids = [];
const look = () => {
  for (const n of readdirSync("/proc")) {
    if (!/^\\d+$/.test(n)) continue;
    try {
      if (!readFileSync("/proc/" + n + "/cmdline", "utf8").includes("--cpu-per-request")) continue;
      if (!readFileSync("/proc/" + n + "/comm", "utf8").startsWith("python")) continue;
      // only this process's own jails (other suites may run jails at the same time)
      let p = Number(n), mine = false;
      for (let hops = 0; p > 1 && hops < 64 && !mine; hops++) {
        const st = readFileSync("/proc/" + p + "/stat", "utf8");
        p = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
        mine = p === process.pid;
      }
      if (!mine) continue;
      hostUids.push(Number(/^Uid:\\s+(\\d+)/m.exec(readFileSync("/proc/" + n + "/status", "utf8"))[1]));
    } catch {}
  }
};
const ev = await sb.run([{ id: 0, code: "import os, time\\nprint(os.getuid(), flush=True)\\ntime.sleep(1)", line: 1 }], (e) => { if (e.type === "stdout") look(); });
const r = await sb.describe();
console.log(JSON.stringify({ backend: sb.backend, refusal: sb.refusal, out: ev.map((e) => (e.type === "stdout" ? e.text : "")).join(""), hostUids, hostUid: r.jailHostUid, processes: r.rlimits.processes }));`,
        );
        chmodSync(script, 0o644);
        accessSync(script, constants.R_OK);
        const r = Bun.spawnSync(
          [setpriv!, `--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "--", process.execPath, script],
          {
            cwd: dir,
            env: { PATH: "/usr/bin:/bin", HOME: dir },
            stdout: "pipe",
            stderr: "pipe",
          },
        );
        const line = r.stdout.toString().trim().split("\n").at(-1) ?? "";
        expect({ code: r.exitCode, err: r.exitCode === 0 ? "" : r.stderr.toString() }).toEqual({ code: 0, err: "" });
        const got = JSON.parse(line) as {
          backend: string;
          refusal: string | null;
          out: string;
          hostUids: number[];
          hostUid: number;
          processes: string;
        };
        expect(got.refusal).toBeNull();
        expect(got.backend).toBe(jail.backend);
        // inside: nobody; on the host: the service user itself, never root
        expect(got.out).toBe("65534\n");
        expect(got.hostUids.length).toBeGreaterThan(0);
        expect([...new Set(got.hostUids)]).toEqual([UID]);
        expect(got.hostUid).toBe(UID);
        expect(got.processes).toBe("per-jail");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
});
