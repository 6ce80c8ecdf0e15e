// Bounded outputs through the real server, a real jail and the WebSocket: a block printing a
// 1 MiB list over a few seconds arrives truncated at --run-output, in order, while the server keeps
// answering /api/v1/health; edit-and-run rounds keep only the outputs of the current blocks (row
// count and bytes read from the real SQLite file), and a public page shows only those.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { CellStateJson } from "../../protocol/ws-messages.ts";
import { DATABASE_FILE } from "../store/database.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;

/** --run-output as configured by default (1 MiB per block). */
const OUTPUT_KB = 1024;

beforeAll(async () => {
  srv = await startTestServer({ runOutputKb: OUTPUT_KB, runTimeoutSeconds: 60, runTotalTimeoutSeconds: 120 });
  alice = await srv.userClient("alice");
});
afterAll(() => srv.close());

const block = (code: string) => `# \`\`\`\n${code}\n# \`\`\``;
const source = (...codes: string[]) => ["# # Outputs", ...codes.map(block), ""].join("\n");

async function peer(c: TestClient): Promise<Peer> {
  const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: c.cookie! });
  await p.next("hello");
  return p;
}

async function openDoc(p: Peer, content: string): Promise<string> {
  const id = (await alice.json("POST", "/api/v1/documents", { title: "Outputs", content })).body.id as string;
  p.send({ t: "join", doc: id });
  await p.next("joined", (m) => m.doc === id);
  return id;
}

describe("bounded outputs", () => {
  test("a 1 MiB list printed over a few seconds arrives truncated at the cap, in order, while health keeps answering", async () => {
    const p = await peer(alice);
    // 75 lines of about 16 KB each: [0, 1, …, 1999], [2000, …] — 1.2 MB in about 2.5 s
    const doc = await openDoc(
      p,
      source(
        "import time\nfor i in range(75):\n    print(list(range(i * 2000, (i + 1) * 2000)))\n    time.sleep(0.03)",
      ),
    );
    const cells: CellStateJson[] = [];
    const collect = p.ws.addEventListener("message", (e) => {
      const m = JSON.parse(String((e as MessageEvent).data));
      if (m.t === "cell" && m.doc === doc) cells.push(m.cell);
    });
    void collect;
    const health: number[] = [];
    let running = true;
    const poll = (async () => {
      while (running) {
        const res = await fetch(srv.url + "/api/v1/health");
        health.push(res.status);
        await res.arrayBuffer();
        await Bun.sleep(50);
      }
    })();
    p.send({ t: "run", doc, scope: "all" });
    const fin = await p.next("run-finished", (m) => m.doc === doc, 120_000);
    running = false;
    await poll;
    expect(fin.error).toBeNull();
    // the server answered throughout the run
    expect(health.length).toBeGreaterThan(3);
    expect(health.every((s) => s === 200)).toBe(true);
    // the cells arrived in the order the output grew (no older render overtook a newer one)
    const reached = cells.map((c) => {
      const nums = c.html.match(/\d+(?=\])/g);
      return nums ? Number(nums.at(-1)) : -1;
    });
    for (let i = 1; i < reached.length; i++) expect(reached[i]!).toBeGreaterThanOrEqual(reached[i - 1]!);
    // the final cell, sent before run-finished, is cut at --run-output and says so
    const last = cells.at(-1)!;
    expect(last.status).toBe("ok");
    expect(last.html).toContain(`Output truncated: this block printed more than ${OUTPUT_KB * 1024} bytes.`);
    expect(last.html).toContain("[0, 1, 2, 3");
    expect(last.html).not.toContain("148000");
    // what is stored is the capped text, once
    const db = new Database(join(srv.dataDir, DATABASE_FILE), { readonly: true });
    try {
      const row = db
        .query<{ n: number; bytes: number }, [string]>(
          "SELECT count(*) AS n, sum(length(result)) AS bytes FROM document_outputs WHERE document_id = ?",
        )
        .get(doc)!;
      expect(row.n).toBe(1);
      expect(row.bytes).toBeLessThan(OUTPUT_KB * 1024 + 64 * 1024);
      expect(row.bytes).toBeGreaterThan(OUTPUT_KB * 1024 * 0.9);
    } finally {
      db.close();
    }
    p.ws.close();
  }, 180_000);

  test("three edit-and-run rounds of 5 blocks × 1 MB keep 5 rows; the public page shows only the current round", async () => {
    // each block prints 1 MB, under the 1 MiB cap
    const round = (r: number) =>
      source(
        ...[0, 1, 2, 3, 4].map(
          (b) => `marker = "round-${r}-block-${b}"\nprint(marker)\nprint(("o" * 99 + "\\n") * 10000)`,
        ),
      );
    const p = await peer(alice);
    const doc = await openDoc(p, round(1));
    const db = new Database(join(srv.dataDir, DATABASE_FILE), { readonly: true });
    const stored = () =>
      db
        .query<{ n: number; bytes: number }, [string]>(
          "SELECT count(*) AS n, coalesce(sum(length(result)), 0) AS bytes FROM document_outputs WHERE document_id = ?",
        )
        .get(doc)!;
    try {
      for (const r of [1, 2, 3]) {
        if (r > 1)
          expect((await alice.json("PATCH", `/api/v1/documents/${doc}`, { content: round(r) })).status).toBe(200);
        p.send({ t: "run", doc, scope: "all" });
        const fin = await p.next("run-finished", (m) => m.doc === doc, 120_000);
        expect(fin.error).toBeNull();
        const s = stored();
        expect(s.n).toBe(5);
        // five outputs of 1 MB each: what the current blocks printed, not the rounds before
        expect(s.bytes).toBeGreaterThan(5 * 1_000_000);
        expect(s.bytes).toBeLessThan(5 * 1_050_000);
      }
      const pub = await alice.json("PATCH", `/api/v1/documents/${doc}`, { isPublic: true });
      expect(pub.status).toBe(200);
      const slug = pub.body.publicSlug as string;
      // three anonymous readers at once get the same page
      const pages = await Promise.all([0, 1, 2].map(() => srv.anonymous().json("GET", `/api/v1/public/${slug}`)));
      expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
      const html = pages[0]!.body.html as string;
      expect(pages.every((p) => p.body.html === html)).toBe(true);
      for (const b of [0, 1, 2, 3, 4]) expect(html).toContain(`round-3-block-${b}`);
      expect(html).not.toContain("round-1-block");
      expect(html).not.toContain("round-2-block");
      // without a live session (the kernel closed after idle), the page reads the current blocks' rows only
      p.ws.close();
      await Bun.sleep(100);
      await srv.notebooks.closeIdle(Date.now() + 24 * 3600_000);
      const again = await srv.anonymous().json("GET", `/api/v1/public/${slug}`);
      expect(again.status).toBe(200);
      expect(again.body.html).toBe(html);
      // an edit of the text shows at once on the page (a kept render is for one state of text and outputs)
      const edited = round(3).replace("# # Outputs", "# # Outputs, edited");
      expect((await alice.json("PATCH", `/api/v1/documents/${doc}`, { content: edited })).status).toBe(200);
      const after = await srv.anonymous().json("GET", `/api/v1/public/${slug}`);
      expect(after.status).toBe(200);
      expect(after.body.html).toContain("Outputs, edited");
      expect(after.body.html).toContain("round-3-block-4");
    } finally {
      db.close();
    }
  }, 300_000);
});
