// The kernel as a user sees it in the editor: outputs under the code in the Editor view with their
// execution counters, the kernel's status going idle → busy → idle, a bare expression's value,
// display() of two objects, an edited block's output marked stale until it runs again, Restart's
// and Interrupt's feedback, and a second tab seeing the same (screenshots in test-results/e2e/).
import { expect, test } from "@playwright/test";
import { signInOnce } from "./sign-in-once.ts";

signInOnce("test-results/e2e/.auth-kernel.json");

const SOURCE = [
  "# # The kernel",
  "# ```",
  "x = 41",
  "# ```",
  "# ```",
  "x + 1",
  "# ```",
  "# ```",
  "display({'a': 1}, [2, 3])",
  "# ```",
  "# ```",
  "import time",
  "time.sleep(1.5)",
  "print('slept')",
  "# ```",
  "",
].join("\n");

test("Editor view: outputs under the code with counters, status idle → busy → idle, stale after an edit until re-run, Restart's feedback", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const created = await page.request.post("/api/v1/documents", { data: { title: "Kernel state", content: SOURCE } });
  const { id } = (await created.json()) as { id: string };
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await page.getByRole("button", { name: "Editor", exact: true }).click();
  await expect(page.getByTestId("preview")).toBeHidden();
  const status = page.getByTestId("kernel-status");
  await expect(status).toHaveText("No kernel yet");

  await page.getByRole("button", { name: "Run all" }).click();
  await expect(status).toHaveAttribute("data-status", "busy", { timeout: 20_000 });
  await expect(status).toContainText("Busy on block 4");
  await expect(status).toHaveAttribute("data-status", "idle", { timeout: 20_000 });
  await expect(status).toContainText("Kernel idle · [4]");

  const inline = page.getByTestId("inline-outputs");
  await expect(inline).toHaveCount(4);
  // x = 41 has no output but says it ran: [1] done
  await expect(inline.nth(0).getByTestId("inline-output-head")).toContainText("[1] done");
  await expect(inline.nth(1).getByTestId("inline-output-head")).toContainText("[2] done");
  await expect(inline.nth(1).locator(".cm-block-output-body")).toHaveText("42");
  await expect(inline.nth(2).locator(".cm-block-output-body")).toContainText("{'a': 1}");
  await expect(inline.nth(2).locator(".cm-block-output-body")).toContainText("[2, 3]");
  await expect(inline.nth(3)).toContainText("slept");
  await expect(page.getByTestId("inline-stale")).toHaveCount(0);
  await page.screenshot({ path: "test-results/e2e/kernel-editor-view-outputs.png" });

  // edit `x + 1` to `x + 2`: its output (still 42) is marked stale, and so are the blocks after it
  await page.locator(".cm-line", { hasText: "x + 1" }).click();
  await page.keyboard.press("End");
  await page.keyboard.press("Backspace");
  await page.keyboard.type("2");
  await expect(inline.nth(1)).toHaveAttribute("data-stale", "edited");
  await expect(inline.nth(1).getByTestId("inline-stale")).toContainText("the code changed since it ran");
  await expect(inline.nth(1).locator(".cm-block-output-body")).toHaveText("42");
  await expect(inline.nth(2)).toHaveAttribute("data-stale", "upstream");
  await expect(inline.nth(0)).not.toHaveAttribute("data-stale", /.*/);
  await page.screenshot({ path: "test-results/e2e/kernel-stale-after-edit.png" });
  // the preview beside the code says the same
  await page.getByRole("button", { name: "Split" }).click();
  await expect(page.locator("[data-testid=preview] [data-testid=cell-stale][data-stale=edited]")).toHaveCount(1);
  await expect(page.locator("[data-testid=preview] [data-testid=cell-stale][data-stale=upstream]")).toHaveCount(2);
  await page.screenshot({ path: "test-results/e2e/kernel-stale-in-preview.png" });
  await page.getByRole("button", { name: "Editor", exact: true }).click();

  // running the edited block (the cursor is in it) clears its mark and shows the new value
  await page.locator(".cm-line", { hasText: "x + 2" }).click();
  await page.keyboard.press("Control+Enter");
  await expect(inline.nth(1).locator(".cm-block-output-body")).toHaveText("43", { timeout: 20_000 });
  await expect(inline.nth(1)).not.toHaveAttribute("data-stale", /.*/);
  await expect(inline.nth(1).getByTestId("inline-output-head")).toContainText("[5] done");
  await expect(status).toHaveText("Kernel idle · [5]");
  // the blocks after it ran before it did: still stale
  await expect(inline.nth(2)).toHaveAttribute("data-stale", "upstream");
  await page.screenshot({ path: "test-results/e2e/kernel-rerun-clears-stale.png" });

  // idle → busy → idle again: the slow block runs alone
  await page.locator(".cm-line", { hasText: "time.sleep(1.5)" }).click();
  await page.keyboard.press("Control+Enter");
  await expect(status).toHaveText("Busy on block 4 · [6]", { timeout: 20_000 });
  await expect(status).toHaveText("Kernel idle · [6]", { timeout: 20_000 });
  await expect(inline.nth(3)).not.toHaveAttribute("data-stale", /.*/);

  // Restart: immediate feedback, then what happened; every output is now from an earlier kernel
  await page.getByRole("button", { name: "Restart" }).click();
  await expect(page.getByTestId("kernel-note")).toContainText("Kernel restarted — variables cleared", {
    timeout: 20_000,
  });
  await expect(status).toHaveText("Kernel idle");
  for (let i = 0; i < 4; i++) await expect(inline.nth(i)).toHaveAttribute("data-stale", "kernel");
  await page.screenshot({ path: "test-results/e2e/kernel-after-restart.png" });
});

