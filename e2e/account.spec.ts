// Your account in the browser: where you are signed in (another session signed out from
// Settings), and changing your password, then signing in with the new one.
import { expect, test } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { signIn } from "./sign-in-once.ts";

const DATA = `.tmp/e2e-data-${process.env.PYMD_E2E_PORT}`;

test("sign out another session, change your password, sign in with the new one", async ({
  page,
  playwright,
  baseURL,
}) => {
  const made = spawnSync("./dist/pymd", ["user", "add", "frank", "--password-stdin", "--data-dir", DATA], {
    input: "franks-first-password\n",
    encoding: "utf8",
  });
  expect(made.status, made.stderr).toBe(0);
  // a second session, elsewhere
  const elsewhere = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { "user-agent": "Mozilla/5.0 (Android 14) Firefox/130.0" },
  });
  expect(
    (
      await elsewhere.post("/api/v1/auth/login", { data: { username: "frank", password: "franks-first-password" } })
    ).ok(),
  ).toBeTruthy();

  await signIn(page, "frank", "franks-first-password");
  await page.goto("/settings");
  const sessions = page.getByTestId("sessions").locator("li");
  await expect(sessions).toHaveCount(2);
  await expect(page.getByTestId("sessions").locator("li[data-current=yes]")).toContainText("This browser");
  await expect(page.getByTestId("sessions").locator("li[data-current=no]")).toContainText("Firefox on Android");
  await page.getByRole("button", { name: "Sign out everywhere else (1)" }).click();
  await expect(sessions).toHaveCount(1);
  expect((await elsewhere.get("/api/v1/auth/me")).status()).toBe(401);

  await page.getByLabel("Current password").fill("franks-first-password");
  await page.getByLabel("New password", { exact: true }).fill("franks-second-password");
  await page.getByLabel("New password again").fill("franks-second-password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("password-changed")).toContainText("Password changed.");

  await page.context().clearCookies();
  await signIn(page, "frank", "franks-second-password");
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await elsewhere.dispose();
});
