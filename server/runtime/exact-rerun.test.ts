// Exact re-run through the server, a real jail and the WebSocket run command the editor sends: a
// block edited and run again sees the state a top-down run gives it (the kernel resumes its
// checkpoint), not the namespace later blocks already changed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;

beforeAll(async () => {
  srv = await startTestServer({ runTimeoutSeconds: 10 });
  alice = await srv.userClient("alice");
});
afterAll(() => srv.close());

const block = (code: string) => `# \`\`\`\n${code}\n# \`\`\``;
const source = (...codes: string[]) => ["# # Exact", ...codes.map(block), ""].join("\n");

/** Runs and returns the final html of each block's cell in this run. */
async function run(p: Peer, doc: string, blocks?: number[]): Promise<Map<number, string>> {
  const before = p.messages.length;
  p.send(blocks ? { t: "run", doc, scope: "blocks", blocks } : { t: "run", doc, scope: "all" });
  const fin = await p.next("run-finished", () => true, 60_000);
  expect(fin.error).toBeNull();
  const cells = new Map<number, string>();
  for (const m of p.messages.slice(before))
    if (m.t === "cell" && m.cell.status === "ok") cells.set(m.cell.block, m.cell.html);
  return cells;
}

describe("exact re-run over the WebSocket", () => {
  test("x = [] | x.append(1); print(x) | x.append(2): editing block 2 and running it prints [1]", async () => {
    const v1 = source("x = []", "x.append(1); print(x)", "x.append(2)");
    const id = (await alice.json("POST", "/api/v1/documents", { title: "Exact", content: v1 })).body.id as string;
    const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    await p.next("hello");
    p.send({ t: "join", doc: id });
    await p.next("joined");
    const all = await run(p, id);
    // block indexes in the parsed document: 0 is the heading, then the three code blocks
    const ids = [...all.keys()];
    expect(ids).toHaveLength(3);
    expect(all.get(ids[1]!)).toContain("[1]");
    // the edit reaches the server as the document's content (REST here, Automerge in the editor)
    const v2 = source("x = []", "x.append(1); print(x)  # again", "x.append(2)");
    await alice.json("PATCH", `/api/v1/documents/${id}`, { content: v2 });
    const again = await run(p, id, [ids[1]!]);
    expect([...again.keys()]).toEqual([ids[1]!]);
    const html = again.get(ids[1]!)!;
    expect(html).toContain("[1]");
    expect(html).not.toContain("[1, 2, 1]");
    p.ws.close();
  });
});
