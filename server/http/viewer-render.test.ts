// One rule per role, through the real server: a viewer may not run a notebook over the WebSocket,
// so no HTTP route runs it for them either. The render and the exports show the stored outputs and
// start no execution; owners and editors still get a fresh run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { codeHash } from "../runtime/notebook-sessions.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let owner: TestClient;
let editor: TestClient;
let viewer: TestClient;
let globalViewer: TestClient;
let docId = "";

const CODE = 'print("LIVE-" + "RUN")';
const SOURCE = `# # Counted\n# \`\`\`\n${CODE}\n# \`\`\`\n`;

const executionsSoFar = () =>
  srv.services.db.query<{ n: number | null }, []>("SELECT SUM(count) AS n FROM execution_counts").get()?.n ?? 0;

beforeAll(async () => {
  srv = await startTestServer();
  owner = await srv.userClient("vr-owner");
  editor = await srv.userClient("vr-editor");
  viewer = await srv.userClient("vr-viewer");
  globalViewer = await srv.userClient("vr-gviewer", "viewer");
  const o = srv.services.users.byUsername("vr-owner")!;
  const doc = srv.services.documents.create(o, { title: "Counted", content: SOURCE });
  srv.services.documents.setMembers(o, doc.id, {
    members: [
      { username: "vr-editor", role: "editor" },
      { username: "vr-viewer", role: "viewer" },
      // an editor member whose account is a viewer: the account's role caps them at reading
      { username: "vr-gviewer", role: "editor" },
    ],
  });
  docId = doc.id;
  // The outputs of the last run, as a run over the WebSocket stores them.
  const stored: BlockResult = {
    block: 0,
    status: "ok",
    durationMs: 7,
    outputs: [{ kind: "stdout", text: "STORED-OUTPUT-42\n" }],
  };
  srv.services.outputsStore.save(docId, codeHash(CODE), stored);
}, 60_000);
afterAll(() => srv.close());

describe("viewers get stored outputs, never a run", () => {
  for (const who of ["viewer", "globalViewer"] as const) {
    test(`${who}: render (html and markdown) and the html and md exports execute nothing and show the stored output`, async () => {
      const c = who === "viewer" ? viewer : globalViewer;
      const before = executionsSoFar();
      for (const format of ["html", "markdown"]) {
        const r = await c.json("GET", `/api/v1/documents/${docId}/render?format=${format}`);
        expect(r.status).toBe(200);
        expect(r.body.executed).toBe(false);
        expect(r.body.output).toContain("STORED-OUTPUT-42");
        expect(r.body.output).not.toContain("LIVE-RUN");
        expect(r.body.blocks.map((b: { status: string; durationMs: number }) => [b.status, b.durationMs])).toEqual([
          ["ok", 7],
        ]);
      }
      for (const format of ["html", "md"]) {
        const res = await c.req("GET", `/api/v1/documents/${docId}/export?format=${format}`);
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).toContain("STORED-OUTPUT-42");
        expect(text).not.toContain("LIVE-RUN");
      }
      expect(executionsSoFar()).toBe(before);
      expect(srv.services.executionsStore.today(c.userId!)).toBe(0);
    });
  }

  test("the public page of the document shows the stored output and executes nothing", async () => {
    const pub = await owner.json("PATCH", `/api/v1/documents/${docId}`, { isPublic: true });
    expect(pub.status).toBe(200);
    const before = executionsSoFar();
    const page = await srv.anonymous().json("GET", `/api/v1/public/${pub.body.publicSlug}`);
    expect(page.status).toBe(200);
    expect(page.body.html).toContain("STORED-OUTPUT-42");
    expect(executionsSoFar()).toBe(before);
  });

  test("an editor's render is a fresh execution, counted against them", async () => {
    const before = srv.services.executionsStore.today(editor.userId!);
    const r = await editor.json("GET", `/api/v1/documents/${docId}/render?format=markdown`);
    expect(r.status).toBe(200);
    expect(r.body.executed).toBe(true);
    expect(srv.services.executionsStore.today(editor.userId!)).toBe(before + 1);
    expect(r.body.output).not.toContain("STORED-OUTPUT-42");
    expect(r.body.output).toContain("LIVE-RUN");
  }, 60_000);
});
