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
import { decodeBinaryFrame, syncStateAtHeads, type CollabDoc } from "../../protocol/collab-frames.ts";

let dir: string;
let services: Services;
let user: UserRow;

const collabOn = (s: Services) => {
  const c = new CollabDocuments(new SyncStore(s.db), {
    log: silentLogger,
    maxTextBytes: 5 * 1024 * 1024,
    usernameOf: () => null,
    contentDelayMs: 3_600_000,
  });
  s.documents.useContentWriter(c);
  return c;
};

/** The text of the document as the collaboration layer holds it in memory now. */
const liveText = (c: CollabDocuments, id: string) =>
  (c as unknown as { docs: Map<string, { doc: CollabDoc }> }).docs.get(id)!.doc.content;

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
    expect(liveText(collab, id)).toBe("hello\nworld\n");
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
    expect(
      services.documentsStore
        .list({ userId: user.id, q: "three", sort: "updated", order: "desc", offset: 0, limit: 10 })
        .rows.map((r) => r.id),
    ).toEqual([id]);
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

  test("an editor's change is acknowledged even when its next message arrives before the answer went out", async () => {
    const collab = collabOn(services);
    const id = services.documents.create(user, { title: "Ack", content: "one\n" }).id;
    const frames: Uint8Array[] = [];
    collab.join(id, {
      id: "p1",
      userId: user.id,
      username: user.username,
      send: () => {},
      sendBinary: (f) => void frames.push(f),
    });
    collab.requestSnapshot(id, "p1");
    await new Promise((r) => setImmediate(r));
    const snapshot = frames.map((f) => decodeBinaryFrame(f)).find((f) => "type" in f && f.type === "snapshot");
    expect(snapshot).toBeDefined();
    let doc = A.load<CollabDoc>((snapshot as { data: Uint8Array }).data);
    expect(doc.content).toBe("one\n");
    let sync = A.decodeSyncState(syncStateAtHeads(A.getHeads(doc)));
    // The editor types a character: its message carries the change.
    doc = A.change(doc, (d) => A.splice(d, ["content"], 4, 0, "x"));
    const mine = A.getHeads(doc);
    let withChange: Uint8Array | null;
    [sync, withChange] = A.generateSyncMessage(doc, sync);
    // Its first round: the server does not know what the editor has yet, so the change waits for
    // the server's answer; the editor sends it in the message after.
    collab.receiveSync(id, "p1", withChange!, "owner");
    await new Promise((r) => setImmediate(r));
    const answers = () =>
      frames
        .map((f) => decodeBinaryFrame(f))
        .flatMap((f) => ("type" in f && f.type === "sync" ? [A.decodeSyncMessage(f.message)] : []));
    for (const m of answers()) [doc, sync] = A.receiveSyncMessage(doc, sync, A.encodeSyncMessage(m));
    frames.length = 0;
    [sync, withChange] = A.generateSyncMessage(doc, sync);
    expect(A.decodeSyncMessage(withChange!).changes.length).toBe(1);
    // A second message from the same editor, sent before it heard back (its heads equal the
    // server's once the first is applied, and it carries no change), arrives in the same turn.
    const [, headsOnly] = A.generateSyncMessage(doc, A.decodeSyncState(syncStateAtHeads(mine)));
    expect(A.decodeSyncMessage(headsOnly!).changes.length).toBe(0);
    collab.receiveSync(id, "p1", withChange!, "owner");
    collab.receiveSync(id, "p1", headsOnly!, "owner");
    await new Promise((r) => setImmediate(r));
    // The server's answer names the change among its heads: the editor knows it is stored.
    const heard = answers().map((m) => m.heads);
    expect(heard.some((h) => mine.every((x) => h.includes(x)))).toBe(true);
    expect(liveText(collab, id)).toBe("one\nx");
    collab.closeAll();
  }, 60_000);
});
