// Enforces the dependency direction of design.md §3: protocol is a leaf, sandbox depends only on the
// run-frame protocol, the client
// never imports the server, lower server layers never import higher ones, and only sandbox/
// spawns processes.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const p = join(ROOT, dir, name);
    if (statSync(p).isDirectory()) return sources(relative(ROOT, p));
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".gen.ts") ? [relative(ROOT, p)] : [];
  });
}

interface Import {
  file: string;
  target: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4]!;
    if (!spec.startsWith(".")) continue;
    out.push({ file, target: relative(ROOT, resolve(dirname(join(ROOT, file)), spec)), typeOnly: Boolean(m[2]) });
  }
  return out;
}

const top = (p: string) => p.split("/")[0]!;
const layer = (p: string) => (p.startsWith("server/") ? p.split("/")[1]! : "");

describe("architecture", () => {
  test("protocol/ imports nothing outside protocol/", () => {
    const bad = sources("protocol").flatMap(importsOf).filter((i) => top(i.target) !== "protocol");
    expect(bad).toEqual([]);
  });

  test("sandbox/ imports nothing of ours but the run-frame protocol", () => {
    const bad = sources("sandbox")
      .flatMap(importsOf)
      .filter((i) => top(i.target) !== "sandbox" && i.target !== "protocol/run-frames.ts");
    expect(bad).toEqual([]);
  });

  test("client/ imports only client/ and protocol/", () => {
    const bad = sources("client").flatMap(importsOf).filter((i) => !["client", "protocol"].includes(top(i.target)));
    expect(bad).toEqual([]);
  });

  test("lower server layers never import http, ws, cli or the composition root", () => {
    const lower = new Set(["store", "render", "auth", "documents", "config", "log", "runtime", "sync", "errors.ts", "version.ts"]);
    const higher = new Set(["http", "ws", "cli", "app.ts", "main.ts"]);
    const bad = sources("server")
      .filter((f) => !f.endsWith(".test.ts") && lower.has(layer(f)))
      .flatMap(importsOf)
      .filter((i) => higher.has(layer(i.target)));
    expect(bad).toEqual([]);
  });

  test("only sandbox/ spawns processes (tests and build scripts aside)", () => {
    const spawners = [...sources("server"), ...sources("protocol"), ...sources("client")]
      .filter((f) => !f.endsWith(".test.ts") && !f.startsWith("server/testing/"))
      .filter((f) => /Bun\.spawn|child_process|Bun\.\$|node:child_process/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(spawners).toEqual([]);
  });
});
