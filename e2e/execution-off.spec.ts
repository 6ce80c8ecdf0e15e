// A server that cannot run code (here turned off by its admin; a container without the README's
// flags is the same case) says so in the editor: a banner with the reason and no Run buttons.
import { expect, test } from "@playwright/test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { freePortSync } from "./free-port.ts";

const PORT = freePortSync();
const DATA = `.tmp/e2e-exec-off-${PORT}`;
let server: ChildProcess;
let log = "";

test.beforeAll(async () => {
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const add = spawnSync("./dist/pymd", ["user", "add", "olga", "--admin", "--password-stdin", "--data-dir", DATA], {
    input: "olga-password-1\n",
  });
  expect(add.status).toBe(0);
  server = spawn(
    "./dist/pymd",
    ["serve", "--port", String(PORT), "--host", "127.0.0.1", "--data-dir", DATA, "--execution", "off"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/api/v1/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(DATA, { recursive: true, force: true });
});

test("the editor shows why code cannot run and offers no Run button", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.getByLabel("Username").fill("olga");
  await page.getByLabel("Password").fill("olga-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  const created = await page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "No execution", content: "# # Title\n# ```\nprint('hi')\n# ```\n" }),
    });
    return (await r.json()) as { id: string };
  });
  await page.goto(`http://127.0.0.1:${PORT}/d/${created.id}`);
  const banner = page.getByTestId("execution-off");
  await expect(banner).toBeVisible();
  await expect(banner).toContainText("Code execution is off on this server.");
  await expect(banner).toContainText(
    "the administrator turned it off on this server (--execution off, PYMD_EXECUTION=off)",
  );
  await expect(page.getByTestId("preview").locator(".preview-code")).toHaveCount(1);
  await expect(page.getByRole("button", { name: /^Run block at line/ })).toHaveCount(0);
  // the server's log said it at start-up
  expect(log).toContain("Code execution is disabled: the administrator turned it off on this server");
});

test("where the server runs nothing, the document can run in the browser instead", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.getByLabel("Username").fill("olga");
  await page.getByLabel("Password").fill("olga-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  const created = await page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Browser instead", content: "# # Title\n# ```\nprint(6 * 7)\n# ```\n" }),
    });
    return (await r.json()) as { id: string };
  });
  await page.goto(`http://127.0.0.1:${PORT}/d/${created.id}`);
  await expect(page.getByTestId("execution-off")).toContainText("Choose “Run in this browser”");
  await page.getByTestId("runtime-select").selectOption("browser");
  await expect(page.getByTestId("execution-off")).toHaveCount(0);
  await page.getByRole("button", { name: "Run all", exact: true }).click();
  const cell = page.getByTestId("preview").locator('[data-block="1"]');
  await expect(cell.getByTestId("cell-outputs")).toContainText("42", { timeout: 60_000 });
  await expect(cell.getByTestId("cell-count")).toHaveText("[1]");
});
