// The document listing against a plain model of it: random documents (many stamped in the same
// millisecond, as an import makes them), shares, folders, favourites, tags and the trash, then
// every combination of view, sort and page compared row by row and total by total, again after
// each round of writes (the cached totals must follow them).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "./database.ts";
import { DocumentsStore, type ListQuery } from "./documents-store.ts";
import { FoldersStore } from "./folders-store.ts";
import { UsersStore } from "./users-store.ts";

const dir = mkdtempSync(join(tmpdir(), "pymd-listing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  id: string;
  title: string;
  owner: string;
  created: number;
  updated: number;
  deleted: number | null;
  tags: string[];
  members: Map<string, "editor" | "viewer">;
}

describe("document listing", () => {
  test("every view, sort and page matches a model of it, before and after writes", () => {
    const db = openDatabase(join(dir, "a"));
    const users = new UsersStore(db);
    const docs = new DocumentsStore(db);
    const folders = new FoldersStore(db);
    const people = ["ann", "bob", "cy"];
    for (const u of people) users.insert({ id: u, username: u, passwordHash: "x", role: "user" });
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const model = new Map<string, Doc>();
    const folderOf = new Map<string, string>(); // `${user}/${doc}` → folder
    const favs = new Set<string>();
    const userFolders = new Map<string, string[]>(people.map((u) => [u, []]));
    for (const u of people) for (const name of ["A", "B"]) userFolders.get(u)!.push(folders.create(u, name, null));
    let clock = 1_000_000;
    let made = 0;
    const create = () => {
      const id = `d${String(made++).padStart(4, "0")}`;
      const owner = people[rnd(people.length)]!;
      // Half of them in the same millisecond as the one before.
      if (rnd(2) === 0) clock++;
      const title = ["alpha", "Beta", "gamma", "delta", "Alpha"][rnd(5)]! + (rnd(3) === 0 ? "" : ` ${rnd(20)}`);
      const tags = rnd(3) === 0 ? ["red"] : rnd(2) === 0 ? ["blue", "red"] : [];
      docs.insert({ id, title, content: `# ${title}\n`, ownerId: owner, tags }, clock);
      model.set(id, { id, title, owner, created: clock, updated: clock, deleted: null, tags, members: new Map() });
    };
    const write = () => {
      const all = [...model.values()];
      const d = all[rnd(all.length)]!;
      switch (rnd(7)) {
        case 0: {
          const others = people.filter((p) => p !== d.owner);
          const who = others[rnd(others.length)]!;
          if (d.members.has(who)) d.members.delete(who);
          else d.members.set(who, rnd(2) === 0 ? "editor" : "viewer");
          docs.replaceMembers(
            d.id,
            [...d.members].map(([userId, role]) => ({ userId, role })),
          );
          break;
        }
        case 1: {
          d.deleted = d.deleted === null ? clock : null;
          docs.setDeleted(d.id, d.deleted);
          break;
        }
        case 2:
        case 3: {
          const who = people[rnd(people.length)]!;
          const fs = userFolders.get(who)!;
          const to = rnd(3) === 0 ? null : fs[rnd(fs.length)]!;
          if (to) folderOf.set(`${who}/${d.id}`, to);
          else folderOf.delete(`${who}/${d.id}`);
          folders.file(who, d.id, { folderId: to });
          break;
        }
        case 4: {
          const who = people[rnd(people.length)]!;
          const key = `${who}/${d.id}`;
          if (favs.has(key)) favs.delete(key);
          else favs.add(key);
          folders.file(who, d.id, { favorite: favs.has(key) });
          break;
        }
        case 5: {
          d.tags = d.tags.length ? [] : ["red"];
          docs.update(d.id, { tags: d.tags }, d.updated);
          break;
        }
        default: {
          clock += rnd(2);
          d.updated = clock;
          docs.update(d.id, { content: `# ${d.title} ${clock}\n` }, clock);
        }
      }
    };
    const expected = (q: ListQuery) => {
      const u = q.userId;
      let rows = [...model.values()].filter((d) => {
        if (q.trash) return d.owner === u && d.deleted !== null;
        if (d.deleted !== null) return false;
        const mine = d.owner === u;
        const shared = d.members.has(u);
        if (q.scope === "mine" ? !mine : q.scope === "shared" ? !shared : !(mine || shared)) return false;
        const f = folderOf.get(`${u}/${d.id}`);
        if (q.folder === "none" ? f !== undefined : q.folder ? f !== q.folder : false) return false;
        if (q.favorites && !favs.has(`${u}/${d.id}`)) return false;
        if (q.tag && !d.tags.includes(q.tag)) return false;
        return true;
      });
      const key = (d: Doc) =>
        q.sort === "title" ? d.title.toLowerCase() : q.sort === "created" ? d.created : d.updated;
      rows.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        const c = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
        return q.order === "asc" ? c : -c;
      });
      const total = rows.length;
      rows = rows.slice(q.offset, q.offset + q.limit);
      return {
        total,
        rows: rows.map((d) => ({
          id: d.id,
          folderId: folderOf.get(`${u}/${d.id}`) ?? null,
          favorite: favs.has(`${u}/${d.id}`),
          tags: [...d.tags].sort(),
        })),
      };
    };
    const viewsOf = (userId: string): Partial<ListQuery>[] => [
      {},
      { scope: "mine" },
      { scope: "shared" },
      { trash: true },
      { folder: "none" },
      { folder: userFolders.get(userId)![0] },
      { folder: userFolders.get(userId)![1], scope: "shared" },
      { favorites: true },
      { tag: "red" },
      { tag: "blue", folder: "none" },
    ];
    // After each single write: the first page and the total of every view.
    const quick = () => {
      for (const userId of people)
        for (const v of viewsOf(userId)) {
          const q: ListQuery = { userId, sort: "updated", order: "desc", offset: 0, limit: 5, ...v };
          const got = docs.list(q);
          const want = expected(q);
          expect({ q, total: got.total, ids: got.rows.map((r) => r.id) }).toEqual({
            q,
            total: want.total,
            ids: want.rows.map((r) => r.id),
          });
        }
    };
    const check = () => {
      let checked = 0;
      for (const userId of people) {
        for (const v of viewsOf(userId))
          for (const sort of ["updated", "created", "title"] as const)
            for (const order of ["asc", "desc"] as const)
              for (const [offset, limit] of [
                [0, 5],
                [5, 5],
                [0, 100],
                [37, 20],
              ] as const) {
                const q: ListQuery = { userId, sort, order, offset, limit, ...v };
                const got = docs.list(q);
                const want = expected(q);
                const view = got.rows.map((r) => ({
                  id: r.id,
                  folderId: r.folderId,
                  favorite: r.favorite,
                  tags: [...r.tags].sort(),
                }));
                expect({ q, total: got.total, rows: view }).toEqual({ q, total: want.total, rows: want.rows });
                checked++;
              }
      }
      return checked;
    };
    for (let i = 0; i < 300; i++) create();
    let checked = check();
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 80; i++) {
        write();
        quick();
      }
      for (let i = 0; i < 20; i++) {
        create();
        quick();
      }
      checked += check();
    }
    // A folder deleted leaves its documents in no folder, and the totals follow.
    const gone = userFolders.get("ann")![0]!;
    folders.delete(gone);
    for (const [k, f] of folderOf) if (f === gone) folderOf.delete(k);
    quick();
    userFolders.get("ann")![0] = folders.create("ann", "C", null);
    checked += check();
    expect(checked).toBe(6 * 3 * 10 * 3 * 2 * 4);
    db.close();
  }, 60_000);
});
