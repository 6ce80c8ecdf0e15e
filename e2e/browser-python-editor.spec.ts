// The editor's runtime choice: a document set to run in this browser runs its blocks with Pyodide
// (run all from a fresh Python, one block in the current one, counters, Interrupt, Restart), the
// outputs appear in the preview and under the code, the server starts no execution and stores
// nothing of them, and the choice is kept for that document on reload while others stay on the
// server.
import { expect, type Page, test } from "@playwright/test";
import { failOnPageErrors, uid } from "./page-errors.ts";
import { signInOnce } from "./sign-in-once.ts";

const AUTH = ".tmp/e2e-auth-browser-python-editor.json";
signInOnce(AUTH);
failOnPageErrors();

const block = (code: string) => "# ```\n" + code + "\n# ```\n";

async function create(page: Page, title: string, content: string): Promise<string> {
  const r = await page.request.post("/api/v1/documents", { data: { title, content } });
  expect(r.ok(), await r.text()).toBeTruthy();
  return ((await r.json()) as { id: string }).id;
}

async function executionsStarted(page: Page): Promise<number> {
  const m = await (await page.request.get("/metrics")).text();
  const line = /^pymd_executions_started (\d+)$/m.exec(m);
  expect(line, m.slice(0, 400)).not.toBeNull();
  return Number(line![1]);
}

test("a document set to run in the browser runs there; the server runs and stores nothing", async ({ page }) => {
  const source =
    "# # In the browser\n" +
    block("x = 20") +
    block('print("**x** doubled is", x * 2)\npymd.table([["a", x], ["b", x + 1]])') +
    block('print("before")\n1 / 0') +
    block('print("slow")\nwhile True:\n    pass') +
    // the display protocol pandas and matplotlib use: an HTML table and a PNG
    block(
      [
        "import struct, zlib",
        "def chunk(kind, data):",
        '    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))',
        'png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))',
        'png += chunk(b"IDAT", zlib.compress(b"\\x00\\xff\\x00\\x00")) + chunk(b"IEND", b"")',
        "class Frame:",
        '    def _repr_html_(self): return "<table><tr><th>n</th></tr><tr><td>7</td></tr></table>"',
        "class Figure:",
        "    def _repr_png_(self): return png",
        "pymd.display(Frame())",
        "Figure()",
      ].join("\n"),
    );
  const id = await create(page, `Runtime ${uid()}`, source);
  const other = await create(page, `Server ${uid()}`, "# # Other\n" + block("print(1)"));
  const before = await executionsStarted(page);

  await page.goto(`/d/${id}`);
  const preview = page.getByTestId("preview");
  await expect(preview.locator(".preview-code")).toHaveCount(5);
  const choice = page.getByTestId("runtime-select");
  await expect(choice).toHaveValue("server");
  await choice.selectOption("browser");
  const status = page.getByTestId("kernel-status");
  await expect(status).toHaveAttribute("data-runtime", "browser");
  await expect(status).toContainText("Python in this browser: not started");

  const cell = (i: number) => preview.locator(`[data-block="${i}"]`);
  const runBlock = (i: number) =>
    cell(i)
      .getByRole("button", { name: /^Run block at line/ })
      .click();
  // the last block loops: run the first three one by one, the way a person steps through
  await runBlock(1);
  await expect(cell(1).getByTestId("cell-status")).toContainText("done", { timeout: 60_000 });
  await expect(cell(1).getByTestId("cell-count")).toHaveText("[1]");
  await runBlock(2);
  const outputs = cell(2).getByTestId("cell-outputs");
  await expect(outputs.locator("strong")).toHaveText("x");
  await expect(outputs).toContainText("doubled is 40");
  await expect(outputs.locator("table td").nth(3)).toHaveText("21");
  await expect(cell(2).getByTestId("cell-count")).toHaveText("[2]");
  await runBlock(3);
  await expect(cell(3).getByTestId("cell-outputs")).toContainText("before");
  await expect(cell(3).getByTestId("cell-outputs").locator(".pymd-error")).toContainText(
    "ZeroDivisionError: division by zero",
  );
  await expect(cell(3).locator(".cell-bar")).toHaveAttribute("data-status", "error");
  await expect(status).toHaveAttribute("data-status", "idle");
  await expect(status).toContainText("[3]");

  // the endless block: Interrupt stops it and Python starts again with nothing in it
  await runBlock(4);
  await expect(cell(4).getByTestId("cell-outputs")).toContainText("slow", { timeout: 30_000 });
  await expect(status).toHaveAttribute("data-status", "running");
  expect(await page.evaluate(() => 6 * 7)).toBe(42);
  await page.getByRole("button", { name: "Interrupt", exact: true }).click();
  await expect(cell(4).getByTestId("cell-outputs")).toContainText("Interrupted");
  await expect(cell(4).locator(".cell-bar")).toHaveAttribute("data-status", "interrupted");
  await expect(status).toHaveAttribute("data-status", "idle", { timeout: 60_000 });
  await runBlock(2);
  await expect(cell(2).getByTestId("cell-outputs")).toContainText("NameError");

  await runBlock(5);
  await expect(cell(5).getByTestId("cell-outputs").locator("table td")).toHaveText("7");
  await expect(cell(5).getByTestId("cell-outputs").locator('img[src^="data:image/png;base64,"]')).toHaveCount(1);

  // the Editor view shows the same outputs under the code
  await page.getByRole("button", { name: "Editor", exact: true }).click();
  await expect(page.locator(".source-pane")).toContainText("NameError");
  await page.getByRole("button", { name: "Split", exact: true }).click();

  // nothing ran on the server, and nothing of these outputs was stored
  expect(await executionsStarted(page)).toBe(before);
  await page.reload();
  await expect(page.getByTestId("runtime-select")).toHaveValue("browser");
  await expect(preview.locator(".preview-code")).toHaveCount(5);
  await expect(preview.getByTestId("cell-outputs")).toHaveCount(0);
  await expect(cell(1).getByTestId("cell-status")).toContainText("not run yet");

  // another document keeps the default
  await page.goto(`/d/${other}`);
  await expect(page.getByTestId("runtime-select")).toHaveValue("server");
  await expect(page.getByTestId("kernel-status")).not.toHaveAttribute("data-runtime", "browser");
  expect(await executionsStarted(page)).toBe(before);
});
