// Large content writes through the real server: repeated PATCHes of a 4 MB document, a 150 KB
// PATCH and a large paste through sync with /api/v1/health answering while they are applied, a
// viewer's large paste refused whole, a single oversized change refused, and acknowledged edits visible at once to REST and search
// although documents.content is written behind the history.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { CollabTestClient, until } from "../testing/collab-test-client.ts";
import { MAX_CHANGE_OPS } from "./collab-documents.ts";

let srv: TestServer;
let alice: TestClient;

beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
}, 60_000);
afterAll(() => srv.close());

function lines(n: number, tag: string): string[] {
  return Array.from({ length: n }, (_, i) => `# ${tag} line ${i} ${"x".repeat(i % 40)}\n`);
}

/** Runs `work` while health is asked again and again; returns its result and how many health answers came before it finished. */
async function withHealthProbe<T>(
  work: Promise<T>,
): Promise<{ result: T; healthDuring: number; healthStatuses: Set<number> }> {
  let done = false;
  let healthDuring = 0;
  const healthStatuses = new Set<number>();
  const probe = (async () => {
    while (!done) {
      const r = await fetch(srv.url + "/api/v1/health");
      await r.arrayBuffer();
      healthStatuses.add(r.status);
      if (!done) healthDuring++;
    }
  })();
  const result = await work;
  done = true;
  await probe;
  return { result, healthDuring, healthStatuses };
}

