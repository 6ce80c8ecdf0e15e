// Math in the preview: formulas the server rendered with KaTeX, drawn with KaTeX's own fonts
// (served by the binary), a broken one shown with its reason, in light and in dark, next to a
// Mermaid diagram; the Export menu's PDF downloads a PDF of the same document.
import { expect, test } from "@playwright/test";
import { signedInPage } from "./signed-in-page.ts";

const DOC = [
  "# # Formulas and a diagram",
  "# Euler: $e^{i\\pi} + 1 = 0$, and the Gaussian integral:",
  "# $$",
  "# \\int_{-\\infty}^{\\infty} e^{-x^2}\\,dx = \\sqrt{\\pi}",
  "# $$",
  "# A broken one: $\\frac{1}{$ and the text goes on.",
  "# ````mermaid",
  "graph LR; Source-->Render; Render-->PDF",
  "# ````",
  "",
].join("\n");

test("formulas in the preview, light and dark; the PDF download", async ({ browser }) => {
  test.setTimeout(90_000);
  const a = await signedInPage(browser, "admin", "e2e-admin-pass");
  const id = await a.page.evaluate(async (content) => {
    const r = await fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Formulas", content }),
    });
    return ((await r.json()) as { id: string }).id;
  }, DOC);
  await a.page.goto(`/d/${id}`);
  const preview = a.page.getByTestId("preview");
  await expect(preview.locator(".katex")).toHaveCount(2);
  await expect(preview.locator(".pymd-math-display .katex-display")).toHaveCount(1);
  // the formula is MathML for assistive technology and drawn with KaTeX's font
  await expect(preview.locator("annotation").first()).toHaveText("e^{i\\pi} + 1 = 0");
  await expect
    .poll(() => a.page.evaluate(async () => (await document.fonts.ready, document.fonts.check("16px KaTeX_Main"))))
    .toBe(true);
  await expect
    .poll(() =>
      a.page.evaluate(() =>
        [...document.fonts].some((f) => f.family.replace(/"/g, "") === "KaTeX_Math" && f.status === "loaded"),
      ),
    )
    .toBe(true);
  await expect(preview.locator(".pymd-math-error")).toContainText("$\\frac{1}{$");
  await expect(preview.locator(".pymd-math-error-message")).toContainText("expected '}'");
  await expect(preview).toContainText("and the text goes on.");
  await expect(preview.locator("svg").first()).toBeVisible({ timeout: 30_000 });
  await a.page.getByRole("button", { name: "Preview", exact: true }).click();
  await a.page.emulateMedia({ colorScheme: "light" });
  await a.page.screenshot({ path: "test-results/e2e/math-light.png" });
  await a.page.emulateMedia({ colorScheme: "dark" });
  await a.page.screenshot({ path: "test-results/e2e/math-dark.png" });

  await a.page.getByRole("button", { name: "Export" }).click();
  const link = a.page.getByTestId("export-pdf");
  await expect(link).toHaveAttribute("href", `/api/v1/documents/${id}/export?format=pdf`);
  const res = await a.page.request.get(`/api/v1/documents/${id}/export?format=pdf`);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("application/pdf");
  expect((await res.body()).subarray(0, 5).toString()).toBe("%PDF-");
  // nothing went wrong on the page (signedInPage collects its errors)
  expect(a.errors).toEqual([]);
  await a.close();
});
