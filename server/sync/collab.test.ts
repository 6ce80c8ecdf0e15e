// Real-time collaboration end to end over real WebSockets: convergence of concurrent editors,
// long histories opened from a snapshot, viewers' forged changes refused and never stored, fuzzed
// frames, REST writes reaching editors, search, presence, history, and acknowledged changes surviving kill -9.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { CollabTestClient, until } from "../testing/collab-test-client.ts";
import { spawnServe } from "../testing/spawn-serve.ts";
import { A } from "./automerge.ts";
import { SyncStore } from "../store/sync-store.ts";
import { encodeSyncFrame, type CollabDoc } from "../../protocol/collab-frames.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;
let vic: TestClient;
let eve: TestClient;

const connect = (c: TestClient, doc: string, opts?: { join?: boolean; snapshot?: boolean }) =>
  CollabTestClient.connect(srv.url, c.cookie!, doc, opts);

async function newDoc(content: string, members: { username: string; role: string }[] = []): Promise<string> {
  const d = await alice.json("POST", "/api/v1/documents", { title: "Collab", content });
  if (members.length) await alice.json("PUT", `/api/v1/documents/${d.body.id}/members`, { members });
  return d.body.id as string;
}

/** The text stored in SQLite, read from a fresh connection to the database file. */
function storedText(docId: string): { content: string; automerge: string } {
  const db = new Database(join(srv.dataDir, "pymd.db"), { readonly: true });
  try {
    const content = db
      .query<{ content: string }, [string]>("SELECT content FROM documents WHERE id = ?")
      .get(docId)!.content;
    const chunks = db
      .query<{ data: Uint8Array }, [string]>("SELECT data FROM sync_chunks WHERE document_id = ? ORDER BY seq")
      .all(docId);
    const all = Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
    return { content, automerge: A.load<CollabDoc>(new Uint8Array(all)).content };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
  vic = await srv.userClient("vic");
  eve = await srv.userClient("eve");
  // four argon2id sign-ins on a busy machine
}, 60_000);
afterAll(() => srv.close());

async function converge(n: number, editsEach: number) {
  const seed = "# # Shared notebook\n# ```\nprint(1)\n# ```\n";
  const doc = await newDoc(seed, [{ username: "bob", role: "editor" }]);
  const clients = await Promise.all(Array.from({ length: n }, (_, i) => connect(i % 2 ? bob : alice, doc)));
  await until(() => clients.every((c) => c.text() === seed), 10_000, "initial text");
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; i < editsEach; i++) {
        const len = c.text().length;
        const at = Math.floor(Math.random() * (len + 1));
        if (Math.random() < 0.3 && len > 0) c.splice(Math.min(at, len - 1), 1);
        else c.splice(at, 0, String.fromCharCode(97 + ((k + i) % 26)));
        if (i % 5 === 0) await Bun.sleep(Math.random() * 20);
      }
    }),
  );
  await until(
    () => {
      const t = clients[0]!.text();
      return clients.every((c) => c.text() === t && c.acknowledged());
    },
    60_000,
    `${n} clients to converge`,
  );
  const final = clients[0]!.text();
  const rest = await alice.json("GET", `/api/v1/documents/${doc}`);
  expect(rest.body.content).toBe(final);
  expect(storedText(doc)).toEqual({ content: final, automerge: final });
  for (const c of clients) c.close();
  return final;
}

