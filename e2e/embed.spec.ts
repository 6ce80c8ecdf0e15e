// Embeds: the owner publishes a document and takes the embed code from the share dialog; a page on
// the origin the server lists in --embed-origins (playwright.config.ts) frames it and shows the
// notebook; a page on any other origin gets the frame refused (frame-ancestors) and shows nothing
// of it. The share dialog's analytics then count the embed's views.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce(".tmp/e2e-auth-embed.json");

const uid = () => Math.random().toString(36).slice(2, 8);

/** A tiny site on 127.0.0.1:port whose page is the given HTML (the embed code, as pasted into a blog). */
function site(port: number, html: () => string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>A blog</title></head><body><h1>My blog post</h1>${html()}</body></html>`,
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/** Opens the share dialog of a document in the editor. */
async function openShare(page: Page, id: string) {
  await page.goto(`/d/${id}`);
  await page.getByRole("button", { name: "Share" }).click();
  return page.getByRole("dialog");
}

test("an allowed site frames the embed and shows the notebook; another site's frame is refused", async ({
  page,
  browser,
}) => {
  const marker = `EMBED-VISIBLE-${uid()}`;
  const created = await page.request.post("/api/v1/documents", {
    data: { title: `Embedded ${marker}`, content: `# # Embedded notebook\n# The words ${marker} are in it.\n` },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const { id } = (await created.json()) as { id: string };

  // publish through the share dialog and take the embed code it shows
  let dialog = await openShare(page, id);
  await dialog.getByRole("button", { name: "Publish a link" }).click();
  const code = await dialog.getByLabel("Embed code").inputValue();
  expect(code).toMatch(
    /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\/[a-z2-7]+" width="100%" height="600" style="border:0"><\/iframe>$/,
  );
  const allowedOrigin = `http://127.0.0.1:${process.env.PYMD_E2E_EMBED_PORT}`;
  await expect(dialog.getByTestId("embed-origins")).toHaveText(`Sites that may embed it: ${allowedOrigin}`);
  await expect(dialog.getByTestId("share-analytics")).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();

  const allowed = await site(Number(process.env.PYMD_E2E_EMBED_PORT), () => code);
  const other = await site(0, () => code);
  try {
    // a signed-out reader, as on someone's blog
    const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const reader = await ctx.newPage();
    await reader.goto(`${allowedOrigin}/`);
    const frame = reader.frameLocator("iframe");
    await expect(frame.getByTestId("embed-notebook")).toContainText(marker);
    await expect(frame.locator("h1", { hasText: "Embedded notebook" })).toBeVisible();
    // no app around it: no top bar, no sign-in, no script
    expect(await frame.locator("script").count()).toBe(0);
    await expect(frame.getByRole("button")).toHaveCount(0);

    // the same code on an origin the server does not list: Chromium refuses the frame
    const refused: string[] = [];
    const otherPage = await ctx.newPage();
    otherPage.on("console", (m) => m.text().includes("frame-ancestors") && refused.push(m.text()));
    // the server answers (and counts the view); the browser then refuses to show it in the frame
    const loaded = otherPage.waitForResponse((r) => r.url().includes("/embed/"));
    await otherPage.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
    await loaded;
    await expect.poll(() => refused.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(refused[0]).toContain(allowedOrigin);
    const child = otherPage.frames().find((f) => f !== otherPage.mainFrame());
    expect(child).toBeTruthy();
    // the frame holds Chromium's error page, never the notebook
    expect(child!.url()).not.toContain("/embed/");
    await expect(otherPage.frameLocator("iframe").getByText(marker)).toHaveCount(0);
    await expect(otherPage.frameLocator("iframe").getByTestId("embed-notebook")).toHaveCount(0);
    await ctx.close();
  } finally {
    await close(allowed);
    await close(other);
  }

  // the owner sees the embed's views (both were served; the browser refused to show the second)
  const analytics = await page.request.get(`/api/v1/documents/${id}/analytics`);
  const a = (await analytics.json()) as { views: { public: number; embed: number } };
  expect(a.views.embed).toBeGreaterThanOrEqual(1);
  dialog = await openShare(page, id);
  const table = dialog.getByTestId("share-analytics");
  await expect(table.getByRole("row", { name: /Embed views/ })).toContainText(String(a.views.embed));
  await expect(table).toContainText("Not run yet");
  await table.screenshot({ path: "test-results/e2e/share-analytics.png" });
  await dialog.getByRole("button", { name: "Done" }).click();
});