describe("large writes", () => {
  test("a 4 MB document takes a second and a third PATCH, each stored exactly", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Big", content: "# start\n" });
    expect(d.status).toBe(201);
    const id = d.body.id as string;
    const text = lines(115_000, "big");
    const first = text.join("");
    expect(first.length).toBeGreaterThan(4_000_000);
    const r1 = await withHealthProbe(alice.json("PATCH", `/api/v1/documents/${id}`, { content: first }));
    expect(r1.result.status).toBe(200);
    expect(r1.result.body.content === first).toBe(true);
    // The write is applied in pieces: the server answered health while it ran.
    expect(r1.healthDuring).toBeGreaterThan(0);
    expect([...r1.healthStatuses]).toEqual([200]);

    for (let i = 0; i < text.length; i += 900) text[i] = `# second write changed ${i}\n`;
    const second = text.join("");
    const r2 = await alice.json("PATCH", `/api/v1/documents/${id}`, { content: second });
    expect(r2.status).toBe(200);
    text.splice(100, 50);
    for (let i = 7; i < text.length; i += 1300) text[i] = `# third write changed ${i}\n`;
    text.push(...lines(300, "appended"));
    const third = text.join("");
    const r3 = await alice.json("PATCH", `/api/v1/documents/${id}`, { content: third });
    expect(r3.status).toBe(200);
    const got = await alice.json("GET", `/api/v1/documents/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.content === third).toBe(true);
    // A small PATCH afterwards works as ever.
    const r4 = await alice.json("PATCH", `/api/v1/documents/${id}`, { content: third + "# end\n" });
    expect(r4.status).toBe(200);
    expect((await alice.json("GET", `/api/v1/documents/${id}`)).body.content === third + "# end\n").toBe(true);
  }, 600_000);

  test("a 150 KB PATCH is stored exactly while health keeps answering", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Medium", content: "# hello\n" });
    const id = d.body.id as string;
    const text = lines(4_200, "medium").join("");
    expect(text.length).toBeGreaterThan(150_000);
    const r = await withHealthProbe(alice.json("PATCH", `/api/v1/documents/${id}`, { content: text }));
    expect(r.result.status).toBe(200);
    expect(r.healthDuring).toBeGreaterThan(0);
    expect([...r.healthStatuses]).toEqual([200]);
    const got = await alice.json("GET", `/api/v1/documents/${id}`);
    expect(got.body.content === text).toBe(true);
  }, 300_000);

  test("a large paste through sync is applied change by change while health answers; an edit sent after it lands after it", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Pasted", content: "# start\n" });
    const id = d.body.id as string;
    const a = await CollabTestClient.connect(srv.url, alice.cookie!, id);
    const b = await CollabTestClient.connect(srv.url, alice.cookie!, id);
    a.splice(a.text().length, 0, "# ready\n");
    await until(
      () => a.text() === "# start\n# ready\n" && a.acknowledged() && b.text() === a.text(),
      20_000,
      "both ready",
    );
    const pasted = lines(9_000, "pasted").join("");
    expect(pasted.length).toBeGreaterThan(300_000);
    // what the other tab sees as the paste arrives
    const seen = new Set<number>();
    b.onRemoteChange = (c) => void seen.add(c.text().length);
    a.paste(a.text().length, pasted);
    a.flushNow();
    // the next edit goes in a message of its own, which reaches the server while the paste is applied
    a.splice(0, 0, "# after the paste\n");
    a.flushNow();
    const expected = "# after the paste\n# start\n# ready\n" + pasted;
    const r = await withHealthProbe(
      until(() => a.acknowledged() && b.text() === expected, 240_000, "the paste to be stored and relayed"),
    );
    expect(r.healthDuring).toBeGreaterThan(0);
    expect([...r.healthStatuses]).toEqual([200]);
    expect(a.text()).toBe(expected);
    // it arrived in steps, a part of the paste at a time: the server applied it change by change
    const partial = [...seen].filter(
      (n) => n > "# start\n# ready\n".length && n < expected.length - "# after the paste\n".length,
    );
    expect(partial.length).toBeGreaterThanOrEqual(3);
    const got = await alice.json("GET", `/api/v1/documents/${id}`);
    expect(got.body.content === expected).toBe(true);
    a.close();
    b.close();
  }, 300_000);

  test("a large paste from a viewer is refused whole: nothing of it is applied, the viewer is disconnected", async () => {
    const bob = await srv.userClient("bob");
    const d = await alice.json("POST", "/api/v1/documents", { title: "Read only", content: "# as it was\n" });
    const id = d.body.id as string;
    expect(
      (await alice.json("PUT", `/api/v1/documents/${id}/members`, { members: [{ username: "bob", role: "viewer" }] }))
        .status,
    ).toBe(200);
    const editor = await CollabTestClient.connect(srv.url, alice.cookie!, id);
    const viewer = await CollabTestClient.connect(srv.url, bob.cookie!, id);
    await until(
      () => viewer.text() === "# as it was\n" && editor.text() === "# as it was\n",
      20_000,
      "both have the text",
    );
    viewer.paste(0, lines(6_000, "vandal").join(""));
    viewer.flushNow();
    const err = await viewer.next("error");
    expect(err).toMatchObject({ code: "forbidden", doc: id });
    expect((await viewer.waitClosed())?.code).toBe(4403);
    // the editor goes on; its next edit is stored on the text as it was
    editor.splice(0, 0, "# still mine\n");
    await until(() => editor.acknowledged(), 20_000, "the editor's edit");
    expect(editor.text()).toBe("# still mine\n# as it was\n");
    const got = await alice.json("GET", `/api/v1/documents/${id}`);
    expect(got.body.content).toBe("# still mine\n# as it was\n");
    editor.close();
  }, 120_000);

  test("one change holding more operations than a change may is refused; the document is unchanged", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Oversized", content: "# kept\n" });
    const id = d.body.id as string;
    const a = await CollabTestClient.connect(srv.url, alice.cookie!, id);
    a.splice(0, 0, "# one\n");
    await until(() => a.acknowledged() && a.text() === "# one\n# kept\n", 20_000, "a first edit");
    a.splice(0, 0, "y".repeat(MAX_CHANGE_OPS + 1));
    a.flushNow();
    const err = await a.next("error");
    expect(err).toMatchObject({ code: "too_large" });
    expect((err as { message: string }).message).toContain(`at most ${MAX_CHANGE_OPS} operations`);
    expect((await a.waitClosed())?.code).toBe(4400);
    const got = await alice.json("GET", `/api/v1/documents/${id}`);
    expect(got.body.content).toBe("# one\n# kept\n");
  }, 120_000);

  test("an acknowledged edit is in the next REST read and search, although the text is written later", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Lazy", content: "# # Lazy text\n" });
    const id = d.body.id as string;
    const c = await CollabTestClient.connect(srv.url, alice.cookie!, id);
    try {
      await until(() => c.text() === "# # Lazy text\n", 10_000, "initial text");
      for (let i = 0; i < 5; i++) {
        const word = `zebrafinch${i}`;
        c.splice(c.text().length, 0, `# ${word}\n`);
        await until(() => c.acknowledged(), 10_000, "acknowledgement");
        const got = await alice.json("GET", `/api/v1/documents/${id}`);
        expect(got.body.content).toBe(c.text());
        const found = await alice.json("GET", `/api/v1/documents?q=${word}`);
        expect(found.body.documents.map((x: { id: string }) => x.id)).toEqual([id]);
      }
    } finally {
      c.close();
    }
  }, 60_000);
});
