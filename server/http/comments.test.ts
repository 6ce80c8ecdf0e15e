// Comments through the real server: anchors that follow their text while 2, 5 and 20 editors
// type around and inside it at once over the WebSocket; threads, replies, edits, resolving;
// a commenter who can comment but never change the text; mentions and replies that notify
// exactly the people who can read the document, live on their sockets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { CommentThreadJson, NotificationJson } from "../../protocol/api-types.ts";
import { CollabTestClient, until } from "../testing/collab-test-client.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";
import { mentionsIn } from "../documents/comments-service.ts";

let srv: TestServer;
let owner: TestClient;
let dana: TestClient;
let carl: TestClient;
let vera: TestClient;
let zed: TestClient;
beforeAll(async () => {
  srv = await startTestServer();
  owner = await srv.userClient("olga");
  dana = await srv.userClient("dana");
  carl = await srv.userClient("carl");
  vera = await srv.userClient("vera");
  zed = await srv.userClient("zed");
});
afterAll(() => srv.close());

const TEXT = "Intro.\nThe quick brown fox jumps over the lazy dog.\nOutro.\n";

async function sharedDoc(
  members: { username: string; role: string }[] = [
    { username: "dana", role: "editor" },
    { username: "carl", role: "commenter" },
    { username: "vera", role: "viewer" },
  ],
): Promise<string> {
  const d = await owner.json("POST", "/api/v1/documents", { title: "Commented", content: TEXT });
  expect(d.status).toBe(201);
  expect((await owner.json("PUT", `/api/v1/documents/${d.body.id}/members`, { members })).status).toBe(200);
  return d.body.id;
}

const range = (text: string, word: string) => ({ from: text.indexOf(word), to: text.indexOf(word) + word.length });
const threads = async (c: TestClient, doc: string) => {
  const r = await c.json<{ threads: CommentThreadJson[] }>("GET", `/api/v1/documents/${doc}/comments`);
  expect(r.status).toBe(200);
  return r.body.threads;
};

