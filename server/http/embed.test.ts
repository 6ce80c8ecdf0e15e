// Embeds and document analytics through the real server: /embed/SLUG is the published page
// without the app around it, framable only by the origins of --embed-origins (every other page
// keeps frame-ancestors 'none'); reads of the public page and the embed, and runs, are counted per
// document and day for its owner, HEAD requests not.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BlockResult } from "../../protocol/run-frames.ts";
import type { DocumentAnalyticsJson } from "../../protocol/analytics-types.ts";
import { codeHash } from "../runtime/notebook-sessions.ts";
import { createLogger } from "../log/logger.ts";
import { DocumentAnalytics } from "../documents/document-analytics.ts";
import type { DocumentCountsStore } from "../store/document-counts-store.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

const CODE = 'print("EMBED-" + "RUN")';
const SOURCE = `# # Embedded notebook\n# Some words to read.\n# \`\`\`\n${CODE}\n# \`\`\`\n`;

let srv: TestServer;
let framed: TestServer;
let owner: TestClient;
let editor: TestClient;
let viewer: TestClient;
let other: TestClient;
let admin: TestClient;

/** A new document of `owner`'s with stored outputs, shared with the editor and the viewer; published unless said. */
async function newDoc(s: TestServer, opts: { publish?: boolean } = {}): Promise<{ id: string; slug: string | null }> {
  const o = s.services.users.byUsername("owner")!;
  const doc = s.services.documents.create(o, { title: "Embedded notebook", content: SOURCE });
  if (s === srv)
    s.services.documents.setMembers(o, doc.id, {
      members: [
        { username: "editor", role: "editor" },
        { username: "viewer", role: "viewer" },
      ],
    });
  const stored: BlockResult = {
    block: 2,
    status: "ok",
    durationMs: 3,
    outputs: [{ kind: "stdout", text: "STORED-EMBED-OUTPUT\n" }],
  };
  s.services.outputsStore.save(doc.id, codeHash(CODE), stored);
  if (opts.publish === false) return { id: doc.id, slug: null };
  const d = await s.services.documents.update(o, doc.id, { isPublic: true });
  return { id: doc.id, slug: d.publicSlug };
}

const ancestors = (res: Response) =>
  /frame-ancestors ([^;]*)/.exec(res.headers.get("content-security-policy") ?? "")?.[1];

beforeAll(async () => {
  srv = await startTestServer({ runTimeoutSeconds: 20 });
  owner = await srv.userClient("owner");
  editor = await srv.userClient("editor");
  viewer = await srv.userClient("viewer");
  other = await srv.userClient("other");
  admin = await srv.userClient("admin", "admin");
  framed = await startTestServer({ embedOrigins: ["https://blog.example.org"] });
  await framed.services.accounts.addUser("owner", "correct horse battery", "user");
}, 60_000);
afterAll(async () => {
  await srv.close();
  await framed.close();
});

