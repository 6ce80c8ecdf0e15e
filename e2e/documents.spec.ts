// The documents experience end to end: create (blank, template), search, tags, sort, rename,
// duplicate, trash with undo and restore, import, and the empty/error states. Every test makes
// its own uniquely named documents, so the tests do not depend on each other or on other specs.
import { execFileSync } from "node:child_process";
import { signInOnce } from "./sign-in-once.ts";
import { failOnPageErrors, uid } from "./page-errors.ts";
import { expect, test, type Page, type PlaywrightWorkerArgs } from "@playwright/test";

signInOnce("test-results/.auth/documents-admin.json");

const pageErrors = failOnPageErrors();

async function createDoc(page: Page, body: { title: string; content?: string; tags?: string[] }): Promise<string> {
  const res = await page.request.post("/api/v1/documents", { data: body });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function openDocuments(page: Page, query = ""): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
}

const row = (page: Page, title: string) =>
  page.getByTestId("document-row").filter({ has: page.getByRole("link", { name: title, exact: true }) });

async function action(page: Page, title: string, item: string): Promise<void> {
  await page.getByRole("button", { name: `Actions for ${title}`, exact: true }).click();
  await page.getByRole("menuitem", { name: item }).click();
}

test("creates a blank document and one from the starter template, then opens the editor", async ({ page }) => {
  await openDocuments(page);
  const newButton = page.getByRole("button", { name: "New document" });
  await newButton.click();
  await expect(page.getByRole("menuitem", { name: /Blank document/ })).toBeFocused();
  // Escape closes the menu and gives focus back to its button.
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toHaveCount(0);
  await expect(newButton).toBeFocused();

  await page.getByRole("button", { name: "New document" }).click();
  await page.getByRole("menuitem", { name: /Blank document/ }).click();
  await expect(page).toHaveURL(/\/d\/[\w-]+$/);
  const blankId = page.url().split("/d/")[1]!;
  const blank = await (await page.request.get(`/api/v1/documents/${blankId}`)).json();
  expect(blank.title).toBe("Untitled notebook");

  // Keyboard only: open the menu, move to the starter notebook, choose it.
  await openDocuments(page);
  await page.getByRole("button", { name: "New document" }).focus();
  await page.keyboard.press("Enter");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: /Starter notebook/ })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/d\/[\w-]+$/);
  const starterId = page.url().split("/d/")[1]!;
  const starter = await (await page.request.get(`/api/v1/documents/${starterId}`)).json();
  expect(starter.title).toBe("Starter notebook");
  expect(starter.content).toContain("# # Starter notebook");
  expect(starter.content).toContain('print("|---|---:|---:|")');
  expect(starter.content).toContain("plt.show()");
});

test("search as you type finds a document by its content; no match says so", async ({ page }) => {
  const word = `needle${uid()}`;
  const title = `Search target ${uid()}`;
  await createDoc(page, { title, content: `# # Hay\n# The ${word} is in the body, not the title.\n` });
  await createDoc(page, { title: `Other ${uid()}`, content: "# nothing here\n" });
  await openDocuments(page);
  await page.getByLabel("Search documents").fill(word);
  await expect(page).toHaveURL(new RegExp(`q=${word}`));
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(row(page, title)).toBeVisible();

  await page.getByLabel("Search documents").fill(`absent${uid()}`);
  await expect(page.getByText("Nothing matches")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).last().click();
  await expect(page.getByLabel("Search documents")).toHaveValue("");
  await expect(row(page, title)).toBeVisible();
});

test("tags: edit a document's tags, filter by a chip, clear the filter", async ({ page }) => {
  const tag = `t${uid()}`;
  const tagged = `Tagged ${uid()}`;
  const untagged = `Untagged ${uid()}`;
  await createDoc(page, { title: tagged });
  await createDoc(page, { title: untagged });
  await openDocuments(page);

  await action(page, tagged, "Edit tags");
  const input = page.getByLabel(`Tags for ${tagged}, separated by commas`);
  await expect(input).toBeFocused();
  await input.fill(`${tag}, extra${tag}`);
  await input.press("Enter");
  await expect(row(page, tagged).getByRole("button", { name: tag, exact: true })).toBeVisible();

  await page.getByRole("list", { name: "Tags", exact: true }).getByRole("button", { name: tag, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`tag=${tag}`));
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(row(page, tagged)).toBeVisible();
  await expect(
    page.getByRole("list", { name: "Tags", exact: true }).getByRole("button", { name: tag, exact: true }),
  ).toHaveAttribute("aria-pressed", "true");

  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(row(page, untagged)).toBeVisible();
  await expect(row(page, tagged)).toBeVisible();
});

