// Runs every benchmark in turn and prints their figures; never fails a build.
import { readdirSync } from "node:fs";
import { join } from "node:path";

// The benchmarks seed data with this checkout's code and run dist/pymd: build it from the same code.
const build = Bun.spawnSync([process.execPath, "run", join(import.meta.dir, "..", "scripts", "build.ts")], {
  stdout: "inherit",
  stderr: "inherit",
});
if (build.exitCode !== 0) console.log("build failed; the figures below use whatever dist/pymd exists");

const skip = new Set(["run-all.ts", "bench-kit.ts", "load-generator.ts", "pymd-sample-document.ts"]);
const files = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith(".ts") && !skip.has(f))
  .sort();
for (const f of files) {
  console.log(`\n--- ${f}`);
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, f)], { stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) console.log(`(${f} exited ${r.exitCode}; its figures above are incomplete)`);
}
