// Hostile documents through the real server, as a viewer and anonymously: thousands of unclosed
// tags, nested list markers and a long document answer 200 with a degraded or full render (never
// 500), and the server keeps answering /api/v1/health while they render.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { codeHash } from "../runtime/notebook-sessions.ts";
import { markdownDocument } from "../testing/markdown-document.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let owner: TestClient;
let viewer: TestClient;

const CODE = "print('x')";
const HOSTILE: Record<string, string> = {
  "unclosed tags": "# # Unclosed\n# " + "<b>x".repeat(30_000) + "\n",
  "nested list markers": "# # Nested\n# " + "- ".repeat(4_000) + "x\n",
  "a 600 KB document": markdownDocument(600_000),
  "unclosed tags in the stored output": `# # Output\n# \`\`\`\n${CODE}\n# \`\`\`\n`,
};

beforeAll(async () => {
  srv = await startTestServer();
  owner = await srv.userClient("hr-owner");
  viewer = await srv.userClient("hr-viewer");
}, 60_000);
afterAll(() => srv.close());

async function healthWhile<T>(work: Promise<T>): Promise<{ result: T; healthAnswers: number }> {
  let done = false;
  let healthAnswers = 0;
  const poll = (async () => {
    while (!done) {
      const r = await srv.anonymous().req("GET", "/api/v1/health");
      if (r.status === 200) healthAnswers++;
      await Bun.sleep(25);
    }
  })();
  const result = await work;
  done = true;
  await poll;
  return { result, healthAnswers };
}

describe("hostile documents render for readers", () => {
  for (const [name, content] of Object.entries(HOSTILE)) {
    test(`${name}: a viewer's render and export, and the anonymous public page, answer 200`, async () => {
      const o = srv.services.users.byUsername("hr-owner")!;
      const doc = srv.services.documents.create(o, { title: name, content });
      srv.services.documents.setMembers(o, doc.id, { members: [{ username: "hr-viewer", role: "viewer" }] });
      const stored: BlockResult = {
        block: 0,
        status: "ok",
        durationMs: 1,
        outputs: [{ kind: "stdout", text: "<i>".repeat(30_000) }],
      };
      srv.services.outputsStore.save(doc.id, codeHash(CODE), stored);
      const render = await viewer.json("GET", `/api/v1/documents/${doc.id}/render?format=html`);
      expect(render.status).toBe(200);
      expect(render.body.executed).toBe(false);
      const exported = await viewer.req("GET", `/api/v1/documents/${doc.id}/export?format=html`);
      expect(exported.status).toBe(200);
      const pub = await owner.json("PATCH", `/api/v1/documents/${doc.id}`, { isPublic: true });
      expect(pub.status).toBe(200);
      const { result: page, healthAnswers } = await healthWhile(
        srv.anonymous().json("GET", `/api/v1/public/${pub.body.publicSlug}`),
      );
      expect(page.status).toBe(200);
      expect(healthAnswers).toBeGreaterThan(0);
      if (name.includes("unclosed")) expect(page.body.html).toContain("Shown as text");
      if (name.includes("nested")) expect(page.body.html).toContain("<li>");
      if (name.includes("600 KB")) expect(page.body.html).toContain("Part 1000");
    }, 120_000);
  }
});