describe("anchors follow their text", () => {
  for (const editors of [2, 5, 20]) {
    test(`${editors} editors typing around and inside a commented range at once`, async () => {
      const members: TestClient[] = [];
      for (let i = 0; i < editors; i++) members.push(await srv.userClient(`ed${editors}x${i}`));
      const doc = await sharedDoc(members.map((m) => ({ username: m.name, role: "editor" })));
      const a = await owner.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
        anchor: range(TEXT, "quick brown fox"),
        body: "Which fox?",
      });
      const b = await owner.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
        anchor: range(TEXT, "lazy"),
        body: "Is it?",
      });
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({
        quote: "quick brown fox",
        range: range(TEXT, "quick brown fox"),
        onDeletedText: false,
      });

      const clients = await Promise.all(members.map((m) => CollabTestClient.connect(srv.url, m.cookie!, doc)));
      await until(() => clients.every((c) => c.text() === TEXT), 20_000, "every editor has the text");
      // Every editor edits its own copy before seeing anyone else's edits:
      //   - types ⟨i<⟩ just before "quick" and ⟨i>⟩ just after "fox" (outside the range: its edges do not grow),
      //   - types ⟨i+⟩ inside it, before "brown";
      //   - every third editor deletes "brown ", and (from 3 editors up) one in three deletes "lazy";
      //   - and everyone adds a line at the end.
      clients.forEach((c, i) => {
        const at = (s: string) => c.text().indexOf(s);
        c.splice(at("quick"), 0, `⟨${i}<⟩`);
        c.splice(at(" jumps"), 0, `⟨${i}>⟩`);
        c.splice(at("brown"), 0, `⟨${i}+⟩ `);
        if (i % 3 === 1) c.splice(at("brown "), "brown ".length);
        if (i % 3 === 2) c.splice(at("lazy"), "lazy".length);
        c.splice(c.text().length, 0, `line ${i}\n`);
      });
      await until(
        () => clients.every((c) => c.acknowledged()) && new Set(clients.map((c) => c.text())).size === 1,
        60_000,
        "the editors converge",
      );
      const text = clients[0]!.text();
      const list = await threads(owner, doc);
      const ta = list.find((t) => t.id === a.body.id)!;
      const tb = list.find((t) => t.id === b.body.id)!;
      const covered = text.slice(ta.range!.from, ta.range!.to);
      // What a person expects: the comment covers from "quick" to "fox" with every word typed
      // inside it, none typed at its edges, and without "brown " when someone deleted it.
      expect(covered.startsWith("quick ")).toBe(true);
      expect(covered.endsWith("fox")).toBe(true);
      for (let i = 0; i < editors; i++) {
        expect(covered).toContain(`⟨${i}+⟩ `);
        expect(covered).not.toContain(`⟨${i}<⟩`);
        expect(covered).not.toContain(`⟨${i}>⟩`);
        expect(text.slice(0, ta.range!.from)).toContain(`⟨${i}<⟩`);
        expect(text.slice(ta.range!.to)).toContain(`⟨${i}>⟩`);
      }
      // editor 1 deleted "brown " (and every third after it): the words typed inside stay
      expect(covered.replace(/⟨\d+\+⟩ /g, "")).toBe("quick fox");
      expect(ta.onDeletedText).toBe(false);
      // "lazy" was deleted when there were 3 editors or more: its thread stays, on deleted text, where the word was
      if (editors >= 3) {
        expect(tb.onDeletedText).toBe(true);
        expect(tb.range!.to).toBe(tb.range!.from);
        expect(text.slice(tb.range!.from - 4, tb.range!.from + 4)).toBe("the  dog");
        expect(tb.quote).toBe("lazy");
      } else {
        expect(text.slice(tb.range!.from, tb.range!.to)).toBe("lazy");
      }
      // every joined editor was told live that the comments changed when one is added
      await owner.json("POST", `/api/v1/documents/${doc}/comments/${a.body.id}/replies`, { body: "The brown one." });
      await Promise.all(clients.map((c) => c.next("comments", (m) => m.doc === doc)));
      for (const c of clients) c.close();
    }, 120_000);
  }

  test("a range the server cannot place, or garbage, is refused without storing anything", async () => {
    const doc = await sharedDoc();
    const bad = [
      { anchor: { from: 5, to: 5 }, body: "empty range" },
      { anchor: { from: 0, to: 10_000 }, body: "past the end" },
      { anchor: { from: -1, to: 3 }, body: "negative" },
      { anchor: { start: "junk", last: "junk" }, body: "not cursors" },
      { anchor: { from: 0, to: 3 }, body: "" },
      { anchor: { from: 0, to: 3 }, body: "x".repeat(10_001) },
      { body: "no anchor" },
      ["not an object"],
    ];
    for (const body of bad)
      expect((await owner.json("POST", `/api/v1/documents/${doc}/comments`, body)).status).toBe(400);
    // cursors of a change the server has not seen: 409, try again
    const c = await owner.json("POST", `/api/v1/documents/${doc}/comments`, {
      anchor: { start: "99@abcdef", last: "100@abcdef" },
      body: "early",
    });
    expect(c.status).toBe(409);
    expect(
      (await owner.req("POST", `/api/v1/documents/${doc}/comments`, "{", { "content-type": "application/json" }))
        .status,
    ).toBe(400);
    expect(await threads(owner, doc)).toEqual([]);
  });

  test("cursors taken from a client's own copy place the thread", async () => {
    const doc = await sharedDoc();
    const c = await CollabTestClient.connect(srv.url, dana.cookie!, doc);
    await until(() => c.text() === TEXT, 10_000, "the text");
    const { A } = await import("../sync/automerge.ts");
    c.splice(c.text().indexOf("Outro"), 0, "New words. ");
    const r = range(c.text(), "New words");
    const anchor = { start: A.getCursor(c.doc, ["content"], r.from), last: A.getCursor(c.doc, ["content"], r.to - 1) };
    await until(() => c.acknowledged(), 10_000, "the edit reached the server");
    const t = await dana.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
      anchor,
      body: "Fresh",
    });
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ quote: "New words", range: r });
    c.close();
  });
});

