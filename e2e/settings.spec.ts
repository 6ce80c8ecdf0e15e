// Settings end to end: theme applies at once and persists, editor preferences save, API tokens
// are created (secret shown once), listed and revoked.
import { signInOnce } from "./sign-in-once.ts";
import { expect, test, type Page } from "@playwright/test";

signInOnce("test-results/.auth/settings-admin.json");

let errors: string[] = [];
test.beforeEach(async ({ page }) => {
  errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
});
test.afterEach(async ({ page }) => {
  // The theme is the admin's own setting, shared with other specs: put it back.
  await page.request.patch("/api/v1/users/me/settings", { data: { theme: "system", editorFontSize: 14 } });
  expect(errors).toEqual([]);
});

async function openSettings(page: Page): Promise<void> {
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
}

test("dark theme applies at once and persists after a reload", async ({ page }) => {
  await openSettings(page);
  await page.getByRole("radio", { name: "Dark" }).check();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByTestId("save-status")).toContainText("Saved");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
  await page.screenshot({ path: "test-results/e2e/settings-dark.png", fullPage: true });

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(page.getByTestId("document-row").first()).toBeVisible();
  await page.screenshot({ path: "test-results/e2e/documents-dark.png" });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: "test-results/e2e/documents-dark-phone.png" });

  await page.goto("/settings");
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/e2e/settings-dark-phone.png", fullPage: true });
  await page.getByRole("radio", { name: "Light" }).check();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
});

test("editor preferences save and survive a reload", async ({ page }) => {
  await openSettings(page);
  await page.getByLabel("Font size (px)").fill("17");
  await expect(page.getByTestId("save-status")).toContainText("Saved");
  await page.getByLabel("Tab size").selectOption("2");
  await page.getByLabel("Wrap long lines").uncheck();
  await expect(page.getByTestId("save-status")).toContainText("Saved");
  await page.reload();
  await expect(page.getByLabel("Font size (px)")).toHaveValue("17");
  await expect(page.getByLabel("Tab size")).toHaveValue("2");
  await expect(page.getByLabel("Wrap long lines")).not.toBeChecked();
  await page.getByLabel("Tab size").selectOption("4");
  await page.getByLabel("Wrap long lines").check();
  await expect(page.getByTestId("save-status")).toContainText("Saved");
});

test("API tokens: create shows the secret once, it works, revoke removes it", async ({ page, playwright, baseURL }) => {
  const name = `e2e token ${Date.now()}`;
  await openSettings(page);
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByTestId("new-token").inputValue();
  expect(secret.length).toBeGreaterThan(20);
  await expect(page.getByRole("list", { name: "Your API tokens" })).toContainText(name);

  const bare = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  expect((await bare.get("/api/v1/auth/me", { headers: { authorization: `Bearer ${secret}` } })).status()).toBe(200);

  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await page.getByRole("button", { name: `Revoke ${name}` }).click();
  await page.getByRole("button", { name: `Confirm revoking ${name}` }).click();
  await expect(page.getByRole("list", { name: "Your API tokens" }).getByText(name)).toHaveCount(0);
  expect((await bare.get("/api/v1/auth/me", { headers: { authorization: `Bearer ${secret}` } })).status()).toBe(401);
  await bare.dispose();
});
