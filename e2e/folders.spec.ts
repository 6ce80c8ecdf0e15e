// Folders and favourites on the documents page end to end: make a folder in the sidebar, drag a
// document onto it, open it, star a document and find it in Favorites, search within the folder,
// move a document through its menu, refuse a duplicate name, delete the folder and find the
// documents still there. Every name is unique, so the spec does not depend on other specs' data.
import { signInOnce } from "./sign-in-once.ts";
import { failOnPageErrors, uid } from "./page-errors.ts";
import { expect, test, type Page } from "@playwright/test";

signInOnce("test-results/.auth/folders-admin.json");

const pageErrors = failOnPageErrors();

async function createDoc(page: Page, body: { title: string; content?: string }): Promise<string> {
  const res = await page.request.post("/api/v1/documents", { data: body });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const row = (page: Page, title: string) =>
  page.getByTestId("document-row").filter({ has: page.getByRole("link", { name: title, exact: true }) });
const sidebar = (page: Page) => page.getByRole("navigation", { name: "Folders" });
const folderLink = (page: Page, name: string) => sidebar(page).getByRole("link", { name: new RegExp(`^${name}\\b`) });

test("folders: make one, drag a document in, star it, search within, move by menu, delete", async ({ page }) => {
  const key = uid();
  const alpha = `Folder alpha ${key}`;
  const bravo = `Folder bravo ${key}`;
  const folder = `Projects ${key}`;
  const alphaId = await createDoc(page, { title: alpha, content: `# # ${alpha}\n# filed first\n` });
  await createDoc(page, { title: bravo, content: `# # ${bravo}\n# filed second\n` });

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(sidebar(page).getByRole("link", { name: "All documents" })).toHaveAttribute("aria-current", "page");

  // a new folder through the sidebar's inline form
  await sidebar(page).getByRole("button", { name: "New folder" }).click();
  await page.getByLabel("Name of the new folder", { exact: true }).fill(folder);
  await page.getByLabel("Name of the new folder", { exact: true }).press("Enter");
  await expect(folderLink(page, folder)).toBeVisible();
  await expect(folderLink(page, folder)).toBeFocused();

  // a second folder of the same name is refused, with a toast
  pageErrors.allowed.push(/409/);
  await sidebar(page).getByRole("button", { name: "New folder" }).click();
  await page.getByLabel("Name of the new folder", { exact: true }).fill(folder);
  await page.getByLabel("Name of the new folder", { exact: true }).press("Enter");
  await expect(
    page.getByTestId("toast").filter({ hasText: `There is already a folder named “${folder}” there.` }),
  ).toBeVisible();
  await page.getByLabel("Name of the new folder", { exact: true }).press("Escape");
  await expect(page.getByLabel("Name of the new folder", { exact: true })).toHaveCount(0);
  await expect(folderLink(page, folder)).toHaveCount(1);

  // drag the first document onto the folder
  await expect(row(page, alpha)).toBeVisible();
  await row(page, alpha).dragTo(folderLink(page, folder));
  await expect(page.getByTestId("toast").filter({ hasText: `Moved “${alpha}” to “${folder}”` })).toBeVisible();
  await expect(folderLink(page, folder).locator(".folder-count")).toHaveText("1");
  const filed = await (await page.request.get(`/api/v1/documents?folder=none&q=${key}`)).json();
  expect(filed.documents.map((d: { title: string }) => d.title)).toEqual([bravo]);

  // open the folder: only that document
  await folderLink(page, folder).click();
  await expect(page).toHaveURL(/folder=[a-z2-7]{16}/);
  await expect(page.getByRole("heading", { name: folder })).toBeVisible();
  await expect(folderLink(page, folder)).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(row(page, alpha)).toBeVisible();
  const folderUrl = page.url();

  // star it; Favorites lists it
  await row(page, alpha)
    .getByRole("button", { name: `Add ${alpha} to favorites` })
    .click();
  const unstar = row(page, alpha).getByRole("button", { name: `Remove ${alpha} from favorites` });
  await expect(unstar).toHaveAttribute("aria-pressed", "true");
  await expect
    .poll(async () =>
      (await (await page.request.get(`/api/v1/documents?favorites=1&q=${key}`)).json()).documents.map(
        (d: { id: string }) => d.id,
      ),
    )
    .toEqual([alphaId]);
  await sidebar(page).getByRole("link", { name: "Favorites" }).click();
  await expect(page).toHaveURL(/favorites=1/);
  await expect(page.getByRole("heading", { name: "Favorites" })).toBeVisible();
  await expect(row(page, alpha)).toBeVisible();
  await expect(row(page, bravo)).toHaveCount(0);

  // search within the folder: the key matches both documents, but only one is in the folder
  await page.goto(folderUrl);
  await expect(page.getByRole("heading", { name: folder })).toBeVisible();
  await page.getByLabel("Search documents").fill(key);
  await expect(page).toHaveURL(new RegExp(`q=${key}`));
  await expect(page).toHaveURL(/folder=/);
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(row(page, alpha)).toBeVisible();
  await page.getByLabel("Search documents").fill(`absent${key}`);
  await expect(page.getByText("Nothing matches")).toBeVisible();
  await page.getByLabel("Search documents").fill("");
  await expect(row(page, alpha)).toBeVisible();

  // move the other document into the folder through its menu, from All documents
  await sidebar(page).getByRole("link", { name: "All documents" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await page.getByLabel("Search documents").fill(key);
  await expect(page.getByTestId("document-row")).toHaveCount(2);
  await page.getByRole("button", { name: `Actions for ${bravo}`, exact: true }).click();
  await page.getByRole("menuitem", { name: "Move to folder…" }).click();
  await page.getByLabel(`Folder for ${bravo}`).selectOption({ label: folder });
  await row(page, bravo).getByRole("button", { name: "Move", exact: true }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Moved “${bravo}” to “${folder}”` })).toBeVisible();
  await expect(folderLink(page, folder).locator(".folder-count")).toHaveText("2");
  // the list says where each document is filed
  await expect(row(page, bravo).getByRole("button", { name: `In ${folder}` })).toBeVisible();

  // in the folder now both are listed, and search narrows them
  await folderLink(page, folder).click();
  await expect(page.getByRole("heading", { name: folder })).toBeVisible();
  await expect(page.getByTestId("document-row")).toHaveCount(2);
  await page.getByLabel("Search documents").fill(`bravo ${key}`);
  await expect(page.getByTestId("document-row")).toHaveCount(1);
  await expect(row(page, bravo)).toBeVisible();
  await page.getByLabel("Search documents").fill(key);
  await expect(page.getByTestId("document-row")).toHaveCount(2);

  // delete the folder: back to All documents, both documents still there, in no folder
  await sidebar(page)
    .getByRole("button", { name: `Actions for the folder ${folder}` })
    .click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete folder" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Deleted the folder “${folder}”` })).toBeVisible();
  await expect(folderLink(page, folder)).toHaveCount(0);
  await expect(page).not.toHaveURL(/folder=/);
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(row(page, alpha)).toBeVisible();
  await expect(row(page, bravo)).toBeVisible();
  const loose = await (await page.request.get(`/api/v1/documents?folder=none&q=${key}&sort=title`)).json();
  expect(loose.documents.map((d: { title: string }) => d.title)).toEqual([alpha, bravo]);
  const left = await (await page.request.get("/api/v1/folders")).json();
  expect(left.folders.map((f: { name: string }) => f.name)).not.toContain(folder);
});
