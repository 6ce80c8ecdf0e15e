// Benchmark: Python in the reader's browser. Time from clicking "Run in your browser" on a public
// page to the first output of a one-block notebook, with a cold HTTP cache (a new browser context)
// and a warm one (the same context, the page loaded again), in Debian's chromium; and what the
// embedded Pyodide runtime adds to the executable.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { BINARY, ROOT, requireBinary, startBinary, summary, tempDataDir } from "./bench-kit.ts";

requireBinary();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const data = tempDataDir("browser-python");
const add = Bun.spawnSync([BINARY, "user", "add", "bench", "--admin", "--password-stdin", "--data-dir", data], {
  stdin: new TextEncoder().encode("bench-password-1\n"),
});
if (add.exitCode !== 0) throw new Error(add.stderr.toString());
const port = 20000 + Math.floor(Math.random() * 20000);
const { proc, url } = await startBinary(data, port);
const browser = await chromium.launch({
  executablePath: process.env.PYMD_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ username: "bench", password: "bench-password-1" }),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  const headers = { "content-type": "application/json", cookie, origin: url };
  const doc = (await (
    await fetch(`${url}/api/v1/documents`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "One block", content: '# # One block\n# ```\nprint("first output")\n# ```\n' }),
    })
  ).json()) as { id: string };
  const { publicSlug } = (await (
    await fetch(`${url}/api/v1/documents/${doc.id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ isPublic: true }),
    })
  ).json()) as { publicSlug: string };

  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const into of [cold, warm]) {
      await page.goto(`${url}/p/${publicSlug}`);
      await page.getByTestId("browser-run").waitFor();
      const t0 = performance.now();
      await page.getByTestId("browser-run").click();
      await page
        .locator('[data-block="1"] .pymd-browser-outputs')
        .getByText("first output")
        .waitFor({ timeout: 120_000 });
      into.push(performance.now() - t0);
    }
    await context.close();
  }
  const line = (name: string, v: number[]) => {
    const s = summary(v);
    console.log(
      `${name.padEnd(36)} p50 ${(s.p50 / 1000).toFixed(2)} s  min ${(s.min / 1000).toFixed(2)} s  max ${(s.max / 1000).toFixed(2)} s  (n=${s.n})`,
    );
  };
  console.log(`first output of a one-block notebook, click to text (${ROUNDS} rounds):`);
  line("cold HTTP cache (new context)", cold);
  line("warm HTTP cache (page loaded again)", warm);
  const packed = readdirSync(join(ROOT, "dist", "pyodide"))
    .filter((f) => f.endsWith(".gz"))
    .reduce((n, f) => n + statSync(join(ROOT, "dist", "pyodide", f)).size, 0);
  const binary = statSync(BINARY).size;
  console.log(
    `executable ${(binary / 1e6).toFixed(1)} MB, of which the embedded Pyodide runtime ${(packed / 1e6).toFixed(1)} MB (gzip): ${((binary - packed) / 1e6).toFixed(1)} MB without it`,
  );
} finally {
  await browser.close();
  proc.kill();
}
