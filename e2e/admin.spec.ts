// The admin page in the browser: add an account, open its one-time link in another browser and
// set the password there (signed in at once), disable the account, and find all of it in the
// audit log, filtered.
import { expect, test } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce(".tmp/e2e-auth-admin.json");

test("add an account with a one-time link, set its password elsewhere, disable it, filter the audit log", async ({
  page,
  browser,
}) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Admin" })).toBeVisible();
  await expect(page.getByTestId("server-status")).toContainText("Version");
  await expect(page.getByTestId("admin-users").locator("tr[data-user=admin]")).toBeVisible();

  await page.getByLabel("New username").fill("gina");
  await page.getByRole("button", { name: "Add account" }).click();
  const link = await page.getByLabel("One-time link").inputValue();
  expect(link).toMatch(/\/set-password#[a-z2-7]{32}$/);
  await expect(page.getByTestId("admin-users").locator("tr[data-user=gina]")).toBeVisible();

  // gina, in a browser of her own
  const other = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const gina = await other.newPage();
  await gina.goto(link);
  await expect(gina.getByTestId("link-username")).toHaveText("gina");
  await gina.getByLabel("New password", { exact: true }).fill("ginas-own-password");
  await gina.getByLabel("New password again").fill("ginas-own-password");
  await gina.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(gina.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(gina.getByTestId("current-user")).toContainText("gina");
  // the link worked once
  await gina.goto(link);
  await expect(gina.getByRole("alert")).toContainText("This link is unknown, used or expired");

  await page.reload();
  const row = page.getByTestId("admin-users").locator("tr[data-user=gina]");
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row.locator(".badge", { hasText: "disabled" })).toBeVisible();
  expect((await gina.request.get("/api/v1/auth/me")).status()).toBe(401);
  await other.close();

  // the audit log, filtered to gina
  await page.getByLabel("User", { exact: true }).fill("gina");
  await page.getByRole("button", { name: "Filter" }).click();
  const log = page.getByTestId("audit-log");
  await expect(log.locator("tr[data-action='user.disable']")).toBeVisible();
  await expect(log.locator("tr[data-action='auth.password.set']")).toBeVisible();
  await expect(log.locator("tr[data-action='user.add']")).toBeVisible();
  await page.getByLabel("Action").selectOption("user.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(log.locator("tr[data-action='auth.password.set']")).toHaveCount(0);
  await expect(log.locator("tbody tr")).toHaveCount(2);
});