describe("collaboration", () => {
  test("2 concurrent editors converge to identical text", async () => {
    await converge(2, 150);
  }, 60_000);

  test("5 concurrent editors converge to identical text", async () => {
    await converge(5, 80);
  }, 60_000);

  test("20 concurrent editors converge to identical text", async () => {
    await converge(20, 30);
  }, 90_000);

  test("a long history opens from one snapshot; without one it still arrives, in a sync frame over 4 MB", async () => {
    const doc = await newDoc("");
    let d = A.from<CollabDoc>({ content: "" });
    let len = 0;
    for (let i = 0; i < 50_000; i++) {
      d = A.change(d, (x) => {
        if (i % 5 === 4) A.splice(x, ["content"], len - 1, 1), len--;
        else A.splice(x, ["content"], len, 0, "abcdefghijklmnop\n"[i % 17]!), len++;
      });
    }
    new SyncStore(srv.services.db).save(doc, A.save(d), d.content, { compact: true });

    const fresh = await connect(alice, doc);
    await until(() => fresh.text() === d.content, 20_000, "snapshot to load");
    expect(fresh.received.snapshot).toBe(1);
    // At most the join's opening sync message (heads and a bloom filter), never the 50,000 changes.
    expect(fresh.received.syncBytes).toBeLessThan(200_000);
    expect(fresh.acknowledged()).toBe(true);

    const plain = await connect(alice, doc, { snapshot: false });
    await until(() => plain.text() === d.content, 30_000, "history through sync");
    expect(plain.received.snapshot).toBe(0);
    expect(plain.received.syncBytes).toBeGreaterThan(4 * 1024 * 1024);

    // Both go on syncing normally from there.
    fresh.splice(0, 0, "A");
    await until(() => plain.text().startsWith("A") && fresh.acknowledged(), 10_000, "edit from the snapshot client");
    plain.splice(1, 0, "B");
    await until(() => fresh.text().startsWith("AB") && plain.acknowledged(), 10_000, "edit to the snapshot client");
    expect(storedText(doc).automerge).toBe(fresh.text());
    fresh.close();
    plain.close();
  }, 60_000);

  test("a viewer receives changes; a viewer's change is refused, never stored or relayed", async () => {
    const doc = await newDoc("hello", [{ username: "vic", role: "viewer" }]);
    const a = await connect(alice, doc);
    const v = await connect(vic, doc);
    expect(v.role).toBe("viewer");
    await until(() => v.text() === "hello", 10_000, "viewer to receive the text");
    a.splice(5, 0, " world");
    await until(() => v.text() === "hello world" && a.acknowledged(), 10_000, "viewer to see the edit");
    v.splice(0, 0, "FORGED ");
    v.flushNow();
    const err = await v.next("error");
    expect(err.code).toBe("forbidden");
    expect((await v.waitClosed())?.code).toBe(4403);
    await Bun.sleep(100);
    expect(a.text()).toBe("hello world");
    expect(storedText(doc).automerge).toBe("hello world");
    expect((await alice.json("GET", `/api/v1/documents/${doc}`)).body.content).toBe("hello world");
    expect(storedText(doc)).toEqual({ content: "hello world", automerge: "hello world" });
    expect((await alice.json("GET", `/api/v1/documents/${doc}`)).body.content).toBe("hello world");
    a.close();
  });

  test("every sync frame is authorized afresh: an editor made a viewer, or signed out elsewhere, is refused at the next frame", async () => {
    const erin = await srv.userClient("erin");
    const doc = await newDoc("base", [
      { username: "bob", role: "editor" },
      { username: "erin", role: "editor" },
    ]);
    const a = await connect(alice, doc);
    const b = await connect(bob, doc);
    await until(() => b.text() === "base", 10_000, "bob to have the text");
    // frames accepted just before the change of role
    for (const ch of "12") {
      b.splice(b.text().length, 0, ch);
      await until(() => b.acknowledged(), 10_000, "bob's edit acknowledged");
    }
    expect(
      (
        await alice.json("PUT", `/api/v1/documents/${doc}/members`, {
          members: [
            { username: "bob", role: "viewer" },
            { username: "erin", role: "editor" },
          ],
        })
      ).status,
    ).toBe(200);
    b.splice(0, 0, "LATE ");
    b.flushNow();
    expect((await b.next("error")).code).toBe("forbidden");
    expect((await b.waitClosed())?.code).toBe(4403);
    await until(() => a.text() === "base12", 10_000, "alice to have bob's accepted edits");
    expect(storedText(doc).automerge).toBe("base12");

    // a session ended from another process (as `pymd user` does): the next frame ends the socket
    const e = await connect(erin, doc);
    await until(() => e.text() === "base12", 10_000, "erin to have the text");
    e.splice(0, 0, ">");
    await until(() => e.acknowledged(), 10_000, "erin's edit acknowledged");
    const db = new Database(join(srv.dataDir, "pymd.db"));
    db.query("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'erin')").run();
    db.close();
    e.splice(0, 0, "GONE ");
    e.flushNow();
    expect((await e.next("error")).code).toBe("unauthenticated");
    expect((await e.waitClosed())?.code).toBe(4401);
    await Bun.sleep(100);
    expect(a.text()).toBe(">base12");
    expect(storedText(doc).automerge).toBe(">base12");
    a.close();
  });

  test("someone without access learns nothing; forged actors and non-text edits are refused", async () => {
    const doc = await newDoc("secret");
    const e = await connect(eve, doc, { join: false });
    await e.next("hello");
    e.json({ t: "join", doc, collab: true });
    const missing = await e.next("error");
    expect(missing.code).toBe("not_found");
    // A sync frame for a document the connection never joined gets the same answer for every id.
    const [, m] = A.generateSyncMessage(A.init(), A.initSyncState());
    e.ws.send(encodeSyncFrame(doc, m!) as Uint8Array<ArrayBuffer>);
    const err = await e.next("error");
    expect(err.message).toBe("join the document first");
    expect(JSON.stringify(e.messages)).not.toContain("secret");

    // An editor whose change writes outside the text is refused, and so is one under another's actor id.
    const shared = await newDoc("text", [{ username: "bob", role: "editor" }]);
    const a = await connect(alice, shared);
    await until(() => a.text() === "text");
    a.splice(4, 0, "!");
    await until(() => a.acknowledged());
    const b = await connect(bob, shared);
    await until(() => b.text() === "text!");
    b.doc = A.change(b.doc, (d) => {
      (d as Record<string, unknown>).admin = true;
    });
    b.flushNow();
    expect((await b.next("error")).code).toBe("forbidden");
    const b2 = await connect(bob, shared);
    await until(() => b2.text() === "text!");
    b2.doc = A.clone(b2.doc, A.getActorId(a.doc));
    b2.splice(0, 0, "mine:");
    b2.flushNow();
    expect((await b2.next("error")).code).toBe("forbidden");
    expect(storedText(shared).automerge).toBe("text!");
    a.close();
  });

  test("fuzzed frames get an error and a close; the server and the stored document are unaffected", async () => {
    const doc = await newDoc("steady");
    const a = await connect(alice, doc);
    await until(() => a.text() === "steady");
    const [, valid] = A.generateSyncMessage(
      A.change(A.clone(a.doc), (d) => A.splice(d, ["content"], 0, 0, "x")),
      A.initSyncState(),
    );
    const header = (payload: Uint8Array) => encodeSyncFrame(doc, payload);
    const frames: Uint8Array[] = [
      crypto.getRandomValues(new Uint8Array(64)),
      header(crypto.getRandomValues(new Uint8Array(200))),
      header(valid!.subarray(0, Math.floor(valid!.length / 2))),
      header(new Uint8Array([0x42])),
      new Uint8Array([1, 2, 3]),
      new Uint8Array(5 * 1024 * 1024).fill(1),
    ];
    for (let i = 0; i < 30; i++)
      frames.push(header(crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 300)))));
    for (const f of frames) {
      const c = await connect(alice, doc);
      c.ws.send(f as Uint8Array<ArrayBuffer>);
      const closed = await c.waitClosed();
      expect(closed).not.toBeNull();
      expect(closed!.code).not.toBe(1000);
    }
    expect((await fetch(srv.url + "/api/v1/health")).status).toBe(200);
    // The document still syncs for an honest client, and nothing of the garbage was stored.
    a.splice(6, 0, "!");
    await until(() => a.acknowledged(), 10_000, "ack after fuzzing");
    expect(storedText(doc).automerge).toBe("steady!");
    // documents.content follows the history lazily; a read brings it up to date.
    expect((await alice.json("GET", `/api/v1/documents/${doc}`)).body.content).toBe("steady!");
    expect(storedText(doc)).toEqual({ content: "steady!", automerge: "steady!" });
    a.close();
  }, 60_000);

  test("access taken away mid-session: nothing more is pushed; the document is left, or the socket closed for a disabled user", async () => {
    const dave = await srv.userClient("dave");
    const doc = await newDoc("shared", [
      { username: "bob", role: "editor" },
      { username: "dave", role: "viewer" },
    ]);
    const a = await connect(alice, doc);
    const b = await connect(bob, doc);
    const v = await connect(dave, doc);
    await until(() => b.text() === "shared" && v.text() === "shared", 10_000, "everyone to have the text");
    await Bun.sleep(100);

    // Removed over REST: bob's next push is refused instead of delivered.
    expect(
      (await alice.json("PUT", `/api/v1/documents/${doc}/members`, { members: [{ username: "dave", role: "viewer" }] }))
        .status,
    ).toBe(200);
    const bobSync = b.received.sync;
    b.messages.length = 0;
    a.json({ t: "presence", doc, cursor: { anchor: 1, head: 1 } });
    a.splice(0, 0, "X");
    await until(() => v.text() === "Xshared" && a.acknowledged(), 10_000, "the edit to reach the remaining viewer");
    const err = await b.next("error");
    expect(err).toMatchObject({ code: "not_found", doc });
    await Bun.sleep(100);
    expect(b.text()).toBe("shared");
    expect(b.received.sync).toBe(bobSync);
    expect(b.messages.filter((m) => m.t === "presence" || m.t === "error")).toEqual([]);
    expect(b.closed).toBeNull();
    b.json({ t: "ping", seq: 7 });
    expect((await b.next("pong")).seq).toBe(7);

    // Disabled from another process, as `pymd user disable` does: the socket is closed.
    const db = new Database(join(srv.dataDir, "pymd.db"));
    db.query("UPDATE users SET disabled = 1 WHERE username = 'dave'").run();
    db.close();
    const daveSync = v.received.sync;
    a.splice(0, 0, "Y");
    await until(() => a.acknowledged(), 10_000, "ack");
    expect((await v.next("error")).code).toBe("unauthenticated");
    expect((await v.waitClosed())?.code).toBe(4401);
    expect(v.received.sync).toBe(daveSync);
    expect(v.text()).toBe("Xshared");
    a.close();
    b.close();
  });

  test("a PATCH of content is an Automerge change that reaches connected editors; search sees the latest text", async () => {
    const doc = await newDoc("before", [{ username: "bob", role: "editor" }]);
    const b = await connect(bob, doc);
    await until(() => b.text() === "before");
    const r = await alice.json("PATCH", `/api/v1/documents/${doc}`, { content: "after the patch" });
    expect(r.status).toBe(200);
    expect(r.body.content).toBe("after the patch");
    await until(() => b.text() === "after the patch", 10_000, "patch to reach the editor");
    b.splice(b.text().length, 0, " zanzibarword");
    await until(() => b.acknowledged(), 10_000, "ack");
    const found = await alice.json("GET", "/api/v1/documents?q=zanzibarword");
    expect(found.body.documents.map((d: { id: string }) => d.id)).toEqual([doc]);
    expect((await alice.json("GET", `/api/v1/documents/${doc}`)).body.content).toBe("after the patch zanzibarword");
    b.close();
  });

  test("presence: join, cursor and leave are relayed, stamped with the sender's identity", async () => {
    const doc = await newDoc("abc", [{ username: "bob", role: "viewer" }]);
    const a = await connect(alice, doc);
    const b = await connect(bob, doc);
    const joined = await a.next("presence", (m) => m.user.username === "bob");
    expect(joined.cursor).toBeNull();
    b.json({ t: "presence", doc, cursor: { anchor: 1, head: 2 }, user: { id: "x", username: "mallory" } });
    const moved = await a.next("presence", (m) => m.cursor !== null);
    expect(moved.user.username).toBe("bob");
    expect(moved.user.id).toBe(bob.userId!);
    expect(moved.user.colour).toMatch(/^#[0-9a-f]{6}$/);
    expect(moved.user.name).toBe("bob");
    expect(moved.cursor).toEqual({ anchor: 1, head: 2 });
    b.close();
    const left = await a.next("presence-left");
    expect(left.peer).toBe(moved.peer);
    // a display name and colour of bob's choosing reach the others
    expect(
      (
        await bob.json("PATCH", "/api/v1/users/me/settings", {
          displayName: "Bob the Builder",
          avatarColour: "#aa5500",
        })
      ).status,
    ).toBe(200);
    const b2 = await connect(bob, doc);
    const named = await a.next("presence", (m) => m.user.username === "bob");
    expect(named.user).toMatchObject({ username: "bob", name: "Bob the Builder", colour: "#aa5500" });
    b2.close();
    a.close();
  });

  test("history: versions by author, a past version, restore as a new change", async () => {
    const doc = await newDoc("v1", [{ username: "bob", role: "editor" }]);
    const a = await connect(alice, doc);
    await until(() => a.text() === "v1");
    a.splice(2, 0, " by alice");
    await until(() => a.acknowledged());
    a.close();
    const b = await connect(bob, doc);
    await until(() => b.text() === "v1 by alice");
    b.splice(0, 11, "rewritten by bob");
    await until(() => b.acknowledged());
    const h = await alice.json("GET", `/api/v1/documents/${doc}/history`);
    expect(h.status).toBe(200);
    const authors = h.body.versions.map((v: { author: { username: string } | null }) => v.author?.username ?? null);
    expect(authors).toEqual(["bob", "alice", null]);
    const aliceVersion = h.body.versions[1];
    const past = await alice.json("GET", `/api/v1/documents/${doc}/history/${aliceVersion.hash}`);
    expect(past.body.content).toBe("v1 by alice");
    expect(past.body.current).toBe("rewritten by bob");
    expect((await eve.json("GET", `/api/v1/documents/${doc}/history`)).status).toBe(404);
    const restored = await alice.json("POST", `/api/v1/documents/${doc}/history/${aliceVersion.hash}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.content).toBe("v1 by alice");
    await until(() => b.text() === "v1 by alice", 10_000, "restore to reach the editor");
    const after = await alice.json("GET", `/api/v1/documents/${doc}/history`);
    expect(after.body.versions.length).toBe(4);
    expect(after.body.versions[0].author.username).toBe("alice");
    b.close();
  });
});

describe("durability", () => {
  test("a kill -9 mid-session loses no change the server acknowledged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pymd-collab-kill-"));
    const MAIN = join(import.meta.dir, "..", "main.ts");
    const env = { PATH: process.env.PATH ?? "/usr/bin" };
    const serve = () => spawnServe(dir, dir);
    try {
      const add = Bun.spawnSync([process.execPath, MAIN, "user", "add", "kim", "--password-stdin", "--data-dir", dir], {
        cwd: dir,
        stdin: new TextEncoder().encode("kimpassword\n"),
        env,
      });
      expect(add.exitCode).toBe(0);
      let s = await serve();
      const login = async (url: string) =>
        (
          await fetch(url + "/api/v1/auth/login", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: "kim", password: "kimpassword" }),
          })
        ).headers
          .get("set-cookie")!
          .split(";")[0]!;
      let cookie = await login(s.url);
      const created = await fetch(s.url + "/api/v1/documents", {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ title: "K", content: "" }),
      });
      const docId = ((await created.json()) as { id: string }).id;
      const c = await CollabTestClient.connect(s.url, cookie, docId);
      await until(() => typeof c.doc.content === "string" && c.acknowledged(), 10_000, "first sync");
      let ackedText = "";
      let typing = true;
      const typist = (async () => {
        for (let i = 0; typing && i < 5000; i++) {
          c.splice(c.text().length, 0, String.fromCharCode(97 + (i % 26)));
          if (c.serverHeads.length && A.hasHeads(c.doc, c.serverHeads))
            ackedText = A.view(c.doc, c.serverHeads).content;
          await Bun.sleep(2);
        }
      })();
      await until(() => ackedText.length >= 200, 20_000, "acknowledged typing");
      const acked = ackedText;
      s.proc.kill(9);
      typing = false;
      await typist;
      await s.proc.exited;
      s = await serve();
      cookie = await login(s.url);
      const rest = (await (await fetch(`${s.url}/api/v1/documents/${docId}`, { headers: { cookie } })).json()) as {
        content: string;
      };
      expect(rest.content.startsWith(acked)).toBe(true);
      const c2 = await CollabTestClient.connect(s.url, cookie, docId);
      await until(() => c2.text().length >= acked.length, 10_000, "reload after restart");
      expect(c2.text().startsWith(acked)).toBe(true);
      expect(c2.text()).toBe(rest.content);
      c2.close();
      s.proc.kill(9);
      await s.proc.exited;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
