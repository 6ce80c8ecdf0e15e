// The dependency direction of design.md §3. The linter (biome.jsonc) holds the import rules:
// protocol is a leaf, sandbox depends only on the run-frame protocol, the client never imports the
// server, lower server layers never import higher ones, only store/ opens SQLite and only http/
// and ws/ know Elysia; this file proves each rule catches a file that breaks it. What a linter
// cannot say is checked here directly: only sandbox/ spawns processes.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const p = join(ROOT, dir, name);
    if (statSync(p).isDirectory()) return sources(relative(ROOT, p));
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".gen.ts") ? [relative(ROOT, p)] : [];
  });
}

describe("architecture", () => {
  test("only sandbox/ spawns processes (tests and build scripts aside)", () => {
    const spawners = [...sources("server"), ...sources("protocol"), ...sources("client")]
      .filter((f) => !f.endsWith(".test.ts") && !f.startsWith("server/testing/"))
      .filter((f) => /Bun\.spawn|child_process|Bun\.\$|node:child_process/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(spawners).toEqual([]);
  });
});

/**
 * The import layering is the linter's (biome.jsonc's noRestrictedImports, run by npm test): each
 * rule is checked here by a file that breaks it, written for a moment where it would live.
 */
describe("the linter enforces the layering", () => {
  const BIOME = join(ROOT, "node_modules", ".bin", "biome");
  const lint = (path: string, text: string): string[] => {
    const file = join(ROOT, path.replace(/([^/]+)$/, `zz-layering-probe-${process.pid}-$1`));
    writeFileSync(file, text);
    try {
      const r = Bun.spawnSync([BIOME, "lint", "--reporter=json", "--max-diagnostics=50", file], {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
      });
      const report = JSON.parse(r.stdout.toString() || "{}") as {
        diagnostics?: { category: string; message: string }[];
      };
      return (report.diagnostics ?? [])
        .filter((d) => d.category === "lint/style/noRestrictedImports")
        .map((d) => d.message);
    } finally {
      rmSync(file, { force: true });
    }
  };
  const LOWER = "A lower layer never imports http/, ws/, cli/ or the composition root (app.ts, main.ts).";
  const cases: [string, string, string[]][] = [
    [
      "server/store/x.ts",
      'import "../http/router.ts";\nimport { SPA_PATHS } from "../http/client-routes.ts";\nexport const x = SPA_PATHS;\n',
      [LOWER, LOWER],
    ],
    ["server/sync/x.ts", 'import { startServer } from "../app.ts";\nexport const x = startServer;\n', [LOWER]],
    ["server/render/x.ts", 'import type { Ctx } from "../http/request-context.ts";\nexport type X = Ctx;\n', [LOWER]],
    [
      "server/documents/x.ts",
      'import { Database } from "bun:sqlite";\nimport { Elysia } from "elysia";\nexport const x = [Database, Elysia];\n',
      [
        "Only store/ opens SQLite; take the Database type from store/database.ts.",
        "Only http/ and ws/ know the web framework.",
      ],
    ],
    [
      "server/cli/x.ts",
      'import { Elysia } from "elysia";\nexport const x = Elysia;\n',
      ["Only http/ and ws/ know the web framework."],
    ],
    [
      "protocol/x.ts",
      'import { AppError } from "../server/errors.ts";\nexport const x = AppError;\n',
      ["protocol/ is the shared leaf: it imports nothing outside protocol/."],
    ],
    [
      "sandbox/x.ts",
      'import type { RunEvent } from "../protocol/run-frames.ts";\nimport type { ServerMessage } from "../protocol/ws-messages.ts";\nexport type X = [RunEvent, ServerMessage];\n',
      ["sandbox/ depends only on the run-frame protocol."],
    ],
    [
      "client/x.ts",
      'import { AppError } from "../server/errors.ts";\nexport const x = AppError;\n',
      ["client/ imports only client/ and protocol/."],
    ],
    [
      "server/ws/x.ts",
      'import type { Ctx } from "../http/request-context.ts";\nexport type X = Ctx;\n',
      ["ws/ never imports http/: what both need lives in auth/ (credentials) or log/ (metrics)."],
    ],
    // what is allowed stays allowed
    ["server/store/x.ts", 'import { Database } from "bun:sqlite";\nexport const x = Database;\n', []],
    [
      "server/http/x.ts",
      'import { Elysia } from "elysia";\nimport { AppError } from "../errors.ts";\nexport const x = [Elysia, AppError];\n',
      [],
    ],
  ];
  for (const [path, text, expected] of cases) {
    test(`${path}: ${expected.length ? expected.join(" / ") : "allowed"}`, () => {
      expect(lint(path, text)).toEqual(expected);
    }, 30_000);
  }
});
