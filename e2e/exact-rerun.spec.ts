// Exact re-run in the editor: after Run all, an edited block run with Ctrl+Enter sees the state a
// top-down run gives it (the kernel resumes its checkpoint), not the namespace the later blocks
// changed: x = [] | x.append(1); print(x) | x.append(2) prints [1], not [1, 2, 1].
import { expect, test } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce("test-results/e2e/.auth-exact.json");

const SOURCE = [
  "# # Exact re-run",
  "# ```",
  "x = []",
  "# ```",
  "# ```",
  "x.append(1); print(x)",
  "# ```",
  "# ```",
  "x.append(2)",
  "# ```",
  "",
].join("\n");

test("an edited block run again prints what a fresh top-down run prints", async ({ page }) => {
  test.setTimeout(60_000);
  const created = await page.request.post("/api/v1/documents", { data: { title: "Exact re-run", content: SOURCE } });
  const { id } = (await created.json()) as { id: string };
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await page.getByRole("button", { name: "Editor", exact: true }).click();
  const status = page.getByTestId("kernel-status");
  await page.getByRole("button", { name: "Run all" }).click();
  await expect(status).toContainText("Kernel idle · [3]", { timeout: 20_000 });
  const inline = page.getByTestId("inline-outputs");
  await expect(inline.nth(1).locator(".cm-block-output-body")).toHaveText("[1]");

  // edit block 2 (a comment is enough) and run it: the kernel resumes the state before it
  await page.locator(".cm-line", { hasText: "x.append(1); print(x)" }).click();
  await page.keyboard.press("End");
  await page.keyboard.type("  # again");
  await page.keyboard.press("Control+Enter");
  await expect(inline.nth(1).getByTestId("inline-output-head")).toContainText("[4] done", { timeout: 20_000 });
  await expect(inline.nth(1).locator(".cm-block-output-body")).toHaveText("[1]");
  await page.screenshot({ path: "test-results/e2e/exact-rerun.png" });
});
