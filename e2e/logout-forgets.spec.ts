// Signing out leaves nothing of the user's documents in this browser: the offline copies the
// editor keeps in IndexedDB (of a document left earlier, and of one edited and left just before
// signing out) and the unsaved drafts in localStorage are deleted.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./sign-in-once.ts";

/** The ids of the documents whose offline copy IndexedDB holds (the client's "pymd-collab" store). */
const offlineCopies = (p: Page) =>
  p.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === "pymd-collab")) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open("pymd-collab");
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      if (!db.objectStoreNames.contains("documents")) return [];
      const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
        const r = db.transaction("documents").objectStore("documents").getAllKeys();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      return keys.map(String).sort();
    } finally {
      db.close();
    }
  });

const draftKeys = (p: Page) => p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("pymd:draft:")));

test("signing out deletes the offline copies and drafts kept in this browser", async ({ page }) => {
  await signIn(page, "admin", "e2e-admin-pass");
  const [left, last] = await page.evaluate(async () => {
    const create = async (title: string) => {
      const r = await fetch("/api/v1/documents", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title, content: `# # ${title}\nx = 1\n` }),
      });
      return ((await r.json()) as { id: string }).id;
    };
    return [await create("Left earlier"), await create("Left last")];
  });

  // Each document's copy is stored once the editor has it.
  await page.goto(`/d/${left}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await expect.poll(() => offlineCopies(page)).toContain(left);
  await page.goto(`/d/${last}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await expect.poll(() => offlineCopies(page)).toEqual([left, last].sort());
  await page.evaluate(
    (id) =>
      localStorage.setItem(`pymd:draft:${id}`, JSON.stringify({ text: "unsaved", base: "", savedAt: Date.now() })),
    left,
  );
  expect(await draftKeys(page)).toEqual([`pymd:draft:${left}`]);

  // An edit, then back to the list within the page (its worker stores the copy with the edit as it
  // closes), and sign out.
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("y = 2\n");
  await page.getByRole("link", { name: "All documents" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(await offlineCopies(page)).toEqual([]);
  expect(await draftKeys(page)).toEqual([]);

  // Nothing brings a copy back later (the editor saves its copy each second while open).
  await page.waitForTimeout(2_000);
  expect(await offlineCopies(page)).toEqual([]);
});
