// The documents API end to end on a real server and SQLite file: shapes, search, limits, trash, sharing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { TRASH_RETENTION_MS } from "../documents/documents-service.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
});
afterAll(() => srv.close());

describe("documents", () => {
  test("create returns the documented shape with the caller's role", async () => {
    const r = await alice.json("POST", "/api/v1/documents", {
      title: "  Notes  ",
      content: "# # Notes\n",
      tags: ["b", "a", "a"],
    });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(
      [
        "content",
        "createdAt",
        "deletedAt",
        "id",
        "isPublic",
        "ownerId",
        "publicComments",
        "publicSlug",
        "role",
        "tags",
        "title",
        "updatedAt",
      ].sort(),
    );
    expect(r.body.title).toBe("Notes");
    expect(r.body.tags).toEqual(["a", "b"]);
    expect(r.body.role).toBe("owner");
    expect(r.body.ownerId).toBe(alice.userId);
    expect(r.body.id).toMatch(/^[a-z2-7]{16}$/);
  });

  test("full-text search finds only documents the caller may read", async () => {
    await alice.json("POST", "/api/v1/documents", { title: "Alice secret", content: "zebracorn plans" });
    const shared = await alice.json("POST", "/api/v1/documents", {
      title: "Shared",
      content: "zebracorn shared notes",
    });
    await bob.json("POST", "/api/v1/documents", { title: "Bob's", content: "zebracorn of bob" });
    await alice.json("PUT", `/api/v1/documents/${shared.body.id}/members`, {
      members: [{ username: "bob", role: "viewer" }],
    });
    const r = await bob.json("GET", "/api/v1/documents?q=zebracorn");
    expect(r.status).toBe(200);
    const titles = r.body.documents.map((d: { title: string }) => d.title).sort();
    expect(titles).toEqual(["Bob's", "Shared"]);
    expect(r.body.pagination.total).toBe(2);
    const prefix = await bob.json("GET", "/api/v1/documents?q=zebra");
    expect(prefix.body.pagination.total).toBe(2);
    // FTS syntax in user input is treated as text, never as a query error.
    const weird = await bob.json("GET", `/api/v1/documents?q=${encodeURIComponent('"NEAR( * OR -')}`);
    expect(weird.status).toBe(200);
  });

  test("search sees a renamed title and edited content", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Before", content: "nothing" });
    await alice.json("PATCH", `/api/v1/documents/${d.body.id}`, { title: "Quokka report", content: "marsupial facts" });
    expect((await alice.json("GET", "/api/v1/documents?q=quokka")).body.pagination.total).toBe(1);
    expect((await alice.json("GET", "/api/v1/documents?q=marsupial")).body.pagination.total).toBe(1);
    expect(
      (await alice.json("GET", "/api/v1/documents?q=nothing")).body.documents.some(
        (x: { id: string }) => x.id === d.body.id,
      ),
    ).toBe(false);
  });

  test("sort, order, tag filter and pagination", async () => {
    const carol = await srv.userClient("carol");
    for (const t of ["b", "c", "a", "e", "d"]) {
      await carol.json("POST", "/api/v1/documents", { title: t, tags: t < "c" ? ["early"] : [] });
      await Bun.sleep(2);
    }
    const byTitle = await carol.json("GET", "/api/v1/documents?sort=title&order=asc&limit=2&page=2");
    expect(byTitle.body.documents.map((d: { title: string }) => d.title)).toEqual(["c", "d"]);
    expect(byTitle.body.pagination).toEqual({ page: 2, limit: 2, total: 5 });
    const newest = await carol.json("GET", "/api/v1/documents?sort=created&order=desc&limit=1");
    expect(newest.body.documents[0].title).toBe("d");
    const tagged = await carol.json("GET", "/api/v1/documents?tag=early&sort=title");
    expect(tagged.body.documents.map((d: { title: string }) => d.title)).toEqual(["a", "b"]);
    expect((await carol.json("GET", "/api/v1/tags")).body.tags).toEqual([{ tag: "early", count: 2 }]);
  });

  test("limits: title, content size, tags, unknown fields, bad JSON, bad params", async () => {
    const cases: [unknown, number][] = [
      [{ title: "" }, 400],
      [{ title: "x".repeat(201) }, 400],
      [{ title: "x".repeat(200) }, 201],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 400],
      [{ tags: ["x".repeat(41)] }, 400],
      [{ tags: "notalist" }, 400],
      [{ title: 5 }, 400],
      [{ owner: "me" }, 400],
      [[1, 2], 400],
      [null, 400],
    ];
    for (const [body, status] of cases) {
      const r = await alice.req("POST", "/api/v1/documents", body);
      expect({ body, status: r.status }).toEqual({ body, status });
      if (status >= 400) expect(((await r.json()) as { error: { code: string } }).error.code).toBeString();
    }
    const big = await alice.req("POST", "/api/v1/documents", { content: "x".repeat(5 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    const bad = await alice.req("POST", "/api/v1/documents", "{not json", { "content-type": "application/json" });
    expect(bad.status).toBe(400);
    const wrongType = await alice.req("POST", "/api/v1/documents", "title=x", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(wrongType.status).toBe(415);
    for (const q of ["sort=size", "order=up", "page=0", "limit=1000", "page=abc"]) {
      expect((await alice.req("GET", `/api/v1/documents?${q}`)).status).toBe(400);
    }
    const malformed = await alice.req("GET", "/api/v1/documents/%E0%A4%A");
    expect(malformed.status).toBe(404);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  test("trash: delete hides, restore brings back, purge after 30 days", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Temporary" });
    expect((await alice.req("DELETE", `/api/v1/documents/${d.body.id}`)).status).toBe(204);
    expect((await alice.req("GET", `/api/v1/documents/${d.body.id}`)).status).toBe(404);
    const trash = await alice.json("GET", "/api/v1/trash");
    expect(trash.body.documents.map((x: { id: string }) => x.id)).toContain(d.body.id);
    expect((await alice.json("POST", `/api/v1/documents/${d.body.id}/restore`)).status).toBe(200);
    expect((await alice.req("GET", `/api/v1/documents/${d.body.id}`)).status).toBe(200);
    await alice.req("DELETE", `/api/v1/documents/${d.body.id}`);
    expect(srv.services.documents.purgeTrash(Date.now() + TRASH_RETENTION_MS - 60_000)).toBe(0);
    expect(srv.services.documents.purgeTrash(Date.now() + TRASH_RETENTION_MS + 60_000)).toBeGreaterThanOrEqual(1);
    expect(srv.services.documentsStore.byId(d.body.id)).toBeNull();
  });

  test("duplicate, import (multipart and text) and export with a safe file name", async () => {
    const d = await alice.json("POST", "/api/v1/documents", {
      title: 'A "quoted"/../ title',
      content: "# # Source\nprint(1)\n",
    });
    const dup = await alice.json("POST", `/api/v1/documents/${d.body.id}/duplicate`);
    expect(dup.status).toBe(201);
    expect(dup.body.content).toBe(d.body.content);
    expect(dup.body.title).toContain("(copy)");
    const form = new FormData();
    form.append("file", new File(["# ## Imported heading\nx = 1\n"], "my-notes.pymd"));
    const imp = await alice.json("POST", "/api/v1/documents/import", form);
    expect(imp.status).toBe(201);
    expect(imp.body.title).toBe("Imported heading");
    const imp2 = await alice.req("POST", "/api/v1/documents/import?filename=plain.pymd", "x = 1\n", {
      "content-type": "text/plain",
    });
    expect(((await imp2.json()) as { title: string }).title).toBe("plain");
    const exp = await alice.req("GET", `/api/v1/documents/${d.body.id}/export?format=pymd`);
    expect(exp.status).toBe(200);
    const cd = exp.headers.get("content-disposition")!;
    expect(cd).toStartWith("attachment;");
    expect(cd).not.toContain("/");
    expect(cd).not.toContain('"quoted"');
    expect(await exp.text()).toBe("# # Source\nprint(1)\n");
    expect((await alice.req("GET", `/api/v1/documents/${d.body.id}/export?format=docx`)).status).toBe(400);
  });

  test("sharing: members list, unknown user refused, owner not a member", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Team" });
    const put = await alice.json("PUT", `/api/v1/documents/${d.body.id}/members`, {
      members: [{ username: "bob", role: "editor" }],
    });
    expect(put.body.members).toEqual([{ userId: bob.userId, username: "bob", role: "editor" }]);
    expect((await bob.json("GET", `/api/v1/documents/${d.body.id}`)).body.role).toBe("editor");
    expect(
      (
        await alice.req("PUT", `/api/v1/documents/${d.body.id}/members`, {
          members: [{ username: "nobody", role: "editor" }],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await alice.req("PUT", `/api/v1/documents/${d.body.id}/members`, {
          members: [{ username: "alice", role: "editor" }],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await alice.req("PUT", `/api/v1/documents/${d.body.id}/members`, {
          members: [{ username: "bob", role: "owner" }],
        })
      ).status,
    ).toBe(400);
    await alice.json("PUT", `/api/v1/documents/${d.body.id}/members`, { members: [] });
    expect((await bob.req("GET", `/api/v1/documents/${d.body.id}`)).status).toBe(404);
  });

  test("publishing creates a slug; revoking and publishing again makes a new one", async () => {
    const d = await alice.json("POST", "/api/v1/documents", { title: "Public" });
    const p1 = await alice.json("PATCH", `/api/v1/documents/${d.body.id}`, { isPublic: true });
    expect(p1.body.isPublic).toBe(true);
    expect(p1.body.publicSlug).toMatch(/^[a-z2-7]+$/);
    await alice.json("PATCH", `/api/v1/documents/${d.body.id}`, { isPublic: false });
    const p2 = await alice.json("PATCH", `/api/v1/documents/${d.body.id}`, { isPublic: true });
    expect(p2.body.publicSlug).not.toBe(p1.body.publicSlug);
  });
});
