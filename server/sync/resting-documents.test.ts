// Open documents nobody uses rest as their saved bytes, and wake for the next message, write or
// read exactly as they were: editors converge, what was stored stays, history and anchors work,
// and a document with anything pending, or a large one, never rests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openServices, type Services } from "../app.ts";
import { silentLogger } from "../log/logger.ts";
import { SyncStore } from "../store/sync-store.ts";
import type { UserRow } from "../store/users-store.ts";
import { A, loadAutomerge } from "./automerge.ts";
import { CollabDocuments, REST_MAX_TEXT_BYTES } from "./collab-documents.ts";
import { decodeBinaryFrame, SnapshotParts, syncStateAtHeads, type CollabDoc } from "../../protocol/collab-frames.ts";

let dir: string;
let services: Services;
let user: UserRow;
const turn = () => new Promise<void>((r) => setImmediate(r));
const LATER = 24 * 3_600_000;

beforeAll(async () => {
  await loadAutomerge();
  dir = mkdtempSync(join(tmpdir(), "pymd-resting-"));
  services = openServices(dir);
  user = await services.accounts.addUser("ann", "a long enough password", "user");
}, 60_000);
afterAll(() => {
  services.db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A collaboration layer whose own timer never lets anything rest: the test says when. */
function layer() {
  const c = new CollabDocuments(new SyncStore(services.db), {
    log: silentLogger,
    maxTextBytes: 5 * 1024 * 1024,
    usernameOf: () => "ann",
    restMs: LATER,
  });
  services.documents.useContentWriter(c);
  return c;
}

/**
 * Replicas joined to one document through the layer, with their own Automerge copies. With
 * `snapshot`, each asks for the document whole and waits for it, as the browser does without a copy.
 */
async function editors(
  c: CollabDocuments,
  id: string,
  n: number,
  opts: { snapshot?: boolean; first?: number; askLater?: boolean } = {},
) {
  const peers = Array.from({ length: n }, (_, i) => ({
    id: `p${i + (opts.first ?? 0)}`,
    inbox: [] as Uint8Array[],
    doc: A.init<CollabDoc>(),
    sync: A.initSyncState(),
    waiting: opts.snapshot === true,
    parts: new SnapshotParts(),
  }));
  for (const p of peers) {
    c.join(id, {
      id: p.id,
      userId: user.id,
      username: "ann",
      sendBinary: (f: Uint8Array) => void p.inbox.push(f),
      send: () => {},
    } as never);
    if (p.waiting && !opts.askLater) c.requestSnapshot(id, p.id);
  }
  if (opts.askLater) {
    // the server's first message (for a newcomer) goes out before the request comes in
    await turn();
    for (const p of peers) c.requestSnapshot(id, p.id);
  }
  const settle = async () => {
    for (let round = 0; round < 30; round++) {
      let said = false;
      for (const p of peers) {
        for (const f of p.inbox.splice(0)) {
          const d = decodeBinaryFrame(f);
          if ("error" in d) throw new Error(d.error);
          if (d.type === "snapshot") {
            const saved = p.parts.add(d);
            if (!saved) continue;
            p.doc = A.load<CollabDoc>(saved);
            p.sync = A.decodeSyncState(syncStateAtHeads(A.getHeads(p.doc)));
            p.waiting = false;
          } else if (d.type !== "sync") throw new Error(`unexpected ${d.type} frame`);
          else if (!p.waiting) [p.doc, p.sync] = A.receiveSyncMessage(p.doc, p.sync, d.message);
        }
        if (p.waiting) continue;
        const [s, m] = A.generateSyncMessage(p.doc, p.sync);
        p.sync = s;
        if (m) {
          said = true;
          c.receiveSync(id, p.id, m, "owner");
        }
      }
      await turn();
      await turn();
      if (!said && peers.every((p) => p.inbox.length === 0)) return;
    }
    throw new Error("the editors did not settle");
  };
  await settle();
  const edit = (i: number, at: number, text: string) => {
    const p = peers[i]!;
    p.doc = A.change(p.doc, (d) => A.splice(d, ["content"], at, 0, text));
  };
  return { peers, settle, edit };
}

describe("resting documents", () => {
  test("a document with editors connected rests, then wakes for an edit: everyone converges and it is stored", async () => {
    const c = layer();
    const id = services.documents.create(user, { title: "R", content: "hello\n" }).id;
    const e = await editors(c, id, 2);
    e.edit(0, 5, " world");
    await e.settle();
    expect(c.restingCount).toBe(0);
    c.restIdle(Date.now() + LATER);
    expect(c.restingCount).toBe(1);
    expect(c.openCount).toBe(1);
    // the other editor types into the resting document
    e.edit(1, 0, "> ");
    await e.settle();
    expect(c.restingCount).toBe(0);
    expect(e.peers.map((p) => p.doc.content)).toEqual(["> hello world\n", "> hello world\n"]);
    c.settle(id);
    expect(services.documents.access(user, id).doc.content).toBe("> hello world\n");
    c.closeAll();
    // what was stored loads as it was
    const again = layer();
    const f = await editors(again, id, 1);
    expect(f.peers[0]!.doc.content).toBe("> hello world\n");
    again.closeAll();
  });

  test("readers that take the document whole and acknowledge it never wake it; the first edit does", async () => {
    const c = layer();
    const text = "# # Notes\n" + "# a line of text\n".repeat(50);
    const id = services.documents.create(user, { title: "Q", content: text }).id;
    const r = await editors(c, id, 3, { snapshot: true });
    expect(r.peers.map((p) => p.doc.content)).toEqual([text, text, text]);
    // opened for them, it rested at once and stayed so through every reader's conversation
    expect(c.restingCount).toBe(1);
    // more readers, whose request comes after the server's first message to them
    const more = await editors(c, id, 2, { snapshot: true, first: 3, askLater: true });
    expect(more.peers.map((p) => p.doc.content)).toEqual([text, text]);
    expect(c.restingCount).toBe(1);
    // an edit wakes it; every reader converges and the change is stored
    r.edit(1, 0, "> ");
    await r.settle();
    await more.settle();
    expect(c.restingCount).toBe(0);
    const all = [...r.peers, ...more.peers].map((p) => p.doc.content);
    expect(new Set(all)).toEqual(new Set([`> ${text}`]));
    c.settle(id);
    expect(services.documents.access(user, id).doc.content).toBe(`> ${text}`);
    c.closeAll();
    // opened again from its stored history
    const again = layer();
    const late = await editors(again, id, 2, { snapshot: true });
    expect(late.peers.map((p) => p.doc.content)).toEqual([`> ${text}`, `> ${text}`]);
    expect(again.restingCount).toBe(1);
    // a reader with its own copy (no snapshot) is answered by Automerge itself: it wakes the document
    const own = await editors(again, id, 1, { first: 5 });
    expect(own.peers[0]!.doc.content).toBe(`> ${text}`);
    expect(again.restingCount).toBe(0);
    again.closeAll();
  });

  test("a resting document answers reads, history, anchors, a REST write and a new editor as it was", async () => {
    const c = layer();
    const id = services.documents.create(user, { title: "H", content: "one\ntwo\n" }).id;
    const e = await editors(c, id, 1);
    e.edit(0, 8, "three\n");
    await e.settle();
    const versions = c.history(id).length;
    c.restIdle(Date.now() + LATER);
    expect(c.restingCount).toBe(1);
    expect(c.history(id).length).toBe(versions);
    c.restIdle(Date.now() + LATER);
    expect(c.anchorAt(id, 4, 7).quote).toBe("two");
    c.restIdle(Date.now() + LATER);
    await c.replaceText(id, "one\ntwo\nthree\nfour\n", user.id);
    await e.settle();
    expect(e.peers[0]!.doc.content).toBe("one\ntwo\nthree\nfour\n");
    c.restIdle(Date.now() + LATER);
    expect(c.restingCount).toBe(1);
    const late = await editors(c, id, 1);
    expect(late.peers[0]!.doc.content).toBe("one\ntwo\nthree\nfour\n");
    c.closeAll();
  });

  test("a resting document closed by its last editor is compacted from its saved bytes without waking", async () => {
    const c = layer();
    const id = services.documents.create(user, { title: "E", content: "a\n" }).id;
    const e = await editors(c, id, 1);
    e.edit(0, 2, "b\n");
    await e.settle();
    e.edit(0, 4, "c\n");
    await e.settle();
    c.restIdle(Date.now() + LATER);
    const held = (c as unknown as { docs: Map<string, { live: unknown; chunks: number }> }).docs.get(id)!;
    expect(held.chunks).toBeGreaterThan(1);
    c.leave(id, "p0");
    (c as unknown as { evict(o: unknown): void }).evict(held);
    expect(c.openCount).toBe(0);
    expect(held.live).toBeNull();
    const stored = new SyncStore(services.db).chunks(id);
    expect(stored.length).toBe(1);
    expect(A.load<CollabDoc>(stored[0]!).content).toBe("a\nb\nc\n");
    c.closeAll();
  });

  test("nothing pending rests, nor a large text, nor one used within the rest time", async () => {
    const c = layer();
    const id = services.documents.create(user, { title: "P", content: "x\n" }).id;
    const e = await editors(c, id, 1);
    c.restIdle();
    expect(c.restingCount).toBe(0);
    // a change received but not yet stored and answered
    e.edit(0, 0, "y");
    const p = e.peers[0]!;
    const [s, m] = A.generateSyncMessage(p.doc, p.sync);
    p.sync = s;
    c.receiveSync(id, p.id, m!, "owner");
    c.restIdle(Date.now() + LATER);
    expect(c.restingCount).toBe(0);
    await e.settle();
    expect(p.doc.content).toBe("yx\n");
    c.restIdle(Date.now() + LATER);
    expect(c.restingCount).toBe(1);
    const big = services.documents.create(user, { title: "B", content: "z".repeat(REST_MAX_TEXT_BYTES + 1) }).id;
    await editors(c, big, 1);
    c.restIdle(Date.now() + LATER);
    expect(c.restingCount).toBe(1);
    expect(c.openCount).toBe(2);
    c.closeAll();
  });
});
