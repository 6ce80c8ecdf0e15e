// The notifications bell: another user shares a document with the signed-in admin and mentions
// them in a comment; the bell's count rises live over the socket, without a reload; the panel
// says both as sentences; a click on the mention opens the document at its thread and marks it
// read; "Mark all as read" clears the rest; Escape and a click outside close the panel. The other
// user, who has nothing, sees "Nothing new."
import { expect, test, type APIRequestContext, type PlaywrightWorkerArgs } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce(".tmp/e2e-auth-notifications.json");

const uid = () => Math.random().toString(36).slice(2, 8);

/** A new account made by the admin, signed in through its one-time link in a request context of its own. */
async function newUser(admin: APIRequestContext, playwright: PlaywrightWorkerArgs["playwright"], baseURL: string) {
  const username = `bella${uid()}`;
  const made = await admin.post("/api/v1/admin/users", { data: { username } });
  expect(made.status(), await made.text()).toBe(201);
  const { link } = (await made.json()) as { link: string };
  const token = new URL(link).hash.slice(1);
  const ctx = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const set = await ctx.post("/api/v1/auth/password-link", { data: { token, password: "bellas-own-password" } });
  expect(set.ok(), await set.text()).toBeTruthy();
  return { username, ctx };
}

test("a share and a mention ring the bell live; the panel lists them, opens the thread, marks them read", async ({
  page,
  browser,
  playwright,
  baseURL,
}) => {
  // start from nothing unread
  expect((await page.request.post("/api/v1/notifications/read", { data: { all: true } })).ok()).toBeTruthy();
  const me = ((await (await page.request.get("/api/v1/auth/me")).json()) as { user: { username: string } }).user
    .username;

  // the socket's first "notifications" frame, so what follows is known to arrive live
  let framesSeen = 0;
  const socketReady = new Promise<void>((resolve) => {
    page.on("websocket", (ws) => {
      ws.on("framereceived", (f) => {
        if (typeof f.payload === "string" && f.payload.includes('"t":"notifications"')) {
          framesSeen++;
          resolve();
        }
      });
    });
  });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await socketReady;
  const bell = page.getByTestId("notifications-bell");
  await expect(bell).toHaveAttribute("aria-label", "Notifications");
  await expect(bell).toHaveAttribute("aria-haspopup", "dialog");
  await expect(bell).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByTestId("unread-count")).toHaveCount(0);
  // the same page throughout: a reload would lose this
  await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));

  // Bella makes a document, shares it with me as a commenter, and mentions me in a comment.
  const bella = await newUser(page.request, playwright, baseURL!);
  const title = `Bell notes ${uid()}`;
  const created = await bella.ctx.post("/api/v1/documents", {
    data: { title, content: "# # Bell notes\nprint('hello')\n" },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const docId = ((await created.json()) as { id: string }).id;
  const shared = await bella.ctx.put(`/api/v1/documents/${docId}/members`, {
    data: { members: [{ username: me, role: "commenter" }] },
  });
  expect(shared.ok(), await shared.text()).toBeTruthy();
  await expect(page.getByTestId("unread-count")).toHaveText("1");
  await expect(bell).toHaveAttribute("aria-label", "Notifications (1 unread)");

  const commented = await bella.ctx.post(`/api/v1/documents/${docId}/comments`, {
    data: { anchor: { from: 0, to: 5 }, body: `@${me} please look` },
  });
  expect(commented.status(), await commented.text()).toBe(201);
  const threadId = ((await commented.json()) as { id: string }).id;
  await expect(page.getByTestId("unread-count")).toHaveText("2");
  await expect(bell).toHaveAttribute("aria-label", "Notifications (2 unread)");
  expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
  expect(framesSeen).toBeGreaterThanOrEqual(3);

  // the panel: both, newest first, unread
  await bell.click();
  await expect(bell).toHaveAttribute("aria-expanded", "true");
  const panel = page.getByRole("dialog", { name: "Notifications" });
  await expect(panel).toBeVisible();
  const items = panel.getByTestId("notification");
  // (older, read notifications from other specs may follow: only the two new ones are unread)
  await expect(panel.locator("[data-unread=yes]")).toHaveCount(2);
  const mention = items.nth(0);
  await expect(mention).toHaveAttribute("data-kind", "mention");
  await expect(mention).toHaveAttribute("data-unread", "yes");
  await expect(mention.locator(".nb-sentence")).toHaveText(`${bella.username} mentioned you in “${title}”`);
  await expect(mention.locator(".nb-excerpt")).toHaveText(`@${me} please look`);
  await expect(mention.locator("time")).not.toBeEmpty();
  await expect(items.nth(1)).toHaveAttribute("data-kind", "shared");
  await expect(items.nth(1)).toHaveAttribute("data-unread", "yes");
  await expect(items.nth(1).locator(".nb-sentence")).toHaveText(
    `${bella.username} shared “${title}” with you as Commenter`,
  );

  // Escape closes it and gives focus back to the bell
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(bell).toBeFocused();
  await expect(bell).toHaveAttribute("aria-expanded", "false");

  // the mention opens the document at its thread, and is read
  await bell.click();
  await panel.getByTestId("notification").first().click();
  await expect(page).toHaveURL(new RegExp(`/d/${docId}#comment-${threadId}$`));
  await expect
    .poll(async () => ((await (await page.request.get("/api/v1/notifications")).json()) as { unread: number }).unread)
    .toBe(1);

  // back on the list, one is left; "Mark all as read" clears it
  await page.goBack();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(page.getByTestId("unread-count")).toHaveText("1");
  await bell.click();
  await expect(items.nth(0)).toHaveAttribute("data-unread", "no");
  await expect(items.nth(1)).toHaveAttribute("data-unread", "yes");
  await panel.getByRole("button", { name: "Mark all as read" }).click();
  await expect(page.getByTestId("unread-count")).toHaveCount(0);
  await expect(bell).toHaveAttribute("aria-label", "Notifications");
  await expect(panel.locator("[data-unread=yes]")).toHaveCount(0);
  await expect(panel.getByRole("button", { name: "Mark all as read" })).toBeDisabled();
  expect(((await (await page.request.get("/api/v1/notifications")).json()) as { unread: number }).unread).toBe(0);

  // a click outside closes the panel
  await page.getByRole("heading", { name: "Documents" }).click();
  await expect(panel).toHaveCount(0);
  await expect(bell).toHaveAttribute("aria-expanded", "false");

  // Bella has nothing yet
  const other = await browser.newContext({ storageState: await bella.ctx.storageState() });
  const bellaPage = await other.newPage();
  await bellaPage.goto("/");
  await expect(bellaPage.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(bellaPage.getByTestId("unread-count")).toHaveCount(0);
  await bellaPage.getByTestId("notifications-bell").click();
  await expect(bellaPage.getByRole("dialog", { name: "Notifications" })).toContainText("Nothing new.");
  await other.close();
  await bella.ctx.dispose();
});
