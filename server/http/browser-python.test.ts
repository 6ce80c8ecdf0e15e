// The browser runtime as the server serves it: what GET /api/v1/browser-python says, the Pyodide
// files (readable across origins, never anything outside the runtime), the runner's modules, and
// the sandbox frame's policy, which lets its scripts load only the runtime's files. A --pyodide-dir
// that is not a Pyodide distribution stops the server with the reason.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/config.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

describe("browser Python", () => {
  test("the runtime is offered with the standard library only and the runner's modules", async () => {
    const r = await srv.anonymous().json("GET", "/api/v1/browser-python");
    expect(r.status).toBe(200);
    expect(r.body.available).toBe(true);
    expect(r.body.packages).toBe(false);
    expect(r.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.body.modules).toEqual(["pymd_io", "pymd_display", "pymd_helpers", "pymd_traceback", "pymd_exec"]);
  });

  test("Pyodide's files are served to any origin, and nothing else is", async () => {
    const a = srv.anonymous();
    const wasm = await a.req("GET", "/assets/pyodide/pyodide.asm.wasm");
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect(wasm.headers.get("access-control-allow-origin")).toBe("*");
    expect(wasm.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    for (const bad of ["package.json", "README.md", "..%2Fpackage.json", "pyodide.js.map"]) {
      expect((await a.req("GET", `/assets/pyodide/${bad}`)).status).toBe(404);
    }
    const mod = await a.req("GET", "/assets/pyodide/pymd/pymd_display.py");
    expect(mod.status).toBe(200);
    expect(await mod.text()).toContain("def display_result(");
    expect((await a.req("GET", "/assets/pyodide/pymd/pymd_main.py")).status).toBe(404);
    // the site's own pages keep their same-origin policy
    expect((await a.req("GET", "/api/v1/health")).headers.get("cross-origin-resource-policy")).toBe("same-origin");
  });

  test("the sandbox frame may load only the runtime's scripts and files", async () => {
    const r = await srv.anonymous().req("GET", "/python-sandbox.html");
    expect(r.status).toBe(200);
    const csp = r.headers.get("content-security-policy")!;
    const origin = new URL(srv.url).origin;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`connect-src ${origin}/python-worker.js ${origin}/assets/pyodide/;`);
    expect(csp).toContain(`script-src ${origin}/python-sandbox.js ${origin}/assets/pyodide/ blob: 'wasm-unsafe-eval';`);
    expect(csp).not.toContain("connect-src 'self'");
    expect(r.headers.get("x-frame-options")).toBeNull();
    expect(await r.text()).toContain('<script src="/python-sandbox.js">');
  });

  test("a --pyodide-dir that is not a Pyodide distribution is refused with what is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "pymd-pyodide-"));
    try {
      writeFileSync(join(dir, "pyodide.mjs"), "");
      expect(() => loadConfig({ "pyodide-dir": dir }, {})).toThrow(
        /is not a Pyodide distribution: it has no pyodide\.asm\.mjs/,
      );
      expect(() => loadConfig({}, { PYMD_PYODIDE_DIR: join(dir, "nowhere") })).toThrow(/does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
