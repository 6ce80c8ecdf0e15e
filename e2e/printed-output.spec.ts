// Printed output as a user sees it: a progress loop line by line, print(df) as a table, a numpy
// array aligned, a printed Markdown table; in the preview, under the blocks in the Editor view,
// and in the HTML export (screenshots in test-results/e2e/).
import { expect, test } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce("test-results/e2e/.auth-printed.json");

const SOURCE = [
  "# # Printed output",
  "# ```",
  "for i in range(3):",
  "    print(f'step {i} of 3')",
  "# ```",
  "# ```",
  "import pandas as pd, numpy as np",
  "df = pd.DataFrame({'region': ['N', 'S'], 'sales': [120, 80]})",
  "print(df)",
  "print(np.arange(12).reshape(3, 4))",
  "# ```",
  "# ```",
  "print(df.to_markdown(index=False))",
  "# ```",
  "",
].join("\n");

test("progress lines, print(df), a numpy array and a printed Markdown table, in the preview and the HTML export", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const created = await page.request.post("/api/v1/documents", { data: { title: "Printed output", content: SOURCE } });
  const { id } = (await created.json()) as { id: string };
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await page.getByRole("button", { name: "Run all" }).click();
  const outputs = page.getByTestId("cell-outputs");
  await expect(outputs.nth(2).locator("table")).toBeVisible({ timeout: 30_000 });
  // one line per printed line, shown tight (no paragraph gaps)
  await expect(outputs.nth(0).locator("p")).toHaveText(["step 0 of 3", "step 1 of 3", "step 2 of 3"]);
  await expect(outputs.nth(0).locator("p").first()).toHaveCSS("margin-bottom", "0px");
  await expect(outputs.nth(1).locator("table")).toContainText("120");
  await expect(outputs.nth(1).locator("pre code")).toHaveText("[[ 0  1  2  3]\n [ 4  5  6  7]\n [ 8  9 10 11]]\n");
  // the Editor view shows the outputs under their blocks, in the source
  await page.getByRole("button", { name: "Editor", exact: true }).click();
  const inline = page.locator("[data-testid=inline-outputs]");
  await expect(inline).toHaveCount(3);
  await expect(inline.nth(0)).toContainText("step 2 of 3");
  await expect(inline.nth(1).locator("table")).toContainText("120");
  await page.screenshot({ path: "test-results/e2e/outputs-in-editor-view.png" });
  await page.getByRole("button", { name: "Preview" }).click();
  await page.screenshot({ path: "test-results/e2e/printed-output-preview.png", fullPage: true });
  const html = await (await page.request.get(`/api/v1/documents/${id}/export?format=html`)).text();
  expect(html).toContain("<p>step 0 of 3</p>\n<p>step 1 of 3</p>");
  expect(html).toContain("[[ 0  1  2  3]\n [ 4  5  6  7]");
  await page.setContent(html);
  await expect(page.locator(".pymd-stdout p").first()).toHaveCSS("margin-top", "0px");
  await page.screenshot({ path: "test-results/e2e/printed-output-export.png", fullPage: true });
});
