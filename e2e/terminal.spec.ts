// The terminal panel as a person uses it: open it beside a notebook, do arithmetic, see a file
// uploaded in the Files panel, use pandas, interrupt a sleep, resize the window, make a file the
// Files panel and a block then see; a viewer has no terminal; a server with --terminals off has none.
import { expect, test, type Page, type WebSocketRoute } from "@playwright/test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { freePortSync } from "./free-port.ts";
import { signIn } from "./sign-in-once.ts";

const SOURCE = ["# # Terminal files", "# ```", "print('block read:', open('t.txt').read().strip())", "# ```", ""].join(
  "\n",
);

/** The terminal's visible screen as text. */
const screen = (page: Page) => page.getByTestId("terminal-host").locator(".xterm-rows");

async function type(page: Page, line: string) {
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

/** The screen's lines as text (xterm draws spaces as no-break spaces). */
const lines = async (page: Page) => (await screen(page).innerText()).replace(/\u00a0/g, " ");

/** Waits until the screen shows a match. */
const sees = (page: Page, re: RegExp, timeout = 10_000) => expect.poll(() => lines(page), { timeout }).toMatch(re);

async function lastCols(page: Page): Promise<number | null> {
  const text = await lines(page);
  const all = [...text.matchAll(/cols=(\d+)\b/g)];
  return all.length ? Number(all.at(-1)![1]) : null;
}

test("a terminal beside the notebook: arithmetic, workspace files both ways, pandas, colours, paste and copy, Ctrl-C, resize, reconnect; a viewer has none", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, "admin", "e2e-admin-pass");
  const created = await page.evaluate(async (content) => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Terminal", content }),
    });
    const d = (await r.json()) as { id: string };
    await fetch(`/api/v1/documents/${d.id}/members`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ members: [{ username: "reader", role: "viewer" }] }),
    });
    return d;
  }, SOURCE);
  // the terminal's socket passes through here, so the test can drop it like a network would
  const sockets: { route: WebSocketRoute; url: string }[] = [];
  await page.routeWebSocket(/\/api\/v1\/terminal/, (route) => {
    route.connectToServer();
    sockets.push({ route, url: route.url() });
  });
  await page.goto(`/d/${created.id}`);
  await expect(page.getByTestId("connection")).toContainText("live");

  await page.getByTestId("terminal-button").click();
  await expect(page.getByTestId("terminal-state")).toContainText("live", { timeout: 30_000 });

  // a file uploaded in the Files panel
  await page.getByTestId("files-button").click();
  const files = page.getByTestId("files-panel");
  await files
    .getByTestId("file-picker")
    .setInputFiles({ name: "uploaded.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") });
  await expect(files.locator("[data-path='uploaded.csv']")).toBeVisible();
  await page.getByTestId("terminal-host").click({ position: { x: 40, y: 20 } });

  await type(page, "echo $((6*7))");
  await sees(page, /^42\s*$/m);
  await type(page, "ls");
  await sees(page, /uploaded\.csv/);
  await type(page, `python3 -c "import pandas; print('pandas', pandas.__version__)"`);
  await sees(page, /^pandas \d+\.\d+/m, 30_000);

  // colours and UTF-8
  await type(page, "clear; printf '\\033[31mred-%s\\033[0m\\n' ✓");
  await expect(screen(page).locator("span.xterm-fg-1")).toContainText("red-✓");

  // paste (as the browser delivers it) and copy (Ctrl+Shift+C puts the selection on the clipboard)
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.locator(".xterm-helper-textarea").evaluate((el) => {
    const dt = new DataTransfer();
    dt.setData("text/plain", "echo pasted-$((2+3))");
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await page.keyboard.press("Enter");
  await sees(page, /^pasted-5\s*$/m);
  // a double click on the word selects it (the screen layer above the text takes the mouse)
  const box = (await screen(page).getByText("pasted-5", { exact: true }).boundingBox())!;
  await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.press("Control+Shift+C");
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("pasted-5");

  // Ctrl-C ends a sleep and the prompt answers again
  await type(page, "clear; sleep 100; echo slept-through");
  await page.waitForTimeout(500);
  await page.keyboard.press("Control+c");
  await type(page, "echo back-$((40+2))");
  await sees(page, /^back-42\s*$/m);
  expect(await lines(page)).not.toMatch(/^slept-through/m);

  // resizing the window changes what tput cols says
  await type(page, "clear; echo cols=$(tput cols)");
  await expect.poll(() => lastCols(page)).not.toBeNull();
  const wide = (await lastCols(page))!;
  await page.setViewportSize({ width: 700, height: 800 });
  await page.waitForTimeout(300);
  await page.getByTestId("terminal-host").click({ position: { x: 40, y: 20 } });
  await type(page, "clear; echo cols=$(tput cols)");
  await expect.poll(() => lastCols(page)).toBeLessThan(wide);
  await page.setViewportSize({ width: 1280, height: 800 });

  // a file made in the terminal appears in the Files panel, and a block reads it
  await type(page, "echo hi > t.txt");
  await expect(files.locator("[data-path='t.txt']")).toBeVisible({ timeout: 15_000 });
  await files.getByLabel("Close files").click();
  await page.getByLabel("Hide terminal").click(); // the shell keeps running
  await expect(page.getByTestId("terminal-panel")).toBeHidden();
  await page.getByRole("button", { name: "Run all" }).click();
  await expect(page.getByTestId("cell-outputs")).toContainText("block read: hi", { timeout: 30_000 });
  await page.getByTestId("terminal-button").click();
  await expect(page.getByTestId("terminal-state")).toContainText("live");
  await page.screenshot({ path: "test-results/e2e/terminal-panel.png" });

  // a viewer sees no terminal, and the endpoint refuses them
  const ctx = await browser.newContext();
  const viewer = await ctx.newPage();
  await signIn(viewer, "reader", "e2e-reader-pass");
  await viewer.goto(`/d/${created.id}`);
  await expect(viewer.getByTestId("connection")).toContainText("live");
  await expect(viewer.getByTestId("files-button")).toBeVisible();
  await expect(viewer.getByTestId("terminal-button")).toHaveCount(0);
  const refused = await viewer.evaluate(async (id) => {
    const r = await fetch(`/api/v1/documents/${id}/terminal`);
    const body = (await r.json()) as { allowed: boolean };
    const close = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/terminal?doc=${id}&rows=24&cols=80`);
      ws.onclose = (e) => resolve(e.code);
    });
    return { allowed: body.allowed, close };
  }, created.id);
  expect(refused).toEqual({ allowed: false, close: 4403 });
  await ctx.close();

  // a dropped connection: the panel reattaches to the same shell, which kept its state
  await page.getByTestId("terminal-host").click({ position: { x: 40, y: 20 } });
  await type(page, "clear; cd /tmp; KEPT=kept-$((1+1))");
  await page.waitForTimeout(300);
  expect(sockets).toHaveLength(1);
  await sockets[0]!.route.close({ code: 4000, reason: "network drop" });
  await expect.poll(() => sockets.length).toBe(2);
  expect(new URL(sockets[1]!.url).searchParams.get("term")).toMatch(/^t[a-z0-9]+$/);
  await expect(page.getByTestId("terminal-state")).toContainText("live");
  await page.getByTestId("terminal-host").click({ position: { x: 40, y: 20 } });
  await type(page, "echo now $KEPT in $PWD");
  await sees(page, /^now kept-2 in \/tmp\s*$/m);

  // ending the shell
  await page.getByTestId("terminal-end").click();
  await expect(page.getByTestId("terminal-state")).toContainText("ended");
  expect(errors).toEqual([]);
});

test.describe("--terminals off", () => {
  const PORT = freePortSync();
  const DATA = `.tmp/e2e-terminals-off-${PORT}`;
  let server: ChildProcess;

  test.beforeAll(async () => {
    rmSync(DATA, { recursive: true, force: true });
    mkdirSync(DATA, { recursive: true });
    const add = spawnSync("./dist/pymd", ["user", "add", "tess", "--admin", "--password-stdin", "--data-dir", DATA], {
      input: "tess-password-1\n",
    });
    expect(add.status).toBe(0);
    server = spawn(
      "./dist/pymd",
      ["serve", "--port", String(PORT), "--host", "127.0.0.1", "--data-dir", DATA, "--terminals", "off"],
      {
        stdio: "ignore",
      },
    );
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`http://127.0.0.1:${PORT}/api/v1/ready`)
          .then((r) => r.ok)
          .catch(() => false)
      )
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  test.afterAll(async () => {
    server?.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(DATA, { recursive: true, force: true });
  });

  test("no terminal button, and the endpoint answers 404", async ({ page }) => {
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.getByLabel("Username").fill("tess");
    await page.getByLabel("Password").fill("tess-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
    const id = await page.evaluate(async () => {
      const r = await fetch("/api/v1/documents", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "No terminal", content: "# hi\n" }),
      });
      return ((await r.json()) as { id: string }).id;
    });
    await page.goto(`http://127.0.0.1:${PORT}/d/${id}`);
    await expect(page.getByTestId("connection")).toContainText("live");
    await expect(page.getByTestId("files-button")).toBeVisible();
    await expect(page.getByTestId("terminal-button")).toHaveCount(0);
    expect((await page.request.get(`http://127.0.0.1:${PORT}/api/v1/documents/${id}/terminal`)).status()).toBe(404);
    expect((await page.request.get(`http://127.0.0.1:${PORT}/api/v1/terminal?doc=${id}`)).status()).toBe(404);
  });
});
