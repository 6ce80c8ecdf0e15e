// A 1 MB paste in the browser is saved in pieces and is there after a reload.
import { expect, test } from "@playwright/test";
import { createDocument, live, longDocument, saved, storedText } from "./big-documents-kit.ts";
import { signInOnce } from "./sign-in-once.ts";

signInOnce(".tmp/e2e-auth-big-paste.json");
// Playwright's trace takes a snapshot of the whole DOM at every step: with the preview of a
// 70,000-line paste on the page, each snapshot keeps the page's main thread busy for seconds, and
// the steps of this test then wait minutes for it.
test.use({ trace: "off" });

test("a 1 MB paste is saved, and a reload shows it", async ({ page }) => {
  test.setTimeout(600_000);
  const id = await createDocument(page, "Pasted", "# # Pasted\n# The paste goes below.\n");
  await page.goto(`/d/${id}`);
  await live(page);
  await saved(page);
  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  const pasted = longDocument(70_000) + "# THE END OF THE PASTE\n";
  expect(pasted.length).toBeGreaterThan(1024 * 1024);
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData("text/plain", text);
    document
      .querySelector("[data-testid='editor-content']")!
      .dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, pasted);
  // the label left "Saved" with the paste itself
  await saved(page, 240_000);

  const text = await storedText(page, id);
  expect(text).toBe("# # Pasted\n# The paste goes below.\n" + pasted);

  // the reload loads 70,000 lines: it may take a while on a loaded machine
  await page.reload();
  await expect(page.getByTestId("editor-content")).toContainText("The paste goes below.", { timeout: 120_000 });
  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  await expect(page.getByTestId("editor-content")).toContainText("THE END OF THE PASTE", { timeout: 60_000 });
});
