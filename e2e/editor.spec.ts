// What a new user does with a notebook: write Markdown and Python, see the preview and the run's
// outputs (text and a plot), reload, export, share with a viewer, and open the public link.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./sign-in-once.ts";
import { readFileSync } from "node:fs";

function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

test("write, preview, run with a plot, reload, export, share, publish", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const errors = watchConsole(page);
  await signIn(page, "admin", "e2e-admin-pass");
  const created = await page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "E2E notebook" }),
    });
    return (await r.json()) as { id: string };
  });
  await page.goto(`/d/${created.id}`);
  const editor = page.getByTestId("editor-content");
  await expect(editor).toBeVisible();
  await expect(page.getByTestId("connection")).toContainText("live");

  // A Markdown heading appears in the preview as it is typed.
  await editor.click();
  await page.keyboard.type("# # Quarterly figures\n# Some *prose* here.\n");
  const preview = page.getByTestId("preview");
  await expect(preview.locator("h1", { hasText: "Quarterly figures" })).toBeVisible();
  await expect(preview.locator("em", { hasText: "prose" })).toBeVisible();

  // A block that prints Markdown and draws a plot; run it with the keyboard.
  await page.keyboard.type(
    "# ```\nimport matplotlib.pyplot as plt\nprint('## Totals')\nprint('sum is', sum(range(5)))\nplt.plot([1, 2, 3], [2, 4, 1])\nplt.show()\n# ```\n",
  );
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Control+Enter");
  const outputs = page.getByTestId("cell-outputs");
  await expect(outputs.locator("h2", { hasText: "Totals" })).toBeVisible({ timeout: 30_000 });
  await expect(outputs).toContainText("sum is 10");
  await expect(outputs.locator("img[alt^='Figure']")).toBeVisible();
  await expect(page.getByTestId("cell-status").first()).toContainText(/done in/);
  await expect(page.getByTestId("save-state")).toHaveText("Saved");

  // After a reload everything is still there: the source, the preview and the outputs.
  await page.reload();
  await expect(page.getByTestId("editor-content")).toContainText("Quarterly figures");
  await expect(page.getByTestId("preview").locator("h1", { hasText: "Quarterly figures" })).toBeVisible();
  await expect(page.getByTestId("cell-outputs")).toContainText("sum is 10");
  await expect(page.getByTestId("cell-outputs").locator("img")).toBeVisible();

  // Screenshots of the editor in both themes.
  await page.evaluate(() => (document.documentElement.dataset.theme = "light"));
  await page.screenshot({ path: "test-results/e2e/editor-light.png" });
  await page.evaluate(() => (document.documentElement.dataset.theme = "dark"));
  await page.screenshot({ path: "test-results/e2e/editor-dark.png" });
  await page.evaluate(() => (document.documentElement.dataset.theme = "system"));

  // Export HTML: the file holds the executed output.
  await page.getByRole("button", { name: "Export" }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: "HTML page (last outputs)" }).click();
  const file = await (await download).path();
  const html = readFileSync(file!, "utf8");
  expect(html).toContain("sum is 10");
  expect(html).toContain("data:image/png;base64,");
  expect(html).not.toMatch(/<script/i);

  // Share with a viewer and publish a public link.
  await page.getByRole("button", { name: "Share" }).click();
  await page.getByRole("dialog").getByLabel("Username").fill("reader");
  await page.getByRole("dialog").getByRole("button", { name: "Add" }).click();
  await expect(page.getByRole("dialog").getByRole("list", { name: "People with access" })).toContainText("reader");
  await page.getByRole("button", { name: "Publish a link" }).click();
  const link = await page.getByLabel("Public link").inputValue();
  expect(link).toMatch(/\/p\/[a-z2-7]+$/);
  await page.getByRole("button", { name: "Done" }).click();

  // The viewer reads but cannot edit or run.
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  const viewerErrors = watchConsole(viewer);
  await signIn(viewer, "reader", "e2e-reader-pass");
  await viewer.goto(`/d/${created.id}`);
  await expect(viewer.getByTestId("read-only")).toBeVisible();
  await expect(viewer.getByTestId("preview").locator("h1", { hasText: "Quarterly figures" })).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Run all" })).toHaveCount(0);
  await viewer.getByTestId("editor-content").click();
  await viewer.keyboard.type("vandalism");
  await expect(viewer.getByTestId("editor-content")).not.toContainText("vandalism");
  await viewerContext.close();

  // The public link works for someone signed out.
  const anonContext = await browser.newContext();
  const anon = await anonContext.newPage();
  const anonErrors = watchConsole(anon);
  await anon.goto(link);
  await expect(anon.getByTestId("public-notebook").locator("h1", { hasText: "Quarterly figures" })).toBeVisible();
  await expect(anon.getByTestId("public-notebook")).toContainText("sum is 10");
  await expect(anon.getByTestId("public-notebook").locator("img")).toBeVisible();
  await anon.screenshot({ path: "test-results/e2e/public-link.png" });
  await anonContext.close();

  expect(errors).toEqual([]);
  expect(viewerErrors).toEqual([]);
  expect(anonErrors).toEqual([]);
});

test("typing offline is kept and saved when the connection returns", async ({ page, context }) => {
  await signIn(page, "admin", "e2e-admin-pass");
  const created = await page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Offline notes", content: "# # Offline notes\n" }),
    });
    return (await r.json()) as { id: string };
  });
  await page.goto(`/d/${created.id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await context.setOffline(true);
  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("# typed while offline\n");
  await expect(page.getByTestId("save-state")).toContainText(/Offline|kept/, { timeout: 15_000 });
  await expect(page.getByTestId("connection")).toContainText("offline");
  // A reload while offline would fail to load the page; the draft survives a closed tab instead.
  await context.setOffline(false);
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  const saved = await page.evaluate(
    async (id) => ((await (await fetch(`/api/v1/documents/${id}`)).json()) as { content: string }).content,
    created.id,
  );
  expect(saved).toContain("typed while offline");
});