test("Interrupt answers at once and then says the variables were kept", async ({ page }) => {
  test.setTimeout(60_000);
  const src = [
    "# ```",
    "n = 0",
    "# ```",
    "# ```",
    "import time",
    "while True:",
    "    n += 1",
    "    time.sleep(0.01)",
    "# ```",
    "# ```",
    "print('n is', n > 0)",
    "# ```",
    "",
  ].join("\n");
  const created = await page.request.post("/api/v1/documents", { data: { title: "Interrupt", content: src } });
  const { id } = (await created.json()) as { id: string };
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  await page.getByRole("button", { name: "Editor", exact: true }).click();
  await page.getByRole("button", { name: "Run all" }).click();
  const status = page.getByTestId("kernel-status");
  await expect(status).toContainText("Busy on block 2", { timeout: 20_000 });
  await page.getByRole("button", { name: "Interrupt" }).click();
  const note = page.getByTestId("kernel-note");
  await expect(note).toContainText("Interrupted block 2 — variables kept", { timeout: 20_000 });
  await expect(status).toContainText("Kernel idle");
  await page.screenshot({ path: "test-results/e2e/kernel-interrupted.png" });
  // the loop's variable is still there
  await page.locator(".cm-line", { hasText: "print('n is'" }).click();
  await page.keyboard.press("Control+Enter");
  await expect(page.getByTestId("inline-outputs").nth(2)).toContainText("n is True", { timeout: 20_000 });
});

test("a collaborator sees the same kernel status, counters and stale marks", async ({ page, browser }) => {
  test.setTimeout(60_000);
  const src = ["# ```", "a = 20", "# ```", "# ```", "a * 2 + 2", "# ```", ""].join("\n");
  const created = await page.request.post("/api/v1/documents", { data: { title: "Together", content: src } });
  const { id } = (await created.json()) as { id: string };
  const other = await browser.newContext({ storageState: "test-results/e2e/.auth-kernel.json" });
  const page2 = await other.newPage();
  try {
    for (const p of [page, page2]) {
      await p.goto(`/d/${id}`);
      await expect(p.getByTestId("connection")).toContainText("live");
      await p.getByRole("button", { name: "Editor", exact: true }).click();
    }
    await page.getByRole("button", { name: "Run all" }).click();
    const inline2 = page2.getByTestId("inline-outputs");
    await expect(inline2.nth(1).locator(".cm-block-output-body")).toHaveText("42", { timeout: 20_000 });
    await expect(inline2.nth(1).getByTestId("inline-output-head")).toContainText("[2] done");
    await expect(page2.getByTestId("kernel-status")).toHaveText("Kernel idle · [2]");
    await page.getByRole("button", { name: "Restart" }).click();
    await expect(page2.getByTestId("kernel-note")).toContainText("Kernel restarted — variables cleared", {
      timeout: 20_000,
    });
    await expect(inline2.nth(0)).toHaveAttribute("data-stale", "kernel");
    await expect(inline2.nth(1)).toHaveAttribute("data-stale", "kernel");
    await page2.screenshot({ path: "test-results/e2e/kernel-collaborator-after-restart.png" });
  } finally {
    await other.close();
  }
});
