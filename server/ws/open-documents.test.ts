// The owner of an open document, through the real server, a real jail and the WebSocket: a
// connection that closes leaves every document it was in (its collaborators are told, a run it
// started goes on for the others), and one that leaves a document gets nothing more about it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
}, 60_000);
afterAll(() => srv.close());

async function peer(c: TestClient): Promise<Peer> {
  const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: c.cookie! });
  // Automerge sync travels in binary frames; these tests read only the JSON ones
  const json = p.ws.onmessage!;
  p.ws.onmessage = (e) => void (typeof e.data === "string" && json.call(p.ws, e));
  await p.next("hello");
  return p;
}

const content =
  "# # Shared\n# ```\nimport time\nfor i in range(8):\n    print(f'step {i}')\n    time.sleep(0.15)\n# ```\n";

async function sharedDoc(): Promise<string> {
  const id = (await alice.json("POST", "/api/v1/documents", { title: "Shared", content })).body.id as string;
  expect(
    (await alice.json("PUT", `/api/v1/documents/${id}/members`, { members: [{ username: "bob", role: "editor" }] }))
      .status,
  ).toBe(200);
  return id;
}

describe("one owner per open document", () => {
  test("a closed connection leaves its documents: collaborators are told, and its run goes on for the others", async () => {
    const doc = await sharedDoc();
    const [a, b] = [await peer(alice), await peer(bob)];
    for (const p of [a, b]) {
      p.send({ t: "join", doc, collab: true });
      await p.next("joined", (m) => m.doc === doc);
    }
    // each learns the other is there
    await b.next("presence", (m) => m.doc === doc && m.user.username === "alice");
    a.send({ t: "run", doc, scope: "all" });
    await b.next("cell", (m) => m.doc === doc && m.cell.status === "running");
    a.ws.close();
    await b.next("presence-left", (m) => m.doc === doc);
    const fin = await b.next("run-finished", (m) => m.doc === doc, 30_000);
    expect(fin.error).toBeNull();
    const cells = b.messages.filter((m) => m.t === "cell" && m.doc === doc);
    const last = cells.at(-1) as Extract<(typeof cells)[number], { t: "cell" }>;
    expect(last.cell.status).toBe("ok");
    expect(last.cell.html).toContain("step 7");
    b.ws.close();
  }, 60_000);

  test("after leaving a document a connection gets nothing more about it and may not act on it; joining again works", async () => {
    const doc = await sharedDoc();
    const [a, b] = [await peer(alice), await peer(bob)];
    for (const p of [a, b]) {
      p.send({ t: "join", doc });
      await p.next("joined", (m) => m.doc === doc);
    }
    b.send({ t: "leave", doc });
    b.send({ t: "run", doc, scope: "all" });
    const refused = await b.next("error", (m) => m.doc === doc);
    expect(refused.message).toBe("join the document first");
    b.messages.length = 0;
    a.send({ t: "run", doc, scope: "all" });
    await a.next("run-finished", (m) => m.doc === doc, 30_000);
    expect(b.messages.filter((m) => "doc" in m && m.doc === doc)).toEqual([]);
    b.send({ t: "join", doc });
    const joined = await b.next("joined", (m) => m.doc === doc);
    expect(joined.role).toBe("editor");
    b.send({ t: "preview", doc, seq: 1, source: content });
    const preview = await b.next("preview", (m) => m.doc === doc);
    expect(JSON.stringify(preview.blocks)).toContain("step 7");
    a.ws.close();
    b.ws.close();
  }, 60_000);
});
