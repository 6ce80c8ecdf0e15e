// Rendering through the API with the real sandbox: ad-hoc content, validation, stored documents,
// rendered exports, and the per-user execution limits.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;
let reader: TestClient;

const NOTEBOOK = "# # Report\n# ```\nprint('## Total')\nprint(f'sum is {sum(range(10))}')\n# ```\n# ```\n1/0\n# ```\n";

beforeAll(async () => {
  srv = await startTestServer({ execPerDay: 6, execConcurrent: 1 });
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
  reader = await srv.userClient("reader", "viewer");
});
afterAll(() => srv.close());

describe("render API", () => {
  test("POST /render runs the code in the sandbox and renders its output", async () => {
    const sb = await srv.sandbox();
    expect(["bwrap", "nsjail"]).toContain(sb.backend);
    const r = await alice.json("POST", "/api/v1/render", { content: NOTEBOOK, format: "html" });
    expect(r.status).toBe(200);
    expect(r.body.output).toContain("sum is 45");
    expect(r.body.output).toMatch(/<h2[^>]*>Total<\/h2>/);
    expect(r.body.output).toContain("ZeroDivisionError");
    expect(r.body.blocks.map((b: { status: string }) => b.status)).toEqual(["ok", "error"]);
    const md = await alice.json("POST", "/api/v1/render", { content: NOTEBOOK, format: "markdown" });
    expect(md.body.output).toContain("## Total");
  });

  test("execute: false renders without running; a global viewer cannot execute", async () => {
    const r = await reader.json("POST", "/api/v1/render", { content: NOTEBOOK, format: "html", execute: false });
    expect(r.status).toBe(200);
    expect(r.body.output).not.toContain("sum is 45");
    expect((await reader.req("POST", "/api/v1/render", { content: NOTEBOOK })).status).toBe(403);
    expect((await alice.req("POST", "/api/v1/render", { content: 5 })).status).toBe(400);
    expect((await alice.req("POST", "/api/v1/render", { content: "x", format: "pdf" })).status).toBe(400);
  });

  test("validate reports problems with line numbers", async () => {
    const r = await alice.json("POST", "/api/v1/render/validate", { content: "# # T\n# ```\nprint(1)\n" });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(false);
    expect(r.body.problems[0].line).toBe(2);
    const ok = await alice.json("POST", "/api/v1/render/validate", { content: NOTEBOOK });
    expect(ok.body.valid).toBe(true);
  });

  test("stored documents render and export for readers only", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Sums <b>", content: NOTEBOOK });
    const r = await alice.json("GET", `/api/v1/documents/${d.body.id}/render?format=html`);
    expect(r.status).toBe(200);
    expect(r.body.output).toContain("sum is 45");
    expect((await bob.req("GET", `/api/v1/documents/${d.body.id}/render`)).status).toBe(404);
    expect((await bob.req("GET", `/api/v1/documents/${d.body.id}/export?format=html`)).status).toBe(404);
    // an export shows the stored outputs: this document never ran in the editor, so none
    const stored = await alice.req("GET", `/api/v1/documents/${d.body.id}/export?format=html`);
    expect(stored.status).toBe(200);
    expect(await stored.text()).not.toContain("sum is 45");
    expect((await alice.req("GET", `/api/v1/documents/${d.body.id}/export?format=html&rerun=maybe`)).status).toBe(400);
    // "re-run, then export" is asked for explicitly
    const page = await alice.req("GET", `/api/v1/documents/${d.body.id}/export?format=html&rerun=1`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-disposition")).toContain(".html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'none'");
    const html = await page.text();
    expect(html).toContain("sum is 45");
    expect(html).toContain("<title>Sums &lt;b&gt;</title>");
    expect(html).not.toMatch(/<script/i);
    // a page with a diagram: the download's policy is the page's own, allowing exactly its two scripts
    const withDiagram = (
      await alice.json("POST", "/api/v1/documents", {
        title: "Flow",
        content: "# # Flow\n# ````mermaid\ngraph LR; A-->B\n# ````\n",
      })
    ).body.id;
    const flow = await alice.req("GET", `/api/v1/documents/${withDiagram}/export?format=html`);
    const flowHtml = await flow.text();
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(flowHtml)![1]!;
    expect(meta).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+' 'sha256-[A-Za-z0-9+/=]+';/);
    expect(flow.headers.get("content-security-policy")).toBe(`${meta}; frame-ancestors 'none'`);
    const md = await alice.req("GET", `/api/v1/documents/${d.body.id}/export?format=md&rerun=1`);
    expect(md.headers.get("content-type")).toContain("text/markdown");
    expect(await md.text()).toContain("sum is 45");
  });

  test("executions per day are limited (429 with Retry-After)", async () => {
    let last: Response | null = null;
    for (let i = 0; i < 7; i++)
      last = await alice.req("POST", "/api/v1/render", { content: "# ```\nprint(1)\n# ```\n" });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another user's quota is their own.
    expect((await bob.req("POST", "/api/v1/render", { content: "# ```\nprint(1)\n# ```\n" })).status).toBe(200);
  }, 30_000);

  test("executions at once are limited per user", async () => {
    const slow = { content: "# ```\nimport time\ntime.sleep(1.5)\nprint('slept')\n# ```\n" };
    const [a, b] = await Promise.all([
      bob.req("POST", "/api/v1/render", slow),
      bob.req("POST", "/api/v1/render", slow),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 429]);
  }, 30_000);
});
