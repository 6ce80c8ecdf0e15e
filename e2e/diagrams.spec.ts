// Mermaid diagrams: a display-only `mermaid` block is drawn as a diagram in the preview (again
// only when its text changes, in the page's light or dark theme), on the public page, in the embed
// and in the exported HTML file opened offline. Labels cannot inject markup or run code, a diagram
// that does not parse shows its source and the error, and a notebook without a diagram never loads
// Mermaid.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { failOnPageErrors, uid } from "./page-errors.ts";
import { signInOnce } from "./sign-in-once.ts";

const AUTH = ".tmp/e2e-auth-diagrams.json";
signInOnce(AUTH);
failOnPageErrors();

const FLOW = "flowchart LR\n  A[Start here] --> B[Then finish]\n";
const mermaidBlock = (src: string) => "````mermaid\n" + src + "````\n";

async function create(page: Page, title: string, content: string): Promise<string> {
  const created = await page.request.post("/api/v1/documents", { data: { title, content } });
  expect(created.ok(), await created.text()).toBeTruthy();
  return ((await created.json()) as { id: string }).id;
}

async function publish(page: Page, id: string): Promise<string> {
  const r = await page.request.patch(`/api/v1/documents/${id}`, { data: { isPublic: true } });
  expect(r.ok(), await r.text()).toBeTruthy();
  return ((await r.json()) as { publicSlug: string }).publicSlug;
}

async function openEditor(page: Page, id: string) {
  await page.goto(`/d/${id}`);
  await expect(page.getByTestId("connection")).toContainText("live");
  return page.getByTestId("preview");
}

test("the preview draws a flowchart, redraws it only when its text changes, and follows the theme", async ({
  page,
}) => {
  const id = await create(
    page,
    `Diagram ${uid()}`,
    "# # Diagrams\n# Before the diagram.\n" + mermaidBlock(FLOW) + "# After the diagram.\n",
  );
  const preview = await openEditor(page, id);
  const svg = preview.getByTestId("diagram").locator("svg");
  await expect(svg).toBeVisible();
  await expect(svg).toContainText("Start here");
  await expect(svg).toContainText("Then finish");
  // the listing stays on the page, folded under "Source"
  const source = preview.locator(".pymd-diagram-source pre.pymd-source");
  await expect(source).toBeHidden();
  await expect(source).toHaveText(FLOW.trimEnd());
  await preview.locator(".pymd-diagram-source summary", { hasText: "Source" }).click();
  await expect(source).toBeVisible();
  await expect(preview.getByText("Before the diagram.")).toBeVisible();
  await expect(preview.getByText("After the diagram.")).toBeVisible();

  // typing in another block leaves the drawing as it is (the same element)
  await svg.evaluate((e) => e.setAttribute("data-drawn-once", "yes"));
  await page.locator(".cm-line", { hasText: "Before the diagram." }).click();
  await page.keyboard.press("End");
  await page.keyboard.type(" More words.");
  await expect(preview.getByText("Before the diagram. More words.")).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  await expect(svg).toHaveAttribute("data-drawn-once", "yes");

  // changing the diagram's text draws it again
  await page.locator(".cm-line", { hasText: "Then finish" }).click();
  await page.keyboard.press("End");
  await page.keyboard.type("\n  B --> C[Third step]");
  await expect(svg).toContainText("Third step");
  await expect(svg).not.toHaveAttribute("data-drawn-once", "yes");
  await expect(preview.getByTestId("diagram")).toHaveCount(1);

  // the system's dark mode, then the app's own setting, each draw it in that theme
  const diagram = preview.getByTestId("diagram");
  await page.emulateMedia({ colorScheme: "light" });
  await expect(diagram.locator("svg")).toBeVisible();
  await diagram.scrollIntoViewIfNeeded();
  const lightStyle = await diagram.locator("svg style").first().textContent();
  await diagram.screenshot({ path: "test-results/e2e/diagram-light-only.png" });
  await page.screenshot({ path: "test-results/e2e/diagram-light.png" });
  await page.emulateMedia({ colorScheme: "dark" });
  await expect.poll(() => diagram.locator("svg style").first().textContent()).not.toBe(lightStyle);
  const darkStyle = await diagram.locator("svg style").first().textContent();
  await expect(diagram.locator("svg")).toContainText("Third step");
  await page.screenshot({ path: "test-results/e2e/diagram-dark.png" });
  await page.evaluate(() => (document.documentElement.dataset.theme = "light"));
  await expect.poll(() => diagram.locator("svg style").first().textContent()).toBe(lightStyle);
  await page.evaluate(() => (document.documentElement.dataset.theme = "dark"));
  await expect.poll(() => diagram.locator("svg style").first().textContent()).toBe(darkStyle);
  await page.evaluate(() => (document.documentElement.dataset.theme = "system"));
  await page.emulateMedia({ colorScheme: "light" });
  await expect.poll(() => diagram.locator("svg style").first().textContent()).toBe(lightStyle);
});

