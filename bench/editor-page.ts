// Benchmark (headless chromium): the editor page with a 200-block document, time to interactive
// (target ≤ 1 s); keystroke to updated preview for a Markdown edit, p95 (target ≤ 50 ms); and the
// client bundle size, gzipped.
import { chromium } from "playwright-core";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BINARY, ROOT, fmt, requireBinary, startBinary, summary, tempDataDir, verdict } from "./bench-kit.ts";

requireBinary();
const CHROMIUM = process.env.PYMD_CHROMIUM ?? "/usr/bin/chromium";

// Bundle size: every file the binary embeds for the browser.
const clientDir = join(ROOT, "dist", "client");
let raw = 0;
let gz = 0;
for (const f of readdirSync(clientDir)) {
  const bytes = readFileSync(join(clientDir, f));
  raw += statSync(join(clientDir, f)).size;
  gz += gzipSync(bytes, { level: 9 }).length;
}
console.log(`client bundle: ${(raw / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB gzipped (${readdirSync(clientDir).length} files)`);

const dir = tempDataDir("editor");
Bun.spawnSync([BINARY, "user", "add", "bench", "--password-stdin", "--data-dir", dir], { stdin: new TextEncoder().encode("bench-password\n") });
const { proc, url } = await startBinary(dir, 19400);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url + "/");
  await page.getByLabel("Username").fill("bench");
  await page.getByLabel("Password").fill("bench-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Documents" }).waitFor();
  // 200 blocks: 100 Markdown sections and 100 Python blocks.
  const parts: string[] = [];
  for (let i = 0; i < 100; i++) {
    parts.push(`# ## Section ${i}\n# Some *text* for section ${i}, with a [link](https://example.org) and \`code\`.\n# - item a\n# - item b`);
    parts.push(`# \`\`\`\nvalues = [x * ${i} for x in range(10)]\nprint(f"total {sum(values)}")\n# \`\`\``);
  }
  const content = parts.join("\n") + "\n";
  const id = await page.evaluate(async (c) => {
    const r = await fetch("/api/v1/documents", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "Two hundred blocks", content: c }) });
    return ((await r.json()) as { id: string }).id;
  }, content);

  const tti: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = Date.now();
    await page.goto(`${url}/d/${id}`);
    await page.locator(".preview-block").nth(199).waitFor({ state: "attached" });
    await page.getByTestId("editor-content").waitFor();
    // Interactive: a keystroke is accepted by the editor.
    await page.getByTestId("editor-content").click();
    tti.push(Date.now() - t0);
  }
  const t = summary(tti);
  console.log(`editor page, 200 blocks, navigation to preview rendered and editor focused (${t.n} loads): median ${fmt(t.p50)}, max ${fmt(t.max)} — target ≤ 1 s: ${verdict(t.p50 <= 1000)}`);

  // Keystroke to preview: type into the first section's text line and time, inside the page,
  // from keydown to the preview block showing the new character.
  await page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __t0: number };
    w.__lat = [];
    w.__t0 = 0;
    document.addEventListener("keydown", () => (w.__t0 = performance.now()), true);
    const target = document.querySelector(".preview-block[data-line='1']")!.parentElement!;
    new MutationObserver(() => {
      if (w.__t0) {
        w.__lat.push(performance.now() - w.__t0);
        w.__t0 = 0;
      }
    }).observe(target, { subtree: true, childList: true, characterData: true });
  });
  await page.evaluate(() => {
    const line = document.querySelectorAll(".cm-line")[1] as HTMLElement;
    const range = document.createRange();
    range.selectNodeContents(line);
    range.collapse(false);
  });
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("End");
  await page.waitForTimeout(300);
  await page.evaluate(() => ((window as unknown as { __lat: number[] }).__lat = []));
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < 60; i++) {
    await page.keyboard.type(letters[i % 26]!);
    await page.waitForTimeout(90);
  }
  const lat = await page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
  const k = summary(lat);
  console.log(`keystroke to updated preview, Markdown edit in a 200-block document (${k.n} keystrokes): p50 ${fmt(k.p50)}, p95 ${fmt(k.p95)}, max ${fmt(k.max)} — target p95 ≤ 50 ms: ${verdict(k.p95 <= 50)}`);
} finally {
  await browser.close();
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