test("sorts by title in both orders", async ({ page }) => {
  const key = `sortkey${uid()}`;
  for (const t of ["Bravo", "Alpha", "Charlie"]) await createDoc(page, { title: `${t} ${key}` });
  await openDocuments(page, `?q=${key}`);
  await expect(page.getByTestId("document-row")).toHaveCount(3);
  await page.getByLabel("Sort by").selectOption("title");
  await expect(page).toHaveURL(/sort=title/);
  await expect(page.getByTestId("document-row").getByRole("link")).toHaveText([
    `Alpha ${key}`,
    `Bravo ${key}`,
    `Charlie ${key}`,
  ]);
  await page.getByRole("button", { name: /^Order: ascending/ }).click();
  await expect(page.getByTestId("document-row").getByRole("link")).toHaveText([
    `Charlie ${key}`,
    `Bravo ${key}`,
    `Alpha ${key}`,
  ]);
});

test("renames inline and duplicates", async ({ page }) => {
  const title = `Rename me ${uid()}`;
  const renamed = `Renamed ${uid()}`;
  await createDoc(page, { title });
  await openDocuments(page);

  // Escape abandons a rename and keeps the old title.
  await action(page, title, "Rename");
  await page.getByLabel(`New title for ${title}`).press("Escape");
  await expect(row(page, title)).toBeVisible();

  await action(page, title, "Rename");
  await page.getByLabel(`New title for ${title}`).fill(renamed);
  await page.getByLabel(`New title for ${title}`).press("Enter");
  await expect(row(page, renamed)).toBeVisible();
  await expect(row(page, title)).toHaveCount(0);

  await action(page, renamed, "Duplicate");
  await expect(page.getByTestId("toast").filter({ hasText: `Created “${renamed} (copy)”` })).toBeVisible();
  await expect(row(page, `${renamed} (copy)`)).toBeVisible();
});

test("delete moves to the trash with an undo; the trash restores", async ({ page }) => {
  const title = `Trash me ${uid()}`;
  await createDoc(page, { title });
  await openDocuments(page);

  await action(page, title, "Move to trash");
  const toast = page.getByTestId("toast").filter({ hasText: `Moved “${title}” to the trash` });
  await expect(toast).toBeVisible();
  await expect(row(page, title)).toHaveCount(0);
  await toast.getByRole("button", { name: "Undo" }).click();
  await expect(row(page, title)).toBeVisible();

  await action(page, title, "Move to trash");
  await expect(row(page, title)).toHaveCount(0);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trash" }).click();
  await expect(page.getByRole("heading", { name: "Trash" })).toBeVisible();
  const trashed = page.getByTestId("trash-row").filter({ hasText: title });
  await expect(trashed).toContainText("30 days left");
  await trashed.getByRole("button", { name: `Restore ${title}` }).click();
  // The undo above also said "Restored"; that toast may still be showing.
  await expect(
    page
      .getByTestId("toast")
      .filter({ hasText: `Restored “${title}”` })
      .last(),
  ).toBeVisible();
  await expect(trashed).toHaveCount(0);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Documents" }).click();
  await expect(row(page, title)).toBeVisible();
});

test("imports several .pymd files from the file picker, titled by their first heading", async ({ page }) => {
  const heading = `Imported heading ${uid()}`;
  await openDocuments(page);
  await page.getByLabel("Import .pymd").setInputFiles([
    {
      name: "notes.pymd",
      mimeType: "text/plain",
      buffer: Buffer.from(`# # ${heading}\n# Some text.\n# \`\`\`\nprint(1)\n# \`\`\`\n`),
    },
    { name: "picture.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
  ]);
  const items = page.getByTestId("import-item");
  await expect(items.filter({ hasText: "notes.pymd" })).toContainText(`Imported as ${heading}`);
  await expect(items.filter({ hasText: "picture.png" })).toContainText("Failed: not a .pymd, .ipynb or .zip file");
  await expect(row(page, heading)).toBeVisible();
});

test("dropping .pymd files on the page imports them", async ({ page }) => {
  const heading = `Dropped heading ${uid()}`;
  await openDocuments(page);
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "dropped.pymd", { type: "text/plain" }));
    const main = document.querySelector("main")!;
    main.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true, cancelable: true }));
    main.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    main.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, `# # ${heading}\n# Dropped in.\n`);
  await expect(page.getByTestId("import-item").filter({ hasText: "dropped.pymd" })).toContainText(
    `Imported as ${heading}`,
  );
  await expect(row(page, heading)).toBeVisible();
});

test("pages through more than one page of results", async ({ page }) => {
  const key = `pagekey${uid()}`;
  for (let i = 1; i <= 21; i++) await createDoc(page, { title: `Page item ${String(i).padStart(2, "0")} ${key}` });
  await openDocuments(page, `?q=${key}&sort=title`);
  await expect(page.getByTestId("document-row")).toHaveCount(20);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText("Page 1 of 2");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(row(page, `Page item 21 ${key}`)).toBeVisible();
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(page.getByTestId("document-row")).toHaveCount(20);
});

