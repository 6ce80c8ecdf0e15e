// A new user's first minutes in the embedded client: sign in, create a document, find it again.
import { expect, test } from "@playwright/test";

test.describe("first cut of the client", () => {
  test("wrong password shows an error; right one shows the documents page", async ({ page }) => {
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Sign in to pymd" })).toBeVisible();
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong username or password");

    await page.getByLabel("Password").fill("e2e-admin-pass");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
    // Other specs share this server and may have run first, so the list need not be empty.
    await expect(page.getByText("No documents yet").or(page.getByRole("list", { name: "Documents" }))).toBeVisible();
    await expect(page.getByTestId("current-user")).toContainText("admin");

    // Creating opens the new document in the editor.
    await page.getByRole("button", { name: "New document" }).click();
    await page.getByRole("menuitem", { name: /Blank document/ }).click();
    await expect(page).toHaveURL(/\/d\/[\w-]+$/);

    // The session survives a reload (HttpOnly cookie), and search finds the document's content.
    await page.goto("/");
    await page.getByLabel("Search documents").fill("fenced");
    await expect(page.getByRole("link", { name: "Untitled notebook" }).first()).toBeVisible();
    await page.getByLabel("Search documents").fill("nothing-matches-this");
    await expect(page.getByText("Nothing matches")).toBeVisible();

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in to pymd" })).toBeVisible();
    await page.screenshot({ path: "test-results/e2e/documents-signed-out.png" });
    // The one deliberate wrong password is the only failed request the console may show.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(errors.filter((e) => /status of 401/.test(e)).length).toBeLessThanOrEqual(1);
  });
});

test("the client's files come gzip-compressed to a browser that accepts it, and whole to one that does not", async ({
  request,
}) => {
  const page = await request.get("/");
  const script = /<script type="module" crossorigin src="(\/[^"]+\.js)"/.exec(await page.text())?.[1];
  expect(script).toBeDefined();
  const zipped = await request.get(script!, { headers: { "accept-encoding": "gzip" } });
  expect(zipped.headers()["content-encoding"]).toBe("gzip");
  expect(zipped.headers().vary).toBe("accept-encoding");
  const whole = await request.get(script!, { headers: { "accept-encoding": "identity" } });
  expect(whole.headers()["content-encoding"]).toBeUndefined();
  // the request client unpacks the compressed answer: both are the same script
  expect((await zipped.body()).equals(await whole.body())).toBe(true);
  expect((await whole.body()).length).toBeGreaterThan(100_000);
  // the compressed copy on the wire is much smaller than the script
  expect(Number(zipped.headers()["content-length"])).toBeLessThan((await whole.body()).length / 2);
});
