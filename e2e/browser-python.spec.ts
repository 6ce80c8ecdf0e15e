// Python in the reader's browser: a signed-out reader of a public link runs the notebook with
// Pyodide served by the server itself (no network beyond it), sees printed Markdown, a table, an
// error after earlier output and variables kept across blocks, while the server starts no
// execution; the Python cannot reach the site's API or storage; an endless loop is stopped by
// Interrupt with the tab still answering; a package the server does not serve is named plainly.
import { expect, type Page, test } from "@playwright/test";
import { failOnPageErrors, uid } from "./page-errors.ts";
import { signInOnce } from "./sign-in-once.ts";

const AUTH = ".tmp/e2e-auth-browser-python.json";
signInOnce(AUTH);
failOnPageErrors();

const block = (code: string) => "# ```\n" + code + "\n# ```\n";

async function publish(page: Page, title: string, content: string): Promise<string> {
  const created = await page.request.post("/api/v1/documents", { data: { title, content } });
  expect(created.ok(), await created.text()).toBeTruthy();
  const { id } = (await created.json()) as { id: string };
  const r = await page.request.patch(`/api/v1/documents/${id}`, { data: { isPublic: true } });
  expect(r.ok(), await r.text()).toBeTruthy();
  return ((await r.json()) as { publicSlug: string }).publicSlug;
}

async function executionsStarted(page: Page): Promise<number> {
  const m = await (await page.request.get("/metrics")).text();
  const line = /^pymd_executions_started (\d+)$/m.exec(m);
  expect(line, m.slice(0, 400)).not.toBeNull();
  return Number(line![1]);
}

async function serverRequests(page: Page): Promise<string[]> {
  const m = await (await page.request.get("/metrics")).text();
  return (
    [...m.matchAll(/^pymd_http_requests_total\{method="(\w+)",route="([^"]+)",status="\d+"\} (\d+)$/gm)]
      // the routes that run code, render or export (and the notebook socket)
      .filter((x) => /\/render|\/ws$|\/export|\/run/.test(x[2]!))
      .map((x) => `${x[1]} ${x[2]} ${x[3]}`)
  );
}

test("a signed-out reader runs a public notebook in the browser; the server runs nothing", async ({
  page,
  browser,
}) => {
  const source =
    "# # Browser run\n" +
    block('print("**bold** from the browser")') +
    block('pymd.table([["apples", 3], ["pears", 5]])') +
    block("x = 41") +
    block('print("before the error")\nprint("x + 1 =", x + 1)\n1 / 0') +
    block('import numpy\nprint("not reached")') +
    block(
      [
        "import js",
        "from pyodide.http import open_url",
        "try:",
        `    open_url("${test.info().project.use.baseURL}/api/v1/documents")`,
        '    print("api: reached")',
        "except Exception as e:",
        '    print("api: refused", type(e).__name__)',
        "try:",
        '    js.indexedDB.open("pymd-probe")',
        '    print("storage: opened")',
        "except Exception as e:",
        '    print("storage: refused")',
      ].join("\n"),
    );
  const slug = await publish(page, `Browser ${uid()}`, source);
  const before = await executionsStarted(page);
  const requestsBefore = await serverRequests(page);

  const reader = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const p = await reader.newPage();
  const errors: string[] = [];
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(`/p/${slug}`);
  const notebook = p.getByTestId("public-notebook");
  await expect(notebook).toContainText("Browser run");
  await p.getByTestId("browser-run").click();
  const cell = (i: number) => notebook.locator(`[data-block="${i}"]`);
  // block indexes: 0 is the heading, then the six code blocks
  await expect(cell(1).locator(".pymd-browser-outputs strong")).toHaveText("bold", { timeout: 60_000 });
  await expect(cell(2).locator(".pymd-browser-outputs table td").first()).toHaveText("apples");
  await expect(cell(2).locator(".pymd-browser-outputs table td").nth(3)).toHaveText("5");
  const failing = cell(4).locator(".pymd-browser-outputs");
  await expect(failing).toContainText("before the error");
  await expect(failing).toContainText("x + 1 = 42");
  await expect(failing.locator(".pymd-error")).toContainText("ZeroDivisionError: division by zero");
  await expect(failing.locator(".pymd-error")).toContainText("Traceback");
  await expect(cell(4)).toHaveAttribute("data-browser-status", "error");
  const numpy = cell(5).locator(".pymd-browser-outputs .pymd-error");
  await expect(numpy).toContainText("this server offers only the Python standard library in the browser");
  await expect(cell(5).locator(".pymd-browser-outputs")).not.toContainText("not reached");
  const probe = cell(6).locator(".pymd-browser-outputs");
  await expect(probe).toContainText("api: refused");
  await expect(probe).toContainText("storage: refused");
  await expect(p.getByTestId("browser-run-status")).toHaveAttribute("data-state", "idle");
  await expect(p.getByTestId("browser-run-status")).toContainText("Pyodide");

  // nothing of it reached the server: no execution, no render or run request
  expect(await executionsStarted(page)).toBe(before);
  expect(await serverRequests(page)).toEqual(requestsBefore);
  // and the server's own page stays as it was for everyone else
  const stored = await page.request.get(`/api/v1/public/${slug}`);
  expect(((await stored.json()) as { html: string }).html).not.toContain("from the browser</");
  expect(errors).toEqual([]);
  await reader.close();
});

test("an endless loop is stopped by Interrupt, the tab keeps answering, and the next run works", async ({
  page,
  browser,
}) => {
  const slug = await publish(
    page,
    `Loop ${uid()}`,
    "# # Loop\n" + block('print("started")\nwhile True:\n    pass') + block('print("after the loop")'),
  );
  const reader = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const p = await reader.newPage();
  await p.goto(`/p/${slug}`);
  await p.getByTestId("browser-run").click();
  const notebook = p.getByTestId("public-notebook");
  await expect(notebook.locator('[data-block="1"] .pymd-browser-outputs')).toContainText("started", {
    timeout: 60_000,
  });
  await expect(p.getByTestId("browser-run-status")).toHaveAttribute("data-state", "running");
  // the page answers while Python spins in its worker
  const t0 = Date.now();
  expect(await p.evaluate(() => 6 * 7)).toBe(42);
  const answeredMs = Date.now() - t0;
  await p.getByTestId("browser-interrupt").click();
  await expect(notebook.locator('[data-block="1"] .pymd-browser-outputs')).toContainText("Interrupted");
  await expect(notebook.locator('[data-block="1"]')).toHaveAttribute("data-browser-status", "interrupted");
  await expect(notebook.locator('[data-block="2"] .pymd-browser-outputs')).toHaveCount(0);
  // Python starts again; a second run runs the notebook from the top
  await expect(p.getByTestId("browser-run")).toBeEnabled({ timeout: 60_000 });
  await p.getByTestId("browser-run").click();
  await expect(p.getByTestId("browser-interrupt")).toBeVisible();
  await p.getByTestId("browser-interrupt").click();
  await expect(p.getByTestId("browser-run")).toBeEnabled({ timeout: 60_000 });
  test.info().annotations.push({ type: "page answered while looping (ms)", description: String(answeredMs) });
  await reader.close();
});
