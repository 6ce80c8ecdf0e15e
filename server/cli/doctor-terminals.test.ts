// `pymd doctor` on terminals: whether they are on, and whether a shell really starts in the jail
// and answers; --terminals / PYMD_TERMINALS as the server reads them. And whether the PDF export
// lays out a page.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "main.ts");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pymd-doctor-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function doctor(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([process.execPath, MAIN, "doctor", "--data-dir", join(dir, "data"), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin", HOME: dir, ...env },
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

test("doctor starts a shell in the jail and says terminals work", () => {
  const r = doctor(["--json"]);
  const report = JSON.parse(r.out);
  expect(report.terminals).toEqual({ enabled: true, works: true, problem: null });
  expect(doctor([]).out).toMatch(/^terminals\s+on, a shell starts in the jail and answers$/m);
}, 60_000);

test("doctor lays out a PDF and says the export works", () => {
  const report = JSON.parse(doctor(["--json"]).out);
  expect(report.pdf).toEqual({
    ok: true,
    detail: expect.stringMatching(/^works: Typst built in, a one-page PDF in \d+ ms$/),
  });
  expect(doctor([]).out).toMatch(/^PDF export\s+works: Typst built in/m);
}, 60_000);

test("doctor says which Python the reader's browser gets, and whether packages load", () => {
  const report = JSON.parse(doctor(["--json"]).out);
  expect(report.browserPython).toMatchObject({ available: true, packages: false });
  expect(report.browserPython.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(doctor([]).out).toMatch(/^browser Python\s+Pyodide \d+\.\d+\.\d+ \(\w+\): standard library only/m);
}, 60_000);

test("doctor reports terminals off from the flag and from PYMD_TERMINALS; a bad value is a usage error", () => {
  expect(JSON.parse(doctor(["--json", "--terminals", "off"]).out).terminals).toEqual({
    enabled: false,
    works: false,
    problem: null,
  });
  expect(doctor([], { PYMD_TERMINALS: "off" }).out).toMatch(/^terminals\s+off \(--terminals off\)$/m);
  const bad = doctor(["--terminals", "maybe"]);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("--terminals / PYMD_TERMINALS");
}, 60_000);
