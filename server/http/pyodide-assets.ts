// The Pyodide runtime the server hands to browsers: the files of the `pyodide` npm package, embedded
// gzip-compressed in the executable (scripts/build.ts), read from node_modules when running from
// source, or an admin's Pyodide release directory (--pyodide-dir), which adds its packages.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pyodidePackage from "pyodide/package.json" with { type: "json" };

/** The version of the built-in runtime (the npm package's). */
export const BUILT_IN_VERSION: string = pyodidePackage.version;

/** The files of the npm package the browser needs; nothing else of it is served. */
export const PYODIDE_CORE_FILES = [
  "pyodide.mjs",
  "pyodide.asm.mjs",
  "pyodide.asm.wasm",
  "python_stdlib.zip",
  "pyodide-lock.json",
];

const TYPES: Record<string, string> = {
  mjs: "text/javascript; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  wasm: "application/wasm",
  zip: "application/zip",
  whl: "application/zip",
  json: "application/json",
  tar: "application/x-tar",
  bz2: "application/x-bzip2",
  so: "application/octet-stream",
};

/** Every media type a runtime file is served as. */
export const PYODIDE_CONTENT_TYPES: string[] = [...new Set([...Object.values(TYPES), "application/octet-stream"])];

export const pyodideContentType = (file: string): string =>
  TYPES[file.split(".").pop() ?? ""] ?? "application/octet-stream";

/** A file of the runtime: its bytes, and whether they are gzip-compressed. */
export interface PyodideFile {
  body: Blob;
  gzip: boolean;
}

export interface PyodideAssets {
  /** Where the files come from: "embedded", "node_modules" or the directory. */
  readonly source: string;
  readonly version: string;
  /** Whether packages beyond the standard library can be loaded. */
  readonly packages: boolean;
  file(name: string): PyodideFile | null;
}

/** A file name the runtime may ask for: one path segment of ordinary characters. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;

async function embeddedTable(): Promise<Record<string, string> | null> {
  try {
    // The module exists only after a build; a literal specifier lets the bundler embed it.
    // biome-ignore lint/suspicious/noTsIgnore: the module exists only after a build; without one this import fails at run time and is handled
    // @ts-ignore
    const mod = (await import("./pyodide-assets.gen.ts")) as { PYODIDE_ASSETS: Record<string, string> };
    return mod.PYODIDE_ASSETS;
  } catch {
    return null;
  }
}

function packageDir(): string | null {
  try {
    const dir = join(import.meta.dir, "..", "..", "node_modules", "pyodide");
    return existsSync(join(dir, "pyodide.asm.wasm")) ? dir : null;
  } catch {
    return null;
  }
}

/** A distribution's version as its lock file gives it (a release's lock names the Python it is for). */
const versionIn = (lockJson: string): string => {
  try {
    const lock = JSON.parse(lockJson) as { info?: { version?: string; python?: string } };
    if (typeof lock.info?.version === "string") return lock.info.version;
    return typeof lock.info?.python === "string" ? `for Python ${lock.info.python}` : "unknown";
  } catch {
    return "unknown";
  }
};

/** The runtime this server offers: the admin's directory when set, else the built-in one; null when neither exists. */
export async function pyodideAssets(dir: string | null): Promise<PyodideAssets | null> {
  if (dir) {
    return {
      source: dir,
      version: versionIn(readFileSync(join(dir, "pyodide-lock.json"), "utf8")),
      packages: true,
      file(name) {
        if (!SAFE_NAME.test(name)) return null;
        const p = join(dir, name);
        try {
          if (!statSync(p).isFile()) return null;
        } catch {
          return null;
        }
        return { body: Bun.file(p), gzip: false };
      },
    };
  }
  const table = await embeddedTable();
  if (table) {
    return {
      source: "embedded",
      version: BUILT_IN_VERSION,
      packages: false,
      file: (name) => (Object.hasOwn(table, name) ? { body: Bun.file(table[name]!), gzip: true } : null),
    };
  }
  const pkg = packageDir();
  if (!pkg) return null;
  return {
    source: "node_modules",
    version: BUILT_IN_VERSION,
    packages: false,
    file: (name) => (PYODIDE_CORE_FILES.includes(name) ? { body: Bun.file(join(pkg, name)), gzip: false } : null),
  };
}
