// Python in the reader's browser with packages: a server started with --pyodide-dir serves a
// Pyodide distribution assembled here from the npm package's files and one pure-Python wheel
// built by this test; a public notebook imports the package and its code runs in the browser.
import { expect, test } from "@playwright/test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePortSync } from "./free-port.ts";

const PORT = freePortSync();
const BASE = `http://127.0.0.1:${PORT}`;
const DATA = `.tmp/e2e-pyodide-dir-${PORT}`;
const DIST = resolve(`.tmp/e2e-pyodide-dist-${PORT}`);
const WHEEL = "greeting-1.0-py3-none-any.whl";
let server: ChildProcess;
let log = "";

/** A wheel of one module, made with Python's zipfile (the layout pip and micropip install). */
function buildWheel(path: string): void {
  const py = `
import zipfile, hashlib, base64, sys
files = {
  "greeting/__init__.py": "def hello(name):\\n    return 'Hello, %s, from a package of this server' % name\\n",
  "greeting-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: greeting\\nVersion: 1.0\\n",
  "greeting-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: pymd-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append("greeting-1.0.dist-info/RECORD,,")
    z.writestr("greeting-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
  const r = spawnSync("python3", ["-c", py, path]);
  expect(r.status, r.stderr.toString()).toBe(0);
}

test.beforeAll(async () => {
  rmSync(DATA, { recursive: true, force: true });
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  mkdirSync(DIST, { recursive: true });
  const pkg = resolve("node_modules/pyodide");
  for (const f of ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"])
    copyFile(join(pkg, f), join(DIST, f));
  buildWheel(join(DIST, WHEEL));
  const lock = JSON.parse(readFileSync(join(pkg, "pyodide-lock.json"), "utf8"));
  lock.packages = {
    greeting: {
      name: "greeting",
      version: "1.0",
      file_name: WHEEL,
      install_dir: "site",
      sha256: createHash("sha256")
        .update(readFileSync(join(DIST, WHEEL)))
        .digest("hex"),
      package_type: "package",
      imports: ["greeting"],
      depends: [],
      unvendored_tests: false,
      tool: {},
    },
  };
  writeFileSync(join(DIST, "pyodide-lock.json"), JSON.stringify(lock));
  const add = spawnSync("./dist/pymd", ["user", "add", "paula", "--admin", "--password-stdin", "--data-dir", DATA], {
    input: "paula-password-1\n",
  });
  expect(add.status).toBe(0);
  server = spawn(
    "./dist/pymd",
    ["serve", "--port", String(PORT), "--host", "127.0.0.1", "--data-dir", DATA, "--pyodide-dir", DIST],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${BASE}/api/v1/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

function copyFile(from: string, to: string): void {
  writeFileSync(to, readFileSync(from));
}

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(DATA, { recursive: true, force: true });
  rmSync(DIST, { recursive: true, force: true });
});

test("a package of the --pyodide-dir distribution loads on import in the reader's browser", async ({
  playwright,
  browser,
}) => {
  const api = await playwright.request.newContext({ baseURL: BASE, storageState: { cookies: [], origins: [] } });
  expect(
    (await api.post("/api/v1/auth/login", { data: { username: "paula", password: "paula-password-1" } })).ok(),
  ).toBe(true);
  const info = await (await api.get("/api/v1/browser-python")).json();
  expect(info).toMatchObject({ available: true, packages: true });
  const created = await api.post("/api/v1/documents", {
    data: {
      title: "Packages",
      content: "# # Packages\n# ```\nimport greeting\nprint(greeting.hello('Ada'))\n# ```\n",
    },
  });
  const { id } = (await created.json()) as { id: string };
  const slug = (
    (await (await api.patch(`/api/v1/documents/${id}`, { data: { isPublic: true } })).json()) as {
      publicSlug: string;
    }
  ).publicSlug;
  // a file outside the distribution is not served
  expect((await api.get("/assets/pyodide/..%2F..%2Fetc%2Fpasswd")).status()).toBe(404);
  expect((await api.get(`/assets/pyodide/${WHEEL}`)).status()).toBe(200);
  await api.dispose();

  const reader = await browser.newContext({ baseURL: BASE, storageState: { cookies: [], origins: [] } });
  const p = await reader.newPage();
  await p.goto(`/p/${slug}`);
  await p.getByTestId("browser-run").click();
  await expect(p.locator('[data-block="1"] .pymd-browser-outputs')).toContainText(
    "Hello, Ada, from a package of this server",
    { timeout: 60_000 },
  );
  await reader.close();
  expect(log).not.toContain("error");
});
