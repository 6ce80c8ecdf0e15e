// A browser context of its own, signed in through the sign-in page as one user, collecting the
// errors its page logs (for specs where two people work side by side).
import { expect, type Browser, type Page } from "@playwright/test";

export async function signedInPage(
  browser: Browser,
  username: string,
  password: string,
): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto("/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  return { page, errors, close: () => context.close() };
}
