// The jails the sandbox suites run under: bubblewrap from the system, and nsjail from the system
// or from the test build in ../shared/tools/nsjail (PYMD_TEST_NSJAIL overrides). Each suite runs
// once per jail found; a missing one is said loudly, never silently skipped.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { ToolPaths } from "../detect-sandbox.ts";
import { findTool, isExecutable } from "../host-tools.ts";

export interface JailUnderTest {
  backend: "nsjail" | "bwrap";
  tools: ToolPaths;
}

const TEST_BUILD = join(import.meta.dir, "..", "..", "..", "shared", "tools", "nsjail", "nsjail");

function runs(path: string): string | null {
  const r = spawnSync(path, ["--help"], { encoding: "utf8" });
  if (r.error) return r.error.message;
  // nsjail prints its usage and exits 0; a missing shared library ends it before that
  return /--mode/.test(r.stdout + r.stderr) ? null : ((r.stderr || r.stdout).trim().split("\n")[0] ?? "no output");
}

let cached: JailUnderTest[] | null = null;

export function jailsUnderTest(): JailUnderTest[] {
  if (cached) return cached;
  const out: JailUnderTest[] = [];
  const bwrap = findTool("bwrap");
  if (bwrap) out.push({ backend: "bwrap", tools: {} });
  else console.warn("sandbox suites: bubblewrap is not installed, its suites do not run (apt-get install bubblewrap)");
  const nsjail = process.env.PYMD_TEST_NSJAIL || findTool("nsjail") || (isExecutable(TEST_BUILD) ? TEST_BUILD : null);
  if (!nsjail)
    console.warn(`sandbox suites: no nsjail (neither installed nor at ${TEST_BUILD}), its suites do not run`);
  else {
    const why = runs(nsjail);
    if (why) console.warn(`sandbox suites: ${nsjail} does not run (${why}); install libprotobuf32 libnl-route-3-200`);
    else out.push({ backend: "nsjail", tools: { nsjail } });
  }
  console.log(
    `sandbox suites run under: ${out.map((j) => `${j.backend}${j.tools.nsjail ? ` (${j.tools.nsjail})` : ""}`).join(", ") || "no jail"}`,
  );
  return (cached = out);
}
