// The whole test suite: type check, format and lint, unit and integration tests (bun test), the compiled binary,
// then the browser end-to-end tests (Playwright). Prints one closing count line.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const bun = process.execPath;
const results: { name: string; passed: number; failed: number; skipped: number; ok: boolean }[] = [];

function step(name: string, cmd: string, args: string[], env: Record<string, string> = {}): number {
  console.log(`\n=== ${name}: ${[cmd, ...args].join(" ")}`);
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  console.log(`=== ${name}: exit ${r.status ?? r.signal} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r.status ?? 1;
}

function junitCounts(file: string): { passed: number; failed: number; skipped: number } | null {
  if (!existsSync(file)) return null;
  const xml = readFileSync(file, "utf8");
  const suites = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"(?:[^>]*\bskipped="(\d+)")?/.exec(xml);
  if (!suites) return null;
  const tests = Number(suites[1]);
  const failures = Number(suites[2]);
  const errors = Number(/<testsuites[^>]*\berrors="(\d+)"/.exec(xml)?.[1] ?? 0);
  const skipped = Number(suites[3] ?? /<testsuites[^>]*\bskipped="(\d+)"/.exec(xml)?.[1] ?? 0);
  return { passed: tests - failures - errors - skipped, failed: failures + errors, skipped };
}

mkdirSync(join(root, "test-results"), { recursive: true });

const tsc = step("typecheck", bun, ["x", "tsc", "--noEmit", "-p", "."]);
results.push({ name: "typecheck", passed: tsc === 0 ? 1 : 0, failed: tsc === 0 ? 0 : 1, skipped: 0, ok: tsc === 0 });

// the formatter and the linter (biome.jsonc): formatting, the lint rules and the import layering
const lint = step("format and lint", join(root, "node_modules", ".bin", "biome"), ["ci", "--reporter=summary", "."]);
results.push({ name: "biome", passed: lint === 0 ? 1 : 0, failed: lint === 0 ? 0 : 1, skipped: 0, ok: lint === 0 });

const unitReport = join(root, "test-results", "unit.xml");
const unit = step("unit and integration tests", bun, [
  "test",
  "--timeout",
  "60000",
  "--reporter=junit",
  `--reporter-outfile=${unitReport}`,
]);
const uc = junitCounts(unitReport) ?? { passed: 0, failed: unit === 0 ? 0 : 1, skipped: 0 };
results.push({ name: "bun test", ...uc, ok: unit === 0 });

const build = step("build", bun, ["run", "scripts/build.ts"]);
results.push({ name: "build", passed: build === 0 ? 1 : 0, failed: build === 0 ? 0 : 1, skipped: 0, ok: build === 0 });

if (build === 0) {
  const e2eReport = join(root, "test-results", "e2e.xml");
  const e2e = step("end-to-end tests", "node", [join(root, "node_modules", "@playwright", "test", "cli.js"), "test"], {
    PLAYWRIGHT_JUNIT_OUTPUT_NAME: e2eReport,
  });
  const ec = junitCounts(e2eReport) ?? { passed: 0, failed: e2e === 0 ? 0 : 1, skipped: 0 };
  results.push({ name: "playwright", ...ec, ok: e2e === 0 });
}

console.log("\n=== summary");
for (const r of results)
  console.log(
    `${r.name.padEnd(12)} ${r.ok ? "ok  " : "FAIL"} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`,
  );
const total = results.reduce((a, r) => ({ p: a.p + r.passed, f: a.f + r.failed, s: a.s + r.skipped }), {
  p: 0,
  f: 0,
  s: 0,
});
const allOk = results.every((r) => r.ok);
console.log(`${total.p} passed, ${total.f} failed, ${total.s} skipped`);
process.exit(allOk ? 0 : 1);
