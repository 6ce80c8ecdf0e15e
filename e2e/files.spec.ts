// Workspace files as a data scientist uses them: drop sales.csv into the Files panel, read it in a
// block, write a summary and a plot, see both appear for a second collaborator without a reload,
// see the plot through a Markdown link in the preview, on the public page and in the HTML export,
// paste an image into the editor, and download a file with the same bytes.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./sign-in-once.ts";
import { readFileSync } from "node:fs";

const CSV = "region,amount\nN,120\nS,80\nN,30\n";
const SOURCE = [
  "# # Sales",
  "# ![plot](figures/plot.png)",
  "# ```",
  "import os",
  "import pandas as pd",
  "import matplotlib.pyplot as plt",
  "df = pd.read_csv('sales.csv')",
  "print(df.to_markdown(index=False))",
  "df.groupby('region').sum().to_csv('summary.csv')",
  "os.makedirs('figures', exist_ok=True)",
  "df.plot(x='region', y='amount').get_figure().savefig('figures/plot.png')",
  "plt.close('all')",
  "# ```",
  "",
].join("\n");

/** Drops files on an element the way a browser does (dragover, then drop with a DataTransfer). */
async function dropFiles(
  page: Page,
  selector: string,
  files: { name: string; type: string; text?: string; base64?: string }[],
  event: "drop" | "paste" = "drop",
) {
  const dt = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) {
      const body = f.base64 !== undefined ? Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)) : f.text!;
      dt.items.add(new File([body], f.name, { type: f.type }));
    }
    return dt;
  }, files);
  if (event === "paste") {
    await page.locator(selector).evaluate((el, data) => {
      const e = new ClipboardEvent("paste", { clipboardData: data as DataTransfer, bubbles: true, cancelable: true });
      el.dispatchEvent(e);
    }, dt);
  } else {
    await page.dispatchEvent(selector, "dragover", { dataTransfer: dt });
    await page.dispatchEvent(selector, "drop", { dataTransfer: dt });
  }
}

// a 1x1 PNG
const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

test("drop a CSV, read it, write files that reach a collaborator, show them everywhere, paste an image, download", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page, "admin", "e2e-admin-pass");
  const created = await page.evaluate(async (content) => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Sales files", content }),
    });
    const d = (await r.json()) as { id: string };
    await fetch(`/api/v1/documents/${d.id}/members`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ members: [{ username: "reader", role: "editor" }] }),
    });
    return d;
  }, SOURCE);

  await page.goto(`/d/${created.id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await page.getByTestId("files-button").click();
  const panel = page.getByTestId("files-panel");
  await expect(panel).toContainText("No files yet.");

  // the collaborator has the panel open too
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await signIn(other, "reader", "e2e-reader-pass");
  await other.goto(`/d/${created.id}`);
  await expect(other.getByTestId("connection")).toContainText("live");
  await other.getByTestId("files-button").click();

  // drag and drop sales.csv onto the panel
  await dropFiles(page, "[data-testid=files-panel]", [{ name: "sales.csv", type: "text/csv", text: CSV }]);
  await expect(panel.locator("[data-path='sales.csv']")).toBeVisible();
  await expect(other.getByTestId("files-panel").locator("[data-path='sales.csv']")).toBeVisible();

  // run: the table comes from the uploaded file, the written files appear for the other person
  await page.getByRole("button", { name: "Run all" }).click();
  const outputs = page.getByTestId("cell-outputs");
  await expect(outputs.locator("table")).toContainText("120", { timeout: 30_000 });
  const otherPanel = other.getByTestId("files-panel");
  await expect(otherPanel.locator("[data-path='summary.csv']")).toBeVisible({ timeout: 15_000 });
  await expect(otherPanel.locator("[data-path='figures/plot.png']")).toBeVisible();

  // the Markdown link shows the written plot in the preview
  const img = page.getByTestId("preview").locator("img[alt='plot']");
  await expect(img).toHaveAttribute(
    "src",
    /\/api\/v1\/documents\/[a-z2-7]+\/file\?path=figures%2Fplot\.png&inline=1(&v=\d+)?$/,
  );
  await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
  await page.screenshot({ path: "test-results/e2e/files-panel.png" });

  // download sales.csv from the panel: the same bytes
  const download = page.waitForEvent("download");
  await panel.locator("[data-path='sales.csv'] a").click();
  expect(readFileSync((await (await download).path())!, "utf8")).toBe(CSV);

  // the HTML export embeds the plot
  const exported = await page.request.get(`/api/v1/documents/${created.id}/export?format=html`);
  const html = await exported.text();
  expect(html).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}" alt="plot">/);

  // the public page shows it too, and only what the document references is reachable there
  const pub = await page.evaluate(async (id) => {
    const r = await fetch(`/api/v1/documents/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ isPublic: true }),
    });
    return ((await r.json()) as { publicSlug: string }).publicSlug;
  }, created.id);
  const anonCtx = await browser.newContext();
  const anon = await anonCtx.newPage();
  await anon.goto(`/p/${pub}`);
  const pubImg = anon.getByTestId("public-notebook").locator("img[alt='plot']");
  await expect.poll(() => pubImg.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
  expect((await anon.request.get(`/api/v1/public/${pub}/file?path=summary.csv`)).status()).toBe(404);
  await anonCtx.close();

  // paste an image into the editor: it is uploaded and linked at the cursor
  await page.getByTestId("editor-content").click();
  await page.keyboard.press("Control+End");
  await dropFiles(
    page,
    "[data-testid=editor-content]",
    [{ name: "image.png", type: "image/png", base64: PIXEL }],
    "paste",
  );
  await expect(page.getByTestId("editor-content")).toContainText(/# !\[pasted-\d{14}\]\(pasted-\d{14}\.png\)/);
  await expect(panel.locator("[data-path^='pasted-']")).toBeVisible();
  await expect(otherPanel.locator("[data-path^='pasted-']")).toBeVisible();

  await ctx.close();
  expect(errors).toEqual([]);
});
