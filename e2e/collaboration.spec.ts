// Two people in one notebook: each sees the other's text and labelled cursor; one goes offline,
// both keep typing, it comes back, and both end with the same text containing everything.
import { expect, test, type Page } from "@playwright/test";
import { signedInPage } from "./signed-in-page.ts";

/** The editor's text, without the labels of collaborators' cursors drawn inside it. */
const editorText = (p: Page) =>
  p.evaluate(() => {
    const lines = [...document.querySelectorAll(".cm-content .cm-line")].map((l) => {
      const c = l.cloneNode(true) as HTMLElement;
      for (const x of c.querySelectorAll(".cm-remote-caret")) x.remove();
      return c.textContent ?? "";
    });
    return lines.join("\n");
  });

test("two users edit one document live, and offline edits merge on reconnect", async ({ browser }) => {
  test.setTimeout(120_000);
  const a = await signedInPage(browser, "admin", "e2e-admin-pass");
  const b = await signedInPage(browser, "reader", "e2e-reader-pass");
  const id = await a.page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Pair notes", content: "# # Pair notes\n# middle\n" }),
    });
    const d = (await r.json()) as { id: string };
    await fetch(`/api/v1/documents/${d.id}/members`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ members: [{ username: "reader", role: "editor" }] }),
    });
    return d.id;
  });
  await a.page.goto(`/d/${id}`);
  await b.page.goto(`/d/${id}`);
  for (const p of [a.page, b.page]) {
    await expect(p.getByTestId("editor-content")).toContainText("middle");
    await expect(p.getByTestId("connection")).toContainText("live");
  }

  // A types at the end, B at the start: each sees the other's words.
  await a.page.getByTestId("editor-content").click();
  await a.page.keyboard.press("Control+End");
  await a.page.keyboard.type("# from alpha\n");
  await b.page.getByTestId("editor-content").click();
  await b.page.keyboard.press("Control+Home");
  await b.page.keyboard.type("# from beta\n");
  await expect(a.page.getByTestId("editor-content")).toContainText("from beta");
  await expect(b.page.getByTestId("editor-content")).toContainText("from alpha");

  // Each sees the other's cursor, labelled with their name, and who is here.
  await expect(a.page.locator(".cm-remote-caret-label", { hasText: "reader" })).toBeVisible();
  await expect(b.page.locator(".cm-remote-caret-label", { hasText: "admin" })).toBeVisible();
  await expect(a.page.getByTestId("people")).toContainText("RE");
  await a.page.screenshot({ path: "test-results/e2e/collaboration-cursor.png" });

  // B drops off the network; both keep typing.
  await b.page.context().setOffline(true);
  await expect(b.page.getByTestId("connection")).toContainText("offline", { timeout: 15_000 });
  await b.page.keyboard.type("# beta offline\n");
  await a.page.keyboard.type("# alpha while beta is away\n");
  await expect(b.page.getByTestId("editor-content")).not.toContainText("alpha while beta is away");
  await b.page.context().setOffline(false);
  await expect(b.page.getByTestId("connection")).toContainText("live", { timeout: 20_000 });

  // Both converge on one text containing everything.
  for (const p of [a.page, b.page]) {
    for (const words of ["from alpha", "from beta", "beta offline", "alpha while beta is away", "middle"]) {
      await expect(p.getByTestId("editor-content")).toContainText(words, { timeout: 20_000 });
    }
  }
  await expect
    .poll(async () => (await editorText(a.page)) === (await editorText(b.page)), { timeout: 10_000 })
    .toBe(true);
  await expect(a.page.getByTestId("save-state")).toHaveText("Saved", { timeout: 10_000 });
  await expect(b.page.getByTestId("save-state")).toHaveText("Saved", { timeout: 10_000 });
  // The server's copy (what REST, search and runs see) matches too.
  const stored = await a.page.evaluate(
    async (docId) => ((await (await fetch(`/api/v1/documents/${docId}`)).json()) as { content: string }).content,
    id,
  );
  for (const words of ["from alpha", "from beta", "beta offline", "alpha while beta is away"])
    expect(stored).toContain(words);

  // History: versions by author; compare the first with the current text; restore it.
  await a.page.getByRole("button", { name: "History" }).click();
  const history = a.page.getByTestId("history");
  const items = history.locator(".history-item");
  await expect.poll(() => items.count()).toBeGreaterThanOrEqual(2);
  await expect(history).toContainText("reader");
  await items.last().click();
  await expect(history.getByTestId("history-diff")).toContainText("+ # from beta");
  await history.getByRole("button", { name: "Restore this version" }).click();
  for (const p of [a.page, b.page]) {
    await expect(p.getByTestId("editor-content")).not.toContainText("from beta", { timeout: 10_000 });
    await expect(p.getByTestId("editor-content")).toContainText("middle");
  }
  // Nothing is lost: the text before the restore is still a version.
  await expect.poll(() => items.count()).toBeGreaterThanOrEqual(3);

  expect(a.errors).toEqual([]);
  expect(b.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|net::/.test(e))).toEqual([]);
  await a.close();
  await b.close();
});

test("edits typed offline survive closing the tab and reach the server when it reopens", async ({ browser }) => {
  test.setTimeout(60_000);
  const a = await signedInPage(browser, "admin", "e2e-admin-pass");
  const id = await a.page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Train notes", content: "# # Train notes\n" }),
    });
    return ((await r.json()) as { id: string }).id;
  });
  await a.page.goto(`/d/${id}`);
  await expect(a.page.getByTestId("connection")).toContainText("live");
  await expect(a.page.locator(".editor-page")).toHaveAttribute("data-sync", "automerge");
  await a.page.context().setOffline(true);
  await expect(a.page.getByTestId("connection")).toContainText("offline", { timeout: 15_000 });
  await a.page.getByTestId("editor-content").click();
  await a.page.keyboard.press("Control+End");
  await a.page.keyboard.type("# written in a tunnel\n");
  // The browser's copy is written within a second of typing; then the tab is closed.
  await a.page.waitForTimeout(1500);
  const context = a.page.context();
  await a.page.close();
  await context.setOffline(false);
  const again = await context.newPage();
  await again.goto(`/d/${id}`);
  await expect(again.getByTestId("editor-content")).toContainText("written in a tunnel");
  await expect(again.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await expect
    .poll(
      () =>
        again.evaluate(
          async (docId) => ((await (await fetch(`/api/v1/documents/${docId}`)).json()) as { content: string }).content,
          id,
        ),
      { timeout: 10_000 },
    )
    .toContain("written in a tunnel");
  await context.close();
});
