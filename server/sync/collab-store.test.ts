// The collaboration layer on a real SQLite file: a failing Automerge call reloads the document
// from the store and leaves it usable; documents.content follows the history lazily, is brought
// up to date by any read, and is rebuilt from the history after a crash.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openServices, type Services } from "../app.ts";
import { silentLogger } from "../log/logger.ts";
import { SyncStore } from "../store/sync-store.ts";
import { A, loadAutomerge } from "./automerge.ts";
import { CollabDocuments } from "./collab-documents.ts";
import type { UserRow } from "../store/users-store.ts";

let dir: string;
let services: Services;
let user: UserRow;

const collabOn = (s: Services) => {
  const c = new CollabDocuments(new SyncStore(s.db), { log: silentLogger, maxTextBytes: 5 * 1024 * 1024, usernameOf: () => null, contentDelayMs: 3_600_000 });
  s.documents.useContentWriter(c);
  return c;
};

/** documents.content as another connection to the file sees it. */
const rawContent = (id: string) => {
  const db = new Database(join(dir, "pymd.db"), { readonly: true });
  try {
    return db.query<{ content: string }, [string]>("SELECT content FROM documents WHERE id = ?").get(id)!.content;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  await loadAutomerge();
  dir = mkdtempSync(join(tmpdir(), "pymd-collab-store-"));
  services = openServices(dir);
  user = await services.accounts.addUser("ann", "a long enough password", "user");
}, 60_000);
afterAll(() => {
  services.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("collaboration store", () => {
  test("an Automerge failure during a write answers an error, reloads the document and leaves it writable", async () => {
    const collab = collabOn(services);
    const id = services.documents.create(user, { title: "R", content: "hello\n" }).id;
    await collab.replaceText(id, "hello\nworld\n", user.id);
    // Break the in-memory handle the way a trapped wasm call leaves it.
    const open = (collab as unknown as { docs: Map<string, { doc: A.Doc<unknown> }> }).docs.get(id)!;
    A.free(open.doc);
    await expect(collab.replaceText(id, "broken\n", user.id)).rejects.toMatchObject({ code: "too_large" });
    expect(collab.text(id)).toBe("hello\nworld\n");
    await collab.replaceText(id, "hello\nagain\n", user.id);
    expect(services.documents.get(user, id).content).toBe("hello\nagain\n");
    collab.closeAll();
  }, 60_000);

  test("writes to one document run in order", async () => {
    const collab = collabOn(services);
    const id = services.documents.create(user, { title: "O", content: "" }).id;
    const texts = Array.from({ length: 6 }, (_, i) => `# version ${i}\n`.repeat(100 * (i + 1)));
    await Promise.all(texts.map((t) => collab.replaceText(id, t, user.id)));
    expect(services.documents.get(user, id).content === texts[5]).toBe(true);
    collab.closeAll();
  }, 60_000);

  test("the text is written behind the history, on read, and rebuilt after a crash", async () => {
    const collab = collabOn(services);
    const id = services.documents.create(user, { title: "L", content: "one\n" }).id;
    await collab.replaceText(id, "one\ntwo\n", user.id);
    // Stored and acknowledged as a chunk; the text row is not rewritten yet.
    expect(rawContent(id)).toBe("one\n");
    expect(services.documents.get(user, id).content).toBe("one\ntwo\n");
    expect(rawContent(id)).toBe("one\ntwo\n");
    await collab.replaceText(id, "one\ntwo\nthree\n", user.id);
    expect(services.documentsStore.list({ userId: user.id, q: "three", sort: "updated", order: "desc", offset: 0, limit: 10 }).rows.map((r) => r.id)).toEqual([id]);
    await collab.replaceText(id, "one\ntwo\nthree\nfour\n", user.id);
    expect(rawContent(id)).toBe("one\ntwo\nthree\n");
    // A crash now: nothing writes the text; the next start rebuilds it from the stored history.
    const again = openServices(dir);
    try {
      collabOn(again);
      expect(rawContent(id)).toBe("one\ntwo\nthree\nfour\n");
      expect(again.db.query("SELECT COUNT(*) AS n FROM sync_stale_content").get()).toEqual({ n: 0 });
    } finally {
      again.db.close();
    }
  }, 60_000);
});
