#!/usr/bin/env node
// Runs the Bun pinned in package.json, whether or not its postinstall ran.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const candidates = [
  join(root, "node_modules", "bun", "bin", "bun.exe"),
  join(root, "node_modules", "@oven", "bun-linux-x64", "bin", "bun"),
  join(root, "node_modules", "@oven", "bun-linux-x64-baseline", "bin", "bun"),
  join(root, "node_modules", "@oven", "bun-linux-aarch64", "bin", "bun"),
  join(root, "node_modules", "@oven", "bun-darwin-aarch64", "bin", "bun"),
  join(root, "node_modules", "@oven", "bun-darwin-x64", "bin", "bun"),
];
function works(path) {
  if (!existsSync(path)) return false;
  const r = spawnSync(path, ["--version"], { stdio: "ignore" });
  return r.status === 0;
}
const bun = candidates.find(works);
if (!bun) {
  console.error("error: Bun is not installed; run `npm install` (it installs the pinned bun package)");
  process.exit(1);
}
const r = spawnSync(bun, process.argv.slice(2), { stdio: "inherit" });
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