describe("embeds without --embed-origins", () => {
  test("/embed/SLUG is the published notebook with its stored outputs, as a script-free page nobody may frame", async () => {
    const { slug } = await newDoc(srv);
    const res = await fetch(`${srv.url}/embed/${slug}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(ancestors(res)).toBe("'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'(?! 'unsafe-inline')/);
    const html = await res.text();
    expect(html).toContain("Embedded notebook");
    expect(html).toContain("Some words to read.");
    expect(html).toContain("STORED-EMBED-OUTPUT");
    expect(html).not.toContain("<script");
    // the same render as the public page's
    const pub = await srv.anonymous().json("GET", `/api/v1/public/${slug}`);
    expect(html).toContain(pub.body.html);
  });

  test("an unknown, unpublished or revoked slug is a 404 that does not say which", async () => {
    const { id, slug } = await newDoc(srv);
    await owner.json("PATCH", `/api/v1/documents/${id}`, { isPublic: false });
    const bodies: string[] = [];
    for (const s of [slug!, "aaaaaaaaaaaaaaaa", "not-a-slug"]) {
      const res = await fetch(`${srv.url}/embed/${s}`);
      expect(res.status).toBe(404);
      expect(ancestors(res)).toBe("'none'");
      bodies.push(((await res.json()) as { error: { message: string } }).error.message);
    }
    expect(new Set(bodies).size).toBe(1);
    const never = await newDoc(srv, { publish: false });
    expect((await fetch(`${srv.url}/embed/${never.id}`)).status).toBe(404);
  });

  test("the share dialog is told that no site may frame embeds", async () => {
    expect((await owner.json("GET", "/api/v1/embed/settings")).body).toEqual({ embedOrigins: [] });
    expect((await srv.anonymous().json("GET", "/api/v1/embed/settings")).status).toBe(401);
  });
});

describe("embeds with --embed-origins", () => {
  test("only /embed/ responses may be framed by the listed origin; every other page keeps 'none'", async () => {
    const { slug } = await newDoc(framed);
    const embed = await fetch(`${framed.url}/embed/${slug}`);
    expect(embed.status).toBe(200);
    expect(ancestors(embed)).toBe("https://blog.example.org");
    expect(embed.headers.get("x-frame-options")).toBeNull();
    expect(await embed.text()).toContain("STORED-EMBED-OUTPUT");
    for (const path of [
      "/",
      "/api/v1/health",
      `/p/${slug}`,
      `/api/v1/public/${slug}`,
      "/api/v1/nope",
      "/embed/aaaaaaaaaaaaaaaa",
    ]) {
      const res = await fetch(framed.url + path);
      expect(ancestors(res), path).toBe("'none'");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
    }
    const c = await framed.userClient("reader");
    expect((await c.json("GET", "/api/v1/embed/settings")).body).toEqual({
      embedOrigins: ["https://blog.example.org"],
    });
  });
});

describe("analytics", () => {
  test("views of the public page and the embed count up on GET, never on HEAD", async () => {
    const { id, slug } = await newDoc(srv);
    const none = await owner.json<DocumentAnalyticsJson>("GET", `/api/v1/documents/${id}/analytics`);
    expect(none.status).toBe(200);
    expect(none.body.views).toMatchObject({ public: 0, embed: 0 });
    expect(none.body.runs).toEqual({ total: 0, last30Days: 0, lastRunBy: null, lastRunAt: null });
    expect(none.body.views.last30Days).toHaveLength(30);

    const anon = srv.anonymous();
    for (let i = 0; i < 3; i++) expect((await anon.req("GET", `/api/v1/public/${slug}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await anon.req("GET", `/embed/${slug}`)).status).toBe(200);
    for (const path of [`/api/v1/public/${slug}`, `/embed/${slug}`]) {
      const head = await anon.req("HEAD", path);
      expect(head.status).toBe(200);
    }
    // a missing slug counts nowhere
    expect((await anon.req("GET", "/embed/aaaaaaaaaaaaaaaa")).status).toBe(404);

    const a = await owner.json<DocumentAnalyticsJson>("GET", `/api/v1/documents/${id}/analytics`);
    expect(a.body.views.public).toBe(3);
    expect(a.body.views.embed).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    expect(a.body.views.last30Days.at(-1)).toEqual({ day: today, public: 3, embed: 2 });
    expect(a.body.views.last30Days.slice(0, -1).every((d) => d.public === 0 && d.embed === 0)).toBe(true);
    // nothing about the readers is stored: the table holds counters only
    const cols = srv.services.db
      .query<{ name: string }, []>("PRAGMA table_info(document_counts)")
      .all()
      .map((c) => c.name);
    expect(cols).toEqual(["document_id", "day", "kind", "count"]);
  });

  test("the analytics route: the owner only; members 403, anyone else 404", async () => {
    const { id } = await newDoc(srv);
    const path = `/api/v1/documents/${id}/analytics`;
    expect((await owner.req("GET", path)).status).toBe(200);
    expect((await editor.req("GET", path)).status).toBe(403);
    expect((await viewer.req("GET", path)).status).toBe(403);
    expect((await other.req("GET", path)).status).toBe(404);
    expect((await admin.req("GET", path)).status).toBe(404);
    expect((await srv.anonymous().req("GET", path)).status).toBe(401);
    expect((await owner.req("GET", "/api/v1/documents/aaaaaaaaaaaaaaaa/analytics")).status).toBe(404);
  });

  test("runs in the editor are counted, with who ran last and when", async () => {
    const { id } = await newDoc(srv);
    const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: editor.cookie! });
    await p.next("hello");
    p.send({ t: "join", doc: id });
    await p.next("joined");
    const before = Date.now();
    p.send({ t: "run", doc: id, scope: "all" });
    const fin = await p.next("run-finished", () => true, 60_000);
    expect(fin.error).toBeNull();
    p.ws.close();
    const a = await owner.json<DocumentAnalyticsJson>("GET", `/api/v1/documents/${id}/analytics`);
    expect(a.body.runs.total).toBe(1);
    expect(a.body.runs.last30Days).toBe(1);
    expect(a.body.runs.lastRunBy).toBe("editor");
    expect(Date.parse(a.body.runs.lastRunAt!)).toBeGreaterThanOrEqual(before - 1000);
  }, 90_000);

  test("a failing write is logged, never thrown at the page it counts", () => {
    const lines: string[] = [];
    const failing = {
      add: () => {
        throw new Error("SQLITE_BUSY: database is locked");
      },
    } as unknown as DocumentCountsStore;
    const a = new DocumentAnalytics(
      failing,
      srv.services.documents,
      createLogger({ level: "info", format: "text", write: (l) => lines.push(l) }),
    );
    expect(() => a.countView("d", "public")).not.toThrow();
    expect(() => a.countRun("d", "u")).not.toThrow();
    expect(() => a.flush()).not.toThrow();
    expect(lines.join("\n")).toContain("analytics write failed");
    // the counts are kept for the next try
    a.flush();
    expect(lines.filter((l) => l.includes("analytics write failed"))).toHaveLength(2);
  });
});
