// Folders and favourites through the real server: nested folders of one's own, a document in
// one folder per user (a shared one filed by its recipient without touching the owner's),
// favourites, search, tags and sort within a folder, moves that would loop refused, a deleted
// folder leaving its documents in none; nobody sees or uses another's folders.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DocumentSummaryJson, FolderJson } from "../../protocol/api-types.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let olga: TestClient;
let dana: TestClient;
beforeAll(async () => {
  srv = await startTestServer();
  olga = await srv.userClient("olga");
  dana = await srv.userClient("dana");
});
afterAll(() => srv.close());

const newDoc = async (c: TestClient, title: string, tags: string[] = []) =>
  (
    await c.json("POST", "/api/v1/documents", {
      title,
      content: `# # ${title}\n# about ${title.toLowerCase()}\n`,
      tags,
    })
  ).body.id as string;
const folder = async (c: TestClient, name: string, parentId?: string) => {
  const r = await c.json<FolderJson>("POST", "/api/v1/folders", parentId ? { name, parentId } : { name });
  expect(r.status).toBe(201);
  return r.body.id;
};
const titles = async (c: TestClient, query: string) => {
  const r = await c.json<{ documents: DocumentSummaryJson[]; pagination: { total: number } }>(
    "GET",
    `/api/v1/documents?${query}`,
  );
  expect(r.status).toBe(200);
  return r.body.documents.map((d) => d.title);
};

