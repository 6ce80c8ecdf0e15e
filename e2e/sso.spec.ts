// Single sign-on in the browser: "Sign in with Team SSO" goes through the provider's own login
// and consent pages (oidc-provider, e2e/sso-provider.ts) and back into pymd, signed in with an
// account made on the way; someone outside the allowed group comes back to the sign-in page with
// the reason.
import { expect, test, type Page } from "@playwright/test";

async function throughProvider(page: Page, login: string): Promise<void> {
  await page.goto("/");
  await page.getByTestId("sso-sign-in").click();
  // the provider's own pages
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("any password");
  await page.locator("button[type=submit]").click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("sign in through the provider's login page; an account is made on the way", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("sso-sign-in")).toHaveText("Sign in with Team SSO");
  await throughProvider(page, "sub-erin");
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  const me = await page.request.get("/api/v1/auth/me");
  expect(((await me.json()) as { user: { username: string; role: string } }).user).toMatchObject({
    username: "erin",
    role: "user",
  });
});

test("someone outside the allowed group is back on the sign-in page with the reason", async ({ page }) => {
  await throughProvider(page, "sub-olga");
  await expect(page.getByRole("alert")).toHaveText(
    "Your account at Team SSO is not in a group allowed to use this server",
  );
  await expect(page.getByLabel("Username")).toBeVisible();
  expect(page.url()).not.toContain("sso_error");
  expect((await page.request.get("/api/v1/auth/me")).status()).toBe(401);
});