/** A user made with the CLI against the running server's data directory; returns their session cookies. */
async function signedInCookies(
  playwright: PlaywrightWorkerArgs["playwright"],
  baseURL: string,
  role: "user" | "viewer",
) {
  const username = `${role}${uid()}`;
  const password = "e2e-member-pass-1";
  // The data directory is the one playwright.config.ts gives the server it starts on this port.
  const dataDir = `.tmp/e2e-data-${new URL(baseURL).port}`;
  execFileSync("./dist/pymd", ["user", "add", username, "--role", role, "--password-stdin", "--data-dir", dataDir], {
    input: `${password}\n`,
  });
  const ctx = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const res = await ctx.post("/api/v1/auth/login", { data: { username, password } });
  expect(res.ok(), await res.text()).toBeTruthy();
  const { cookies } = await ctx.storageState();
  await ctx.dispose();
  return { username, cookies };
}

async function switchUser(page: Page, cookies: Awaited<ReturnType<typeof signedInCookies>>["cookies"]): Promise<void> {
  await page.context().clearCookies();
  await page.context().addCookies(cookies);
}

test("shared documents show the member's role, and actions follow what the role allows", async ({
  page,
  playwright,
  baseURL,
}) => {
  const editor = await signedInCookies(playwright, baseURL!, "user");
  const viewer = await signedInCookies(playwright, baseURL!, "viewer");
  const title = `Shared doc ${uid()}`;
  const id = await createDoc(page, { title });
  const put = await page.request.put(`/api/v1/documents/${id}/members`, {
    data: {
      members: [
        { username: editor.username, role: "editor" },
        { username: viewer.username, role: "editor" },
      ],
    },
  });
  expect(put.ok()).toBeTruthy();

  // An editor may rename and duplicate but not delete someone else's document.
  await switchUser(page, editor.cookies);
  await openDocuments(page);
  await expect(row(page, title)).toContainText("Shared · editor");
  await page.getByRole("button", { name: `Actions for ${title}` }).click();
  await expect(page.getByRole("menu").getByRole("menuitem")).toHaveText([
    "Open",
    "Rename",
    "Edit tags",
    "Move to folder…",
    "Duplicate",
    "Download .pymd",
  ]);
  await page.keyboard.press("Escape");

  // A global viewer reads only, whatever the document grants: no New, no Import, no edits.
  await switchUser(page, viewer.cookies);
  await openDocuments(page);
  await expect(row(page, title)).toContainText("Shared · viewer");
  await expect(page.getByRole("button", { name: "New document" })).toHaveCount(0);
  await expect(page.getByLabel("Import .pymd")).toHaveCount(0);
  await page.getByRole("button", { name: `Actions for ${title}` }).click();
  await expect(page.getByRole("menu").getByRole("menuitem")).toHaveText(["Open", "Move to folder…", "Download .pymd"]);
});

test("empty, error and retry states are designed, never blank", async ({ page }) => {
  pageErrors.allowed.push(/status of 500/);
  let mode: "error" | "empty" = "error";
  await page.route(/\/api\/v1\/documents\?/, (route) =>
    mode === "error"
      ? route.fulfill({
          status: 500,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "internal", message: "Something broke" } }),
        })
      : route.fulfill({
          status: 200,
          contentType: "application/json",
          body: JSON.stringify({ documents: [], pagination: { page: 1, limit: 20, total: 0 } }),
        }),
  );
  await openDocuments(page);
  await expect(page.getByRole("alert")).toContainText("Could not load your documents: Something broke");
  mode = "empty";
  await page.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByText("No documents yet")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create a blank document" })).toBeVisible();
});

test("screenshots: light theme, desktop and phone width", async ({ page }) => {
  const sample = `Screenshot sample ${uid()}`;
  await createDoc(page, {
    title: sample,
    content: "# # Sample\n# A document with a short excerpt for the list.\n",
    tags: ["demo", "plots"],
  });
  await openDocuments(page);
  await expect(page.getByTestId("document-row").first()).toBeVisible();
  await page.screenshot({ path: "test-results/e2e/documents-light.png", fullPage: false });
  await page.setViewportSize({ width: 375, height: 800 });
  await expect(page.getByTestId("document-row").first()).toBeVisible();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/e2e/documents-light-phone.png" });
  await page.getByRole("button", { name: `Actions for ${sample}` }).click();
  await page.screenshot({ path: "test-results/e2e/documents-light-phone-menu.png" });
  await page.keyboard.press("Escape");

  const gone = await createDoc(page, { title: `Deleted sample ${uid()}` });
  expect((await page.request.delete(`/api/v1/documents/${gone}`)).status()).toBe(204);
  await page.goto("/trash");
  await expect(page.getByRole("heading", { name: "Trash" })).toBeVisible();
  await expect(page.getByTestId("trash-row").first()).toBeVisible();
  const trashOverflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(trashOverflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/e2e/trash-light-phone.png" });
});