describe("folders", () => {
  test("nested folders; a document in one folder at a time; search, tags and sort within a folder", async () => {
    const work = await folder(olga, "Work");
    const reports = await folder(olga, "Reports", work);
    const a = await newDoc(olga, "Alpha report", ["q1"]);
    const b = await newDoc(olga, "Beta report", ["q2"]);
    await newDoc(olga, "Loose notes");
    for (const id of [a, b])
      expect((await olga.json("PUT", `/api/v1/documents/${id}/filing`, { folderId: reports })).body).toEqual({
        folderId: reports,
        favorite: false,
      });
    expect(await titles(olga, `folder=${reports}&sort=title`)).toEqual(["Alpha report", "Beta report"]);
    expect(await titles(olga, `folder=${reports}&sort=title&order=desc`)).toEqual(["Beta report", "Alpha report"]);
    expect(await titles(olga, `folder=${reports}&q=beta`)).toEqual(["Beta report"]);
    expect(await titles(olga, `folder=${reports}&tag=q1`)).toEqual(["Alpha report"]);
    expect(await titles(olga, `folder=${work}`)).toEqual([]);
    expect(await titles(olga, "folder=none&q=notes")).toEqual(["Loose notes"]);
    // one folder at a time: moving it takes it out of the first
    await olga.json("PUT", `/api/v1/documents/${a}/filing`, { folderId: work });
    expect(await titles(olga, `folder=${reports}`)).toEqual(["Beta report"]);
    expect(await titles(olga, `folder=${work}`)).toEqual(["Alpha report"]);
    // every listing says where each document is
    const all = (await olga.json<{ documents: DocumentSummaryJson[] }>("GET", "/api/v1/documents?limit=100")).body
      .documents;
    expect(all.find((d) => d.id === a)).toMatchObject({ folderId: work, favorite: false });
    const list = (await olga.json<{ folders: FolderJson[] }>("GET", "/api/v1/folders")).body.folders;
    expect(list.map((f) => [f.name, f.parentId, f.documents])).toEqual([
      ["Reports", work, 1],
      ["Work", null, 1],
    ]);
  });

  test("moves that would put a folder inside itself are refused; names are unique among siblings", async () => {
    const top = await folder(olga, "Top");
    const mid = await folder(olga, "Mid", top);
    const low = await folder(olga, "Low", mid);
    expect((await olga.json("PATCH", `/api/v1/folders/${top}`, { parentId: low })).status).toBe(400);
    expect((await olga.json("PATCH", `/api/v1/folders/${top}`, { parentId: top })).status).toBe(400);
    expect((await olga.json("POST", "/api/v1/folders", { name: "Mid", parentId: top })).status).toBe(409);
    const moved = await olga.json<FolderJson>("PATCH", `/api/v1/folders/${low}`, {
      parentId: null,
      name: "Low, now on top",
    });
    expect(moved.body).toMatchObject({ parentId: null, name: "Low, now on top" });
    for (const bad of [
      { name: "" },
      { name: "x".repeat(101) },
      { name: 5 },
      { name: "Fine", parentId: "aaaaaaaaaaaaaaaa" },
      ["array"],
    ]) {
      expect([400, 404]).toContain((await olga.json("POST", "/api/v1/folders", bad)).status);
    }
    expect((await olga.json("GET", "/api/v1/documents?folder=not-an-id")).status).toBe(400);
    // a move brings the folders inside along: a chain of 5 under one 6 deep would be 11 deep
    const chain = async (n: number, name: string) => {
      let parent: string | undefined;
      let first = "";
      for (let i = 0; i < n; i++) {
        parent = await folder(olga, `${name} ${i}`, parent);
        first ||= parent;
      }
      return { first, last: parent! };
    };
    const a = await chain(5, "A");
    const b = await chain(6, "B");
    expect((await olga.json("PATCH", `/api/v1/folders/${a.first}`, { parentId: b.last })).status).toBe(400);
    expect((await olga.json("PATCH", `/api/v1/folders/${a.last}`, { parentId: b.last })).status).toBe(200);
  });

  test("deleting a folder deletes those inside it and leaves its documents in none", async () => {
    const box = await folder(olga, "Box");
    const inner = await folder(olga, "Inner", box);
    const d = await newDoc(olga, "Boxed");
    await olga.json("PUT", `/api/v1/documents/${d}/filing`, { folderId: inner });
    expect((await olga.req("DELETE", `/api/v1/folders/${box}`)).status).toBe(204);
    const names = (await olga.json<{ folders: FolderJson[] }>("GET", "/api/v1/folders")).body.folders.map(
      (f) => f.name,
    );
    expect(names).not.toContain("Box");
    expect(names).not.toContain("Inner");
    expect(await titles(olga, "folder=none&q=boxed")).toEqual(["Boxed"]);
  });

  test("a shared document is filed by its recipient in their own folder; nobody uses another's folders", async () => {
    const mine = await folder(olga, "Olga's");
    const d = await newDoc(olga, "Shared plan");
    await olga.json("PUT", `/api/v1/documents/${d}/filing`, { folderId: mine });
    await olga.json("PUT", `/api/v1/documents/${d}/members`, { members: [{ username: "dana", role: "viewer" }] });
    expect(await titles(dana, "scope=shared")).toEqual(["Shared plan"]);
    // dana sees no folder for it, and cannot use olga's
    expect(
      (await dana.json<{ documents: DocumentSummaryJson[] }>("GET", "/api/v1/documents?scope=shared")).body
        .documents[0],
    ).toMatchObject({ folderId: null });
    expect((await dana.json("PUT", `/api/v1/documents/${d}/filing`, { folderId: mine })).status).toBe(404);
    expect((await dana.json("PATCH", `/api/v1/folders/${mine}`, { name: "Mine now" })).status).toBe(404);
    expect((await dana.req("DELETE", `/api/v1/folders/${mine}`)).status).toBe(404);
    expect(await titles(dana, `folder=${mine}`)).toEqual([]);
    const hers = await folder(dana, "From Olga");
    expect((await dana.json("PUT", `/api/v1/documents/${d}/filing`, { folderId: hers, favorite: true })).body).toEqual({
      folderId: hers,
      favorite: true,
    });
    expect(await titles(dana, `folder=${hers}`)).toEqual(["Shared plan"]);
    expect(await titles(olga, `folder=${mine}&q=plan`)).toEqual(["Shared plan"]);
    // a document you cannot read cannot be filed
    const secret = await newDoc(olga, "Secret");
    expect((await dana.json("PUT", `/api/v1/documents/${secret}/filing`, { favorite: true })).status).toBe(404);
  });

  test("favourites have their own filter, with search and sort", async () => {
    const x = await newDoc(olga, "Starred one");
    const y = await newDoc(olga, "Starred two");
    await newDoc(olga, "Not starred");
    for (const id of [x, y]) await olga.json("PUT", `/api/v1/documents/${id}/filing`, { favorite: true });
    expect(await titles(olga, "favorites=1&sort=title")).toEqual(["Starred one", "Starred two"]);
    expect(await titles(olga, "favorites=1&q=two")).toEqual(["Starred two"]);
    await olga.json("PUT", `/api/v1/documents/${x}/filing`, { favorite: false });
    expect(await titles(olga, "favorites=1")).toEqual(["Starred two"]);
    expect((await olga.json("PUT", `/api/v1/documents/${x}/filing`, { favorite: "yes" })).status).toBe(400);
    expect((await olga.json("PUT", `/api/v1/documents/${x}/filing`, {})).status).toBe(400);
    expect((await olga.json("GET", "/api/v1/documents?favorites=maybe")).status).toBe(400);
  });
});