describe("threads", () => {
  test("reply, edit your own, resolve and reopen, delete; the thread goes with its last comment", async () => {
    const doc = await sharedDoc();
    const t = (
      await carl.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
        anchor: range(TEXT, "jumps"),
        body: "Jumps how high?",
      })
    ).body;
    expect(t.comments).toHaveLength(1);
    expect(t.comments[0]!.author).toMatchObject({ username: "carl" });
    const r = await dana.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments/${t.id}/replies`, {
      body: "Very high.",
    });
    expect(r.status).toBe(201);
    expect(r.body.comments.map((c) => c.body)).toEqual(["Jumps how high?", "Very high."]);
    const danas = r.body.comments[1]!.id;
    expect(
      (await carl.json("PATCH", `/api/v1/documents/${doc}/comments/${t.id}/replies/${danas}`, { body: "Not so high." }))
        .status,
    ).toBe(403);
    const edited = await dana.json<CommentThreadJson>(
      "PATCH",
      `/api/v1/documents/${doc}/comments/${t.id}/replies/${danas}`,
      {
        body: "Quite high.",
      },
    );
    expect(edited.body.comments[1]).toMatchObject({ body: "Quite high." });
    expect(edited.body.comments[1]!.editedAt).not.toBeNull();
    const resolved = await carl.json<CommentThreadJson>("PATCH", `/api/v1/documents/${doc}/comments/${t.id}`, {
      resolved: true,
    });
    expect(resolved.body.resolved).toMatchObject({ by: "carl" });
    expect((await vera.json("PATCH", `/api/v1/documents/${doc}/comments/${t.id}`, { resolved: false })).status).toBe(
      403,
    );
    expect(
      (await dana.json<CommentThreadJson>("PATCH", `/api/v1/documents/${doc}/comments/${t.id}`, { resolved: false }))
        .body.resolved,
    ).toBeNull();
    expect(
      (await dana.req("DELETE", `/api/v1/documents/${doc}/comments/${t.id}/replies/${t.comments[0]!.id}`)).status,
    ).toBe(403);
    expect((await dana.req("DELETE", `/api/v1/documents/${doc}/comments/${t.id}/replies/${danas}`)).status).toBe(204);
    expect((await threads(vera, doc))[0]!.comments).toHaveLength(1);
    // the owner may delete anyone's comment; the thread goes with it
    expect(
      (await owner.req("DELETE", `/api/v1/documents/${doc}/comments/${t.id}/replies/${t.comments[0]!.id}`)).status,
    ).toBe(204);
    expect(await threads(vera, doc)).toEqual([]);
    // someone without access learns nothing
    expect((await zed.json("GET", `/api/v1/documents/${doc}/comments`)).status).toBe(404);
  });

  test("a commenter comments but cannot change the text, over REST or the WebSocket", async () => {
    const doc = await sharedDoc();
    expect((await carl.json("PATCH", `/api/v1/documents/${doc}`, { content: "vandalised" })).status).toBe(403);
    const c = await CollabTestClient.connect(srv.url, carl.cookie!, doc);
    expect(c.role).toBe("commenter");
    await until(() => c.text() === TEXT, 10_000, "the text");
    c.splice(0, 0, "vandalised ");
    expect((await c.waitClosed(10_000))?.code).toBe(4403);
    expect((await owner.json("GET", `/api/v1/documents/${doc}`)).body.content).toBe(TEXT);
    expect(
      (await carl.json("POST", `/api/v1/documents/${doc}/comments`, { anchor: range(TEXT, "dog"), body: "Woof" }))
        .status,
    ).toBe(201);
  });
});

describe("exports", () => {
  test("comments are in a Markdown or HTML export only when asked for, escaped", async () => {
    const doc = await sharedDoc();
    await carl.json("POST", `/api/v1/documents/${doc}/comments`, {
      anchor: range(TEXT, "lazy dog"),
      body: "Not *lazy*: <script>alert(1)</script>",
    });
    const plain = await (await vera.req("GET", `/api/v1/documents/${doc}/export?format=md`)).text();
    expect(plain).not.toContain("## Comments");
    expect(plain).not.toContain("alert");
    const md = await (await vera.req("GET", `/api/v1/documents/${doc}/export?format=md&comments=1`)).text();
    expect(md).toContain("## Comments");
    expect(md).toContain("> lazy dog");
    expect(md).toContain("- **carl**, ");
    expect(md).toContain("Not \\*lazy\\*: \\<script\\>alert\\(1\\)\\</script\\>");
    const html = await (await vera.req("GET", `/api/v1/documents/${doc}/export?format=html&comments=1`)).text();
    expect(html).toContain("<h2>Comments</h2>");
    expect(html).toContain("Not *lazy*: &#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).not.toContain("<script>alert");
    expect((await vera.req("GET", `/api/v1/documents/${doc}/export?format=md&comments=maybe`)).status).toBe(400);
  });
});

describe("public pages", () => {
  test("show no comments unless the owner shows them; then the open ones, without account ids", async () => {
    const doc = await sharedDoc();
    const open = (
      await carl.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
        anchor: range(TEXT, "fox"),
        body: "Open question",
      })
    ).body;
    const done = (
      await carl.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
        anchor: range(TEXT, "dog"),
        body: "Settled",
      })
    ).body;
    await carl.json("PATCH", `/api/v1/documents/${doc}/comments/${done.id}`, { resolved: true });
    const slug = (await owner.json("PATCH", `/api/v1/documents/${doc}`, { isPublic: true })).body.publicSlug as string;
    const anon = srv.anonymous();
    expect((await anon.json("GET", `/api/v1/public/${slug}/comments`)).status).toBe(404);
    expect((await anon.json("GET", `/api/v1/public/${slug}`)).body.comments).toBe(false);
    expect((await carl.json("PATCH", `/api/v1/documents/${doc}`, { publicComments: true })).status).toBe(403);
    expect((await dana.json("PATCH", `/api/v1/documents/${doc}`, { publicComments: true })).status).toBe(403);
    expect((await owner.json("PATCH", `/api/v1/documents/${doc}`, { publicComments: "yes" })).status).toBe(400);
    expect((await owner.json("PATCH", `/api/v1/documents/${doc}`, { publicComments: true })).body.publicComments).toBe(
      true,
    );
    const shown = await anon.json<{ threads: CommentThreadJson[] }>("GET", `/api/v1/public/${slug}/comments`);
    expect(shown.status).toBe(200);
    expect((await anon.json("GET", `/api/v1/public/${slug}`)).body.comments).toBe(true);
    expect(shown.body.threads.map((t) => t.id)).toEqual([open.id]);
    expect(shown.body.threads[0]!.comments[0]!.author).toEqual({ id: "", username: "carl", name: "carl" });
    expect(JSON.stringify(shown.body)).not.toContain(srv.services.users.byUsername("carl")!.id);
    await owner.json("PATCH", `/api/v1/documents/${doc}`, { isPublic: false });
    expect((await anon.json("GET", `/api/v1/public/${slug}/comments`)).status).toBe(404);
  });
});

describe("notifications", () => {
  test("mentions tell exactly the mentioned people who can read the document; replies tell the thread", async () => {
    expect(mentionsIn("@dana and @zed, ask @nobody. Mail a@b.c, not @dana again; end @carl.")).toEqual([
      "dana",
      "zed",
      "nobody",
      "carl",
    ]);
    const doc = await sharedDoc();
    const before = async (c: TestClient) =>
      (await c.json<{ notifications: NotificationJson[]; unread: number }>("GET", "/api/v1/notifications")).body;
    const danaBefore = (await before(dana)).unread;
    const zedBefore = (await before(zed)).unread;
    const socket = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: dana.cookie! });
    await socket.next("notifications");
    const t = (
      await carl.json<CommentThreadJson>("POST", `/api/v1/documents/${doc}/comments`, {
        anchor: range(TEXT, "fox"),
        body: "@dana look, and @zed, @nobody, @carl",
      })
    ).body;
    const live = await socket.next("notifications", (m) => m.added.length > 0);
    expect(live.unread).toBe(danaBefore + 1);
    expect(live.added[0]).toMatchObject({
      kind: "mention",
      actor: "carl",
      document: { id: doc, title: "Commented" },
      threadId: t.id,
      read: false,
    });
    expect((await before(zed)).unread).toBe(zedBefore); // no access: not told
    // a reply tells carl (who wrote in the thread), not the replier
    const carlBefore = (await before(carl)).unread;
    await owner.json("POST", `/api/v1/documents/${doc}/comments/${t.id}/replies`, { body: "Seen it." });
    const carlNow = await before(carl);
    expect(carlNow.unread).toBe(carlBefore + 1);
    expect(carlNow.notifications[0]).toMatchObject({ kind: "reply", actor: "olga", detail: { excerpt: "Seen it." } });
    // an edit that adds a name tells only the new name
    const vBefore = (await before(vera)).unread;
    await carl.json("PATCH", `/api/v1/documents/${doc}/comments/${t.id}/replies/${t.comments[0]!.id}`, {
      body: "@dana look, and @vera",
    });
    expect((await before(vera)).unread).toBe(vBefore + 1);
    expect((await before(dana)).unread).toBe(danaBefore + 1);
    // marking read
    const read = await dana.json("POST", "/api/v1/notifications/read", { ids: [live.added[0]!.id] });
    expect(read.body).toEqual({ unread: danaBefore });
    expect((await dana.json("POST", "/api/v1/notifications/read", { ids: "all" })).status).toBe(400);
    socket.ws.close();
  });

  test("being shared with, a new role and losing access are told to the person concerned", async () => {
    const doc = await sharedDoc([]);
    const latest = async (c: TestClient) =>
      (await c.json<{ notifications: NotificationJson[] }>("GET", "/api/v1/notifications?limit=1")).body
        .notifications[0];
    await owner.json("PUT", `/api/v1/documents/${doc}/members`, { members: [{ username: "zed", role: "viewer" }] });
    expect(await latest(zed)).toMatchObject({
      kind: "shared",
      actor: "olga",
      document: { id: doc },
      detail: { role: "viewer", was: null },
    });
    await owner.json("PUT", `/api/v1/documents/${doc}/members`, { members: [{ username: "zed", role: "commenter" }] });
    expect(await latest(zed)).toMatchObject({ kind: "access", detail: { role: "commenter", was: "viewer" } });
    await owner.json("PUT", `/api/v1/documents/${doc}/members`, { members: [] });
    expect(await latest(zed)).toMatchObject({
      kind: "access",
      document: null,
      detail: { role: null, was: "commenter", title: "Commented" },
    });
    // once access is gone, no notification shows the document or the title it has since
    await owner.json("PATCH", `/api/v1/documents/${doc}`, { title: "Renamed after zed left" });
    const all = (await zed.json<{ notifications: NotificationJson[] }>("GET", "/api/v1/notifications?limit=100")).body
      .notifications;
    expect(all.filter((n) => n.detail?.title === "Commented" || n.document?.id === doc).length).toBe(3);
    expect(all.some((n) => n.document?.id === doc)).toBe(false);
    expect(JSON.stringify(all)).not.toContain("Renamed after zed left");
  });
});

describe("a document without threads", () => {
  test("listing its threads does not load its history into memory; its first thread does", async () => {
    const admin = await srv.userClient("ada", "admin");
    const open = async () =>
      (await admin.json<{ openDocuments: number }>("GET", "/api/v1/admin/status")).body.openDocuments;
    const d = await owner.json("POST", "/api/v1/documents", { title: "Quiet", content: TEXT });
    expect(d.status).toBe(201);
    const before = await open();
    expect(await threads(owner, d.body.id)).toEqual([]);
    expect(await open()).toBe(before);
    const made = await owner.json("POST", `/api/v1/documents/${d.body.id}/comments`, {
      anchor: range(TEXT, "quick"),
      body: "A first thread.",
    });
    expect(made.status).toBe(201);
    expect(await open()).toBe(before + 1);
    const listed = await threads(owner, d.body.id);
    expect(listed.map((x) => [x.quote, x.comments[0]?.body])).toEqual([["quick", "A first thread."]]);
  });
});
