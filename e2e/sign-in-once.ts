// Signs a spec file in as the e2e admin once and reuses the cookie for every test in it: login
// attempts are rate limited per address, so signing in per test would hit the limit.
import { expect, test, type Page } from "@playwright/test";

/** Signs in through the sign-in page, as a person does. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
}

export function signInOnce(authFile: string): void {
  test.beforeAll(async ({ playwright, baseURL }) => {
    const ctx = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const res = await ctx.post("/api/v1/auth/login", { data: { username: "admin", password: "e2e-admin-pass" } });
    expect(res.ok()).toBeTruthy();
    await ctx.storageState({ path: authFile });
    await ctx.dispose();
  });
  test.use({ storageState: authFile });
}