test("a hostile label runs nothing and adds no element; a broken diagram shows its source and error", async ({
  browser,
  page: owner,
}) => {
  // with the page's Content Security Policy off, so that only the drawing itself stands between a label and the page
  const context = await browser.newContext({ bypassCSP: true, storageState: AUTH });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  const hostile =
    'flowchart LR\n  A["<img src=x onerror=window.__pwned=1>"] --> B["<script>window.__pwned=2</script>B"]\n  click A call alert()\n  click B href "javascript:window.__pwned=3"\n';
  // a diagram's own configuration asking for HTML labels back, in both of Mermaid's ways
  const configured =
    '---\nconfig:\n  htmlLabels: true\n  flowchart:\n    htmlLabels: true\n---\n%%{init: {"htmlLabels": true, "securityLevel": "loose", "flowchart": {"htmlLabels": true}}}%%\nflowchart LR\n  C["<img src=x onerror=window.__pwned=4>"] --> D\n  click C call alert()\n';
  const broken = "flowchart LR\n  A --> \n  ((( nope\n";
  const id = await create(
    owner,
    `Hostile ${uid()}`,
    "# # Hostile\n" +
      mermaidBlock(hostile) +
      mermaidBlock(configured) +
      "# Between them.\n" +
      mermaidBlock(broken) +
      "# The end of the page.\n" +
      mermaidBlock(FLOW),
  );
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const preview = await openEditor(page, id);
  const diagrams = preview.getByTestId("diagram");
  await expect(diagrams).toHaveCount(3);
  await expect(diagrams.last().locator("svg")).toContainText("Start here");
  // the labels' markup is not elements of the page, and nothing of it ran, clicked or not
  const harmless = async (p: Page, scope: ReturnType<Page["locator"]>) => {
    for (const i of [0, 1]) await expect(scope.nth(i).locator("svg")).toContainText('<img src="x">');
    await expect(p.locator(".pymd-diagram img, .pymd-diagram script, .pymd-diagram foreignObject")).toHaveCount(0);
    await expect(p.locator("img[src='x']")).toHaveCount(0);
    for (const i of [0, 1]) for (const node of await scope.nth(i).locator(".node").all()) await node.click();
    await p.waitForTimeout(300);
    expect(await p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  };
  await harmless(page, diagrams);
  expect(dialogs).toEqual([]);
  expect(page.url()).toContain(`/d/${id}`);

  // the same in the exported file, its policy off too
  const file = resolve("test-results/e2e/diagram-hostile-export.html");
  writeFileSync(file, await (await owner.request.get(`/api/v1/documents/${id}/export?format=html`)).text());
  const exported = await context.newPage();
  exported.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  exported.on("pageerror", (e) => errors.push(e.message));
  await exported.goto(`file://${file}`);
  const exportedDiagrams = exported.locator("main .pymd-diagram");
  await expect(exportedDiagrams).toHaveCount(3);
  await harmless(exported, exportedDiagrams);
  await expect(exported.locator("main .pymd-diagram-error")).toContainText("This diagram could not be drawn:");
  expect(dialogs).toEqual([]);
  expect(exported.url()).toBe(`file://${file}`);
  await exported.close();

  // the broken one: its error and its listing, and the page around it as usual
  const error = preview.getByTestId("diagram-error");
  await expect(error).toHaveCount(1);
  await expect(error).toBeVisible();
  await expect(error).toContainText("This diagram could not be drawn:");
  expect(((await error.locator("pre").textContent()) ?? "").length).toBeGreaterThan(10);
  const cell = preview.locator(".pymd-cell", { has: page.getByTestId("diagram-error") });
  await expect(cell.locator("pre.pymd-source")).toBeVisible();
  await expect(cell.locator("pre.pymd-source")).toHaveText(broken.trimEnd());
  await expect(preview.getByText("Between them.")).toBeVisible();
  await expect(preview.getByText("The end of the page.")).toBeVisible();
  await cell.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/e2e/diagram-error.png" });
  // nothing of Mermaid's own error drawing is left in the page
  await expect(page.locator("body > [id^='dpymd-diagram']")).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
});

test("a notebook without a diagram loads no Mermaid; one with a diagram does", async ({ page }) => {
  const scripts: string[] = [];
  page.on("request", (r) => r.resourceType() === "script" && scripts.push(new URL(r.url()).pathname));
  const plain = await create(
    page,
    `Plain ${uid()}`,
    "# # No diagrams here\n````js\nconsole.log('a listing in another language')\n````\n",
  );
  const preview = await openEditor(page, plain);
  await expect(preview.locator("pre.pymd-source")).toContainText("a listing in another language");
  await page.waitForLoadState("networkidle");
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts.filter((s) => /mermaid|Diagram/i.test(s))).toEqual([]);
  const before = new Set(scripts);

  const drawn = await create(page, `Drawn ${uid()}`, "# # A diagram\n" + mermaidBlock(FLOW));
  await openEditor(page, drawn);
  await expect(page.getByTestId("diagram").locator("svg")).toBeVisible();
  const loaded = scripts.filter((s) => !before.has(s));
  expect(loaded.some((s) => /^\/mermaid\.core-[a-z0-9]+\.js$/.test(s))).toBe(true);
});

