// The interface in Traditional Chinese: chosen in Settings, applied at once, kept after a reload,
// on Settings, the documents list, the trash and the editor with its panels, with dates written the Taiwanese way; the browser's own language when the setting is "auto".
import { expect, test } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce(".tmp/e2e-auth-language.json");

test("choose 繁體中文 in Settings; the pages follow, after a reload too", async ({ page }) => {
  try {
    await page.goto("/settings");
    await page.getByLabel("Language").selectOption("zh-TW");
    await expect(page.getByRole("heading", { name: "設定", level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation")).toContainText("文件");
    await expect(page.getByRole("button", { name: "登出", exact: true })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-TW");
    await page.reload();
    await expect(page.getByRole("heading", { name: "API 權杖" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "你登入的地方" })).toBeVisible();
    // a session's time in the Taiwanese form: 2026年12月1日 …
    await expect(page.getByTestId("sessions").locator("li[data-current=yes]")).toContainText(
      /登入於 \d{4}年\d{1,2}月\d{1,2}日/,
    );
    // the documents list and the trash too
    await page.getByRole("link", { name: "文件" }).click();
    await expect(page.getByRole("heading", { name: "文件", level: 1 })).toBeVisible();
    await expect(page.getByLabel("搜尋文件")).toBeVisible();
    await page.getByRole("link", { name: "垃圾桶" }).click();
    await expect(page.getByRole("heading", { name: "垃圾桶", level: 1 })).toBeVisible();
    // the editor and its panels too
    const id = await page.evaluate(async () => {
      const r = await fetch("/api/v1/documents", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "語言", content: "# # 標題\n# 一行字。\n" }),
      });
      return ((await r.json()) as { id: string }).id;
    });
    await page.goto(`/d/${id}`);
    await expect(page.getByRole("button", { name: "全部執行" })).toBeVisible();
    await expect(page.getByTestId("save-state")).toHaveText("已儲存");
    await page.getByRole("button", { name: "歷史紀錄" }).click();
    await expect(page.getByRole("heading", { name: "歷史紀錄" })).toBeVisible();
    await page.getByLabel("關閉歷史紀錄").click();
    await page.getByTestId("comments-button").click();
    await expect(page.getByRole("button", { name: "對選取的文字留言" })).toBeVisible();
    await expect(page.getByTestId("comments")).toContainText("沒有未解決的留言。");
  } finally {
    await page.request.patch("/api/v1/users/me/settings", { data: { language: "auto" } });
  }
});

test.describe("a browser that asks for Chinese", () => {
  test("the sign-in page is in Traditional Chinese when nobody chose otherwise", async ({ browser }) => {
    const ctx = await browser.newContext({ locale: "zh-TW", storageState: { cookies: [], origins: [] } });
    const page = await ctx.newPage();
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "登入 pymd" })).toBeVisible();
    await expect(page.getByLabel("使用者名稱")).toBeVisible();
    await ctx.close();
  });
});
