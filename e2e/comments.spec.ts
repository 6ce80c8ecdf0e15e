// Two people comment on one notebook: one selects a line and comments, mentioning the other
// (completed from the people who can read it); the other — a commenter, who cannot edit — sees
// the thread's mark in the text and on the preview live, opens it from there, replies and
// resolves; the first sees both live. The mark stays on its text while lines are typed above it.
import { expect, test, type Page } from "@playwright/test";
import { signedInPage } from "./signed-in-page.ts";

/** The commented text as the editor marks it (syntax highlighting may split a mark in pieces). */
const marked = (p: Page) =>
  p.evaluate(() => [...document.querySelectorAll(".cm-comment")].map((e) => e.textContent).join(""));

test("comment on a line, see it live, reply, resolve", async ({ browser }) => {
  test.setTimeout(120_000);
  const a = await signedInPage(browser, "admin", "e2e-admin-pass");
  const b = await signedInPage(browser, "reader", "e2e-reader-pass");
  const id = await a.page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        title: "Review me",
        content: "# # Review me\n# The middle line says something.\n# The end.\n",
      }),
    });
    const d = (await r.json()) as { id: string };
    await fetch(`/api/v1/documents/${d.id}/members`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ members: [{ username: "reader", role: "commenter" }] }),
    });
    return d.id;
  });
  await a.page.goto(`/d/${id}`);
  await b.page.goto(`/d/${id}`);
  for (const p of [a.page, b.page]) await expect(p.getByTestId("connection")).toContainText("live");
  // the commenter reads, never edits
  await expect(b.page.getByTestId("read-only")).toBeVisible();
  await expect(b.page.getByTestId("comments-button")).toHaveText("Comments");

  // A selects the middle line and comments, completing a mention
  await a.page.locator(".cm-line", { hasText: "The middle line" }).click();
  await a.page.keyboard.press("End");
  await a.page.keyboard.press("Shift+Home");
  await a.page.getByTestId("comments-button").click();
  await a.page.getByRole("button", { name: "Comment on the selection" }).click();
  await expect(a.page.getByTestId("comments")).toContainText("The middle line says something.");
  const box = a.page.getByLabel("Your comment");
  await box.pressSequentially("Is this right, @rea");
  await expect(a.page.getByRole("option", { name: /@reader/ })).toBeVisible();
  await box.press("Enter");
  await expect(box).toHaveValue("Is this right, @reader ");
  await a.page.getByRole("button", { name: "Comment", exact: true }).click();
  await expect(a.page.getByTestId("comment-thread")).toContainText("Is this right, @reader");
  await expect(a.page.getByTestId("comments-button")).toHaveText("Comments (1)");

  // B sees it live with the panel closed: the count on the button, the mark in the text and on the
  // preview's block, whose marker opens the thread; B replies and resolves
  await expect(b.page.getByTestId("comments-button")).toHaveText("Comments (1)");
  await expect.poll(() => marked(b.page)).toBe("# The middle line says something.");
  const marker = b.page.getByTestId("preview-comment-marker");
  await expect(marker).toHaveText("💬 1");
  await expect(b.page.locator(".preview-block.has-comments")).toContainText("The middle line says something.");
  await marker.click();
  const bThread = b.page.getByTestId("comment-thread");
  await expect(bThread).toContainText("Is this right, @reader");
  await expect(bThread).toHaveClass(/selected/);
  await bThread.getByLabel("Reply").fill("Yes, @admin.");
  await bThread.getByRole("button", { name: "Reply" }).click();
  await expect(a.page.getByTestId("comment-thread")).toContainText("Yes, @admin.");
  await a.page.screenshot({ path: "test-results/e2e/comments-thread.png" });

  // A types lines above: the mark stays on the commented text, in both editors
  await a.page.locator(".cm-line", { hasText: "Review me" }).click();
  await a.page.keyboard.press("End");
  await a.page.keyboard.type("\n# A new line above.\n# And another one.");
  for (const p of [a.page, b.page]) {
    await expect(p.getByTestId("editor-content")).toContainText("And another one.");
    await expect.poll(() => marked(p)).toBe("# The middle line says something.");
  }

  await bThread.getByRole("button", { name: "Resolve" }).click();
  await expect(a.page.getByTestId("comments")).toContainText("No open comments.");
  await expect(a.page.getByText("Resolved (1)")).toBeVisible();
  await expect(a.page.locator(".cm-comment")).toHaveCount(0);
  await expect(a.page.getByTestId("preview-comment-marker")).toHaveCount(0);
  await a.page.getByText("Resolved (1)").click();
  await expect(a.page.getByTestId("comment-thread")).toContainText("Resolved by reader");
  await a.close();
  await b.close();
});

test("comment on a block and its output from the preview", async ({ browser }) => {
  const a = await signedInPage(browser, "admin", "e2e-admin-pass");
  const id = await a.page.evaluate(async () => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        title: "Block comments",
        content: "# # Block comments\n# ```\nprint('forty-two')\n# ```\n",
      }),
    });
    return ((await r.json()) as { id: string }).id;
  });
  await a.page.goto(`/d/${id}`);
  await expect(a.page.getByTestId("connection")).toContainText("live");
  await a.page.getByRole("button", { name: "Comment on the block at line 2 and its output" }).click();
  await expect(a.page.getByTestId("comments")).toContainText("print('forty-two')");
  await a.page.getByLabel("Your comment").fill("Why forty-two?");
  await a.page.getByRole("button", { name: "Comment", exact: true }).click();
  await expect(a.page.getByTestId("comment-thread")).toContainText("Why forty-two?");
  await expect.poll(() => marked(a.page)).toContain("print('forty-two')");
  await a.close();
});

test("the owner shows the open comments on the public page; until then it shows none", async ({ browser }) => {
  const a = await signedInPage(browser, "admin", "e2e-admin-pass");
  const { id, slug } = await a.page.evaluate(async () => {
    const json = { "content-type": "application/json" };
    const d = (await (
      await fetch("/api/v1/documents", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ title: "Public remarks", content: "# # Public remarks\n# A claim worth a remark.\n" }),
      })
    ).json()) as { id: string };
    await fetch(`/api/v1/documents/${d.id}/comments`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ anchor: { from: 21, to: 26 }, body: "A remark for everyone" }),
    });
    const p = (await (
      await fetch(`/api/v1/documents/${d.id}`, {
        method: "PATCH",
        headers: json,
        body: JSON.stringify({ isPublic: true }),
      })
    ).json()) as { publicSlug: string };
    return { id: d.id, slug: p.publicSlug };
  });
  const reader = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const anon = await reader.newPage();
  await anon.goto(`/p/${slug}`);
  await expect(anon.getByTestId("public-notebook")).toContainText("A claim worth a remark.");
  await expect(anon.getByTestId("public-comments")).toHaveCount(0);
  await a.page.goto(`/d/${id}`);
  await a.page.getByRole("button", { name: "Share" }).click();
  await a.page.getByTestId("public-comments").check();
  await expect(a.page.getByTestId("public-comments")).toBeChecked();
  await anon.reload();
  await expect(anon.getByTestId("public-comments")).toContainText("A remark for everyone");
  await reader.close();
  await a.close();
});
