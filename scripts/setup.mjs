#!/usr/bin/env node
// Installs what pymd needs on a fresh machine with only Node + npm: the npm packages (with the
// pinned Bun) and the Debian packages the server runs notebooks with; with --test also those the
// test suite uses. As root it installs them; otherwise it prints the exact command, and then
// `npm start` goes on (the server starts with code execution marked unavailable) while
// `npm test` stops.
import { existsSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const forTests = process.argv.includes("--test");

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function npmInstallNeeded() {
  const marker = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(marker)) return true;
  const lock = join(root, "package-lock.json");
  return statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

function bunWorks() {
  const r = spawnSync(process.execPath, [join(root, "scripts", "bun.mjs"), "--version"], { stdio: "ignore" });
  return r.status === 0;
}

if (npmInstallNeeded() || !bunWorks()) {
  console.log("setup: installing npm packages (npm ci)…");
  const code = run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
  if (code !== 0) {
    console.error("error: npm ci failed");
    process.exit(1);
  }
}
if (!bunWorks()) {
  console.error("error: the pinned Bun did not install; check that npm may run the 'bun' package's install script");
  process.exit(1);
}

// Debian packages: the sandbox (bubblewrap), the Python the notebooks run on and its plotting and
// table libraries, and the browser the end-to-end tests drive.
const RUNTIME_PACKAGES = [
  "bubblewrap",
  "util-linux",
  "python3",
  "python3-matplotlib",
  "python3-numpy",
  "python3-pandas",
  "python3-tabulate",
  "fonts-dejavu-core",
];
// chromium for the browser tests; the libraries of the nsjail test build (../shared/tools/nsjail)
// so the sandbox suites run under nsjail as well as bubblewrap; systemd-analyze checks the unit;
// poppler-utils reads the PDF exports back (pdftotext, pdfinfo) in their tests.
const TEST_PACKAGES = ["chromium", "libprotobuf32", "libnl-route-3-200", "systemd", "poppler-utils"];

function missingDebianPackages(names) {
  return names.filter((n) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
    const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", n], { encoding: "utf8" });
    return r.status !== 0 || !r.stdout.includes("install ok installed");
  });
}

if (!process.argv.includes("--npm-only")) {
  const wanted = forTests ? [...RUNTIME_PACKAGES, ...TEST_PACKAGES] : RUNTIME_PACKAGES;
  if (!existsSync("/usr/bin/dpkg-query")) {
    console.warn(
      `setup: not a Debian/Ubuntu system; make sure bubblewrap, python3 with matplotlib/numpy/pandas/tabulate${forTests ? ", and chromium" : ""} are installed`,
    );
  } else {
    const missing = missingDebianPackages(wanted);
    if (missing.length > 0) {
      const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
      if (!isRoot) {
        const line = `sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`;
        if (forTests) {
          console.error(`error: the test suite needs Debian packages that are missing. Run:\n  ${line}`);
          process.exit(1);
        }
        console.warn(
          `setup: notebooks need Debian packages that are missing; until they are installed the server runs with code execution unavailable. Run:\n  ${line}`,
        );
      } else {
        console.log(`setup: installing Debian packages: ${missing.join(" ")}`);
        const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
        if (run("apt-get", ["update", "-qq"], { env }) !== 0) {
          console.error("error: apt-get update failed");
          process.exit(1);
        }
        if (run("apt-get", ["install", "-y", "-qq", ...missing], { env }) !== 0) {
          console.error(`error: apt-get install failed for: ${missing.join(" ")}`);
          process.exit(1);
        }
      }
    }
  }
}
