// What the big-document specs share: a long notebook, a document made through the API, its stored
// text, and waits for the live copy and for "Saved".
import { expect, type Page } from "@playwright/test";

export function longDocument(lines: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `# ## Section ${i}`,
      `# Some *text* for section ${i}.`,
      `# - item a`,
      `#`,
      "# ```",
      `values = [x * ${i} for x in range(10)]`,
      `print(sum(values))`,
      "# ```",
      `#`,
      `# End of section ${i}.`,
    );
  }
  return out.slice(0, lines).join("\n") + "\n";
}

export async function createDocument(page: Page, title: string, content: string): Promise<string> {
  const res = await page.request.post("/api/v1/documents", { data: { title, content } });
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { id: string }).id;
}

export async function storedText(page: Page, id: string): Promise<string> {
  const res = await page.request.get(`/api/v1/documents/${id}`);
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { content: string }).content;
}

export const live = (page: Page) =>
  expect(page.locator(".editor-page")).toHaveAttribute("data-sync", "automerge", { timeout: 60_000 });
export const saved = (page: Page, timeout = 60_000) =>
  expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout });
