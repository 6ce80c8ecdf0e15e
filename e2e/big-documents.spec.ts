// Big documents in the browser: a 5,000-line notebook opens and takes edits (a 1 MB paste is in
// big-paste.spec.ts); the text shows while the document's live copy is still loading, and what is
// typed meanwhile (while someone else edits too) is neither lost nor doubled.
import { expect, test } from "@playwright/test";
import { createDocument, live, longDocument, saved, storedText } from "./big-documents-kit.ts";
import { signInOnce } from "./sign-in-once.ts";

signInOnce(".tmp/e2e-auth-big-documents.json");

const occurrences = (text: string, part: string) => text.split(part).length - 1;

test("a 5,000-line document opens and takes edits at its start and its end", async ({ page }) => {
  test.setTimeout(180_000);
  const id = await createDocument(page, "Five thousand lines", longDocument(5000));
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("editor-content")).toContainText("Section 0", { timeout: 60_000 });
  await expect(page.locator(".preview-block").first()).toContainText("Section 0", { timeout: 60_000 });
  await live(page);
  // the preview's blocks, all of them and in order, in groups of at most 25 that the browser
  // skips while off screen (not a thousand blocks to track on every frame)
  await expect(page.locator(".preview-block").last()).toContainText("End of section 499", { timeout: 60_000 });
  const groups = await page.locator(".preview-group").evaluateAll((els) =>
    els.map((g) => ({
      blocks: [...g.children].filter((c) => c.classList.contains("preview-block")).length,
      skipped: getComputedStyle(g).contentVisibility,
      lines: [...g.querySelectorAll<HTMLElement>(".preview-block")].map((b) => Number(b.dataset.line)),
    })),
  );
  const lines = groups.flatMap((g) => g.lines);
  expect(lines.length).toBe(await page.locator(".preview-block").count());
  expect(lines).toEqual([...lines].sort((a, b) => a - b));
  expect(groups.length).toBe(Math.ceil(lines.length / 25));
  expect(groups.every((g) => g.blocks > 0 && g.blocks <= 25 && g.skipped === "auto")).toBe(true);

  // the preview follows the editor's scrolling: the block at the editor's top line comes to its top
  await page.locator(".cm-scroller").evaluate((el) => {
    el.scrollTop = el.scrollHeight / 2;
  });
  await expect
    .poll(
      async () =>
        page.evaluate(() => {
          const scroller = document.querySelector<HTMLElement>(".cm-scroller")!;
          const top = document.elementFromPoint(
            scroller.getBoundingClientRect().left + 60,
            scroller.getBoundingClientRect().top + 5,
          );
          const line = Number(
            [...document.querySelectorAll<HTMLElement>(".cm-gutterElement")]
              .filter((g) => g.getBoundingClientRect().bottom > scroller.getBoundingClientRect().top + 5)
              .map((g) => g.textContent)
              .find((t) => /^\d+$/.test(t ?? "")) ?? 0,
          );
          const preview = document.querySelector<HTMLElement>("[data-testid='preview']")!;
          const first = [...preview.querySelectorAll<HTMLElement>(".preview-block")].find(
            (b) => b.getBoundingClientRect().bottom > preview.getBoundingClientRect().top + 1,
          );
          return (
            top !== null && line > 1000 && first !== undefined && Math.abs(Number(first.dataset.line) - line) <= 10
          );
        }),
      { timeout: 10_000 },
    )
    .toBe(true);

  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("# the last words\n");
  await expect(page.getByTestId("editor-content")).toContainText("the last words", { timeout: 30_000 });
  await page.keyboard.press("Control+Home");
  await page.keyboard.type("# ## First words\n");
  // the outline follows the edit, and lists the document's last section too
  await expect(page.locator(".outline")).toContainText("First words", { timeout: 30_000 });
  await expect(page.locator(".outline")).toContainText("Section 499", { timeout: 30_000 });
  await saved(page);

  const text = await storedText(page, id);
  expect(text.startsWith("# ## First words\n# ## Section 0\n")).toBe(true);
  expect(text.endsWith("# End of section 499.\n# the last words\n")).toBe(true);
  expect(text.split("\n").length).toBe(5003);

  // The preview followed the typing through answers that carried only what changed (every block
  // below the first moved down a line): it is what a fresh page renders from the stored text.
  const previewNow = () =>
    page.locator(".preview-block").evaluateAll((els) =>
      els.map((b) => {
        const inner = b.querySelector<HTMLElement>(".preview-html > [data-line]");
        return `${(b as HTMLElement).dataset.block}/${(b as HTMLElement).dataset.line}/${inner?.dataset.block}/${inner?.dataset.line}/${b.textContent}`;
      }),
    );
  await expect(page.locator(".preview-block").first()).toContainText("First words", { timeout: 30_000 });
  await expect(page.locator(".preview-block").last()).toContainText("the last words", { timeout: 30_000 });
  const followed = await previewNow();
  expect(followed.at(-1)).toMatch(/^(\d+)\/(\d+)\/\1\/\2\//);

  await page.reload();
  await expect(page.getByTestId("editor-content")).toContainText("First words", { timeout: 60_000 });
  await expect(page.locator(".preview-block").last()).toContainText("the last words", { timeout: 60_000 });
  expect(await previewNow()).toEqual(followed);
  await live(page);
  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  await expect(page.getByTestId("editor-content")).toContainText("the last words", { timeout: 30_000 });
});