test("the public page, the embed and the exported file draw the diagram for a signed-out reader, offline for the file", async ({
  page,
  browser,
}) => {
  const id = await create(
    page,
    `Published ${uid()}`,
    "# # Published diagram\n" + mermaidBlock(FLOW) + "# Words after it.\n",
  );
  const slug = await publish(page, id);

  const reader = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const p = await reader.newPage();
    const errors: string[] = [];
    // (the embed, opened as a page of its own rather than in a frame, has the browser ask for /favicon.ico, which the server does not have)
    p.on(
      "console",
      (m) =>
        m.type() === "error" &&
        !m.location().url.endsWith("/favicon.ico") &&
        errors.push(`${m.text()} ${m.location().url}`),
    );
    p.on("pageerror", (e) => errors.push(e.message));
    p.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await p.goto(`/p/${slug}`);
    const notebook = p.getByTestId("public-notebook");
    await expect(notebook.getByTestId("diagram").locator("svg")).toContainText("Then finish");
    await expect(notebook).toContainText("Words after it.");
    await expect(notebook.locator(".pymd-diagram-source pre.pymd-source")).toHaveText(FLOW.trimEnd());

    await p.goto(`/embed/${slug}`);
    const embed = p.getByTestId("embed-notebook");
    await expect(embed.getByTestId("diagram").locator("svg")).toContainText("Then finish");
    await expect(embed).toContainText("Words after it.");
    expect(errors).toEqual([]);
  } finally {
    await reader.close();
  }

  // the exported file: scripts only for a notebook with a diagram, allowed by their hashes
  const plainId = await create(page, `Plain export ${uid()}`, "# # Nothing to draw\n");
  const plain = await (await page.request.get(`/api/v1/documents/${plainId}/export?format=html`)).text();
  expect(plain).not.toContain("<script");
  expect(plain).toContain("script-src 'none'");
  const exported = await page.request.get(`/api/v1/documents/${id}/export?format=html`);
  expect(exported.ok()).toBeTruthy();
  const html = await exported.text();
  expect(html.match(/<script>/g)).toHaveLength(2);
  expect(html).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+' 'sha256-[A-Za-z0-9+/=]+';/);
  const file = resolve("test-results/e2e/diagram-export.html");
  writeFileSync(file, html);

  const offline = await browser.newContext({ offline: true, storageState: { cookies: [], origins: [] } });
  try {
    const p = await offline.newPage();
    const problems: string[] = [];
    p.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    p.on("pageerror", (e) => problems.push(e.message));
    p.on(
      "request",
      (r) => !r.url().startsWith("file:") && !r.url().startsWith("data:") && problems.push(`request ${r.url()}`),
    );
    await p.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await p.goto(`file://${file}`);
    const diagram = p.locator("main .pymd-diagram");
    await expect(diagram.locator("svg")).toContainText("Then finish");
    await expect(p.locator("main")).toContainText("Words after it.");
    await expect(p.locator("main .pymd-diagram-source pre.pymd-source")).toHaveText(FLOW.trimEnd());
    await p.screenshot({ path: "test-results/e2e/diagram-export.png" });
    expect(await p.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await offline.close();
  }
});
