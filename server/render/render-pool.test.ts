// Heavy renders run on worker threads: the same HTML as in place, the caller's event loop free
// meanwhile, a deadline that stops a runaway render without losing the pool; pathological input
// renders degraded instead of failing.
import { afterAll, describe, expect, test } from "bun:test";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { markdownDocument } from "../testing/markdown-document.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { renderFragment } from "./index.ts";
import { runJob } from "./render-jobs.ts";
import { INLINE_WEIGHT, RenderPool, RenderTimeoutError } from "./render-pool.ts";

const pools: RenderPool[] = [];
afterAll(() => {
  for (const p of pools) p.close();
});

describe("render pool", () => {
  test("a large document renders the same on a worker as in place", async () => {
    const source = markdownDocument(120_000);
    const pool = new RenderPool(1);
    pools.push(pool);
    const onWorker = await pool.run({ kind: "fragment", source });
    expect(onWorker).toBe(await runJob({ kind: "fragment", source }));
    expect(onWorker).toContain("<h2");
    // and the public entry point, which sends jobs this large to the shared pool
    expect(source.length).toBeGreaterThan(INLINE_WEIGHT);
    expect(await renderFragment(source)).toBe(onWorker);
  }, 120_000);

  test("while a worker renders, the caller's event loop keeps turning", async () => {
    const source = markdownDocument(100_000);
    const pool = new RenderPool(1);
    pools.push(pool);
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const html = await pool.run({ kind: "fragment", source });
    clearInterval(timer);
    expect(html.length).toBeGreaterThan(100_000);
    expect(turns).toBeGreaterThan(0);
    // in place, the same render holds the loop: no timer runs until it is done
    let inPlace = 0;
    const t2 = setInterval(() => inPlace++, 1);
    const job = runJob({ kind: "fragment", source });
    const seenDuring = inPlace;
    await job;
    clearInterval(t2);
    expect(seenDuring).toBe(0);
  }, 120_000);

  test("a render past its deadline is stopped with a clear error, and the pool goes on", async () => {
    const pool = new RenderPool(1, 50);
    pools.push(pool);
    const err = await pool.run({ kind: "fragment", source: markdownDocument(3_000_000) }).catch((e) => e);
    expect(err).toBeInstanceOf(RenderTimeoutError);
    expect((err as Error).message).toContain("too large or too complex to render");
    expect(pool.stats().workers).toBe(0);
    const small = new RenderPool(1, 60_000);
    pools.push(small);
    expect(await small.run({ kind: "fragment", source: "# # Still here\n" })).toContain("Still here");
  }, 120_000);

  test("outputs and blocks render on workers too", async () => {
    const pool = new RenderPool(1);
    pools.push(pool);
    const text = "line\n".repeat(10_000);
    const result = { block: 0, status: "ok" as const, durationMs: 1, outputs: [{ kind: "stdout" as const, text }] };
    expect(await pool.run({ kind: "outputs", result })).toBe(await runJob({ kind: "outputs", result }));
    const block = parsePymd(markdownDocument(40_000)).blocks[0]!;
    expect(await pool.run({ kind: "block", index: 0, block })).toBe(await runJob({ kind: "block", index: 0, block }));
  }, 60_000);
});

describe("pathological input renders degraded, never fails", () => {
  let srv: TestServer;
  afterAll(() => srv?.close());

  test("30,000 unclosed <b> in Markdown, in printed output and in an HTML display", async () => {
    const html = await renderFragment("# " + "<b>x".repeat(30_000) + "\n");
    expect(html).toContain("Shown as text: this part nests its HTML more than 256 elements deep.");
    const outputs = new Map<number, BlockResult>([
      [
        0,
        {
          block: 0,
          status: "ok",
          durationMs: 1,
          outputs: [
            { kind: "stdout", text: "<i>".repeat(30_000) },
            { kind: "display", mime: "text/html", data: "<div>".repeat(30_000) },
          ],
        },
      ],
    ]);
    const cell = await renderFragment("# ```\nprint()\n# ```\n", outputs);
    expect(cell.match(/Shown as text/g)).toHaveLength(2);
    // the escaped text is there, not markup
    expect(cell).toContain("&#x3C;i>&#x3C;i>");
  }, 60_000);

  test("through the server: POST /render and a stored document's render answer 200", async () => {
    srv = await startTestServer();
    const alice = await srv.userClient("alice");
    const content = "# # Deep\n# " + "<b>x".repeat(30_000) + "\n";
    const r = await alice.json("POST", "/api/v1/render", { content, format: "html", execute: false });
    expect(r.status).toBe(200);
    expect(r.body.output).toContain("Shown as text");
    const doc = await alice.json("POST", "/api/v1/documents", { title: "deep", content });
    expect(doc.status).toBe(201);
    const page = await alice.req("GET", `/api/v1/documents/${doc.body.id}/export?format=html`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Shown as text");
  }, 60_000);
});