test("the text shows before the live copy has loaded, and nothing typed meanwhile is lost", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const id = await createDocument(page, "Typed while loading", "# # Typed while loading\n# the middle line\n");
  // The live copy loads in a worker: hold its script until the test lets it go.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route("**/collab-worker.js", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("editor-content")).toContainText("the middle line");
  await expect(page.locator(".editor-page")).toHaveAttribute("data-sync", "loading");
  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("# typed while loading\n");
  await expect(page.getByTestId("save-state")).not.toHaveText("Saved");

  // Meanwhile someone else edits the same document at its start.
  const other = await browser.newContext({ storageState: ".tmp/e2e-auth-big-documents.json" });
  const second = await other.newPage();
  await second.goto(`/d/${id}`);
  await live(second);
  await second.getByTestId("editor-content").click();
  await second.keyboard.press("Control+Home");
  await second.keyboard.type("# from the other tab\n");
  await saved(second);

  release();
  await live(page);
  await saved(page);
  await expect(page.getByTestId("editor-content")).toContainText("from the other tab");
  await expect(second.getByTestId("editor-content")).toContainText("typed while loading");
  const expected = "# from the other tab\n# # Typed while loading\n# the middle line\n# typed while loading\n";
  const text = await storedText(page, id);
  expect(text).toBe(expected);
  expect(occurrences(text, "typed while loading")).toBe(1);
  await other.close();
});

test("the text shows before the application has loaded, the editor takes it over and asks for the document once", async ({
  page,
}) => {
  const id = await createDocument(page, "Shown early", "# # Shown early\n# the second line\n");
  // Hold the application's script: only the page's first script runs meanwhile.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(/\/index-[a-z0-9]+\.js$/, async (route) => {
    await held;
    await route.continue();
  });
  let asked = 0;
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === `/api/v1/documents/${id}` && r.method() === "GET") asked++;
  });
  await page.goto(`/d/${id}`, { waitUntil: "commit" });
  const early = page.locator(".early-text");
  await expect(early).toHaveText("# # Shown early\n# the second line\n");
  await expect(page.getByTestId("editor-content")).toHaveCount(0);
  release();
  await expect(page.getByTestId("editor-content")).toContainText("the second line");
  await expect(early).toHaveCount(0);
  expect(asked).toBe(1);
  // another page shows no early text, and a document one cannot read shows none either
  await page.unroute(/\/index-[a-z0-9]+\.js$/);
  await page.goto("/d/not-a-document-id");
  await expect(page.getByText("This document does not exist, or you do not have access to it.")).toBeVisible();
  await expect(early).toHaveCount(0);
});
