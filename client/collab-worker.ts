// The collaboration worker: one document's Automerge copy, off the page's main thread (loading,
// saving and applying a large change take seconds in Automerge's wasm, and the page must keep
// answering meanwhile). It syncs with the server through frames the page relays, keeps the copy
// in IndexedDB (appending incremental saves, compacted now and then), and turns remote changes
// into text changes for the editor.
import * as A from "@automerge/automerge/slim/next";
import { ChangeSet } from "@codemirror/state";
import {
  decodeBinaryFrame,
  encodeSnapshotRequest,
  encodeSyncFrame,
  SnapshotParts,
  syncStateAtHeads,
  type CollabDoc,
} from "../protocol/collab-frames.ts";
import { forgetOffline, loadOffline, saveOffline } from "./collab-offline-store.ts";
import { changeSetOf, inPieces, splicesOf, type TextSplice } from "./collab-text-changes.ts";
import type { FromWorker, ToWorker } from "./collab-worker-messages.ts";
import { anchorRange, automergeCursors } from "../protocol/comment-anchors.ts";

const port = self as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  close(): void;
};
const post = (m: FromWorker, transfer?: Transferable[]) => port.postMessage(m, transfer);

/** Outgoing sync messages at most this often: the server rate-limits frames per connection. */
const SEND_EVERY_MS = 40;
const SAVE_EVERY_MS = 1000;
/** The offline copy is rewritten whole after this many appended increments. */
const COMPACT_AFTER = 200;

let docId = "";
// Both set once the wasm has loaded (in open).
let doc!: A.Doc<CollabDoc>;
let sync!: A.SyncState;
let serverHeads: string[] = [];
/** No copy yet: the server sends the document whole; until it arrives nothing is synced. */
let awaitingSnapshot = false;
const snapshotParts = new SnapshotParts();
/** The text changes counted so far (local edits applied and remote changes sent to the page). */
let version = 0;
let loaded = false;
let lastLocal = 0;
let sendTimer: ReturnType<typeof setTimeout> | undefined;
let saveTimer: ReturnType<typeof setTimeout> | undefined;
let lastSent = 0;
/** The offline copy as stored: a save, then increments. */
let stored: Uint8Array | null = null;
let increments = 0;
/** Until the worker has opened the document, messages wait. */
const early: ToWorker[] = [];
let opened = false;
let lastAck: boolean | null = null;

function acknowledged(): boolean {
  const mine = A.getHeads(doc);
  return mine.every((h) => serverHeads.includes(h));
}

function reportAck(force = false): void {
  const a = acknowledged();
  if (a === lastAck && !force) return;
  lastAck = a;
  post({ t: "ack", acknowledged: a, upTo: lastLocal });
}

function textOf(d: A.Doc<CollabDoc>): string | null {
  return typeof d.content === "string" ? d.content : null;
}

function announceLoaded(): void {
  const text = textOf(doc);
  if (loaded || text === null) return;
  loaded = true;
  post({ t: "loaded", text });
}

function sendSoon(): void {
  if (sendTimer) return;
  sendTimer = setTimeout(
    () => {
      sendTimer = undefined;
      if (awaitingSnapshot) return;
      lastSent = Date.now();
      const [s, msg] = A.generateSyncMessage(doc, sync);
      sync = s;
      if (!msg) return;
      const frame = encodeSyncFrame(docId, msg);
      post({ t: "send", frame }, [frame.buffer]);
    },
    Math.max(0, lastSent + SEND_EVERY_MS - Date.now()),
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Stores what changed since the last save; a full save only now and then (it costs as much as the document). */
function saveNow(): Promise<void> {
  if (!stored || increments >= COMPACT_AFTER) {
    stored = A.save(doc);
    A.saveIncremental(doc);
    increments = 0;
  } else {
    const chunk = A.saveIncremental(doc);
    if (!chunk.length) return Promise.resolve();
    stored = concat(stored, chunk);
    increments++;
  }
  return saveOffline(docId, stored);
}

function saveSoon(): void {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    void saveNow();
  }, SAVE_EVERY_MS);
}

function toSplices(patches: A.Patch[]): TextSplice[] {
  const out: TextSplice[] = [];
  for (const p of patches) {
    if (p.path[0] !== "content") continue;
    if (p.action === "splice" && typeof p.path[1] === "number")
      out.push({ from: p.path[1], to: p.path[1], insert: p.value });
    else if (p.action === "del" && typeof p.path[1] === "number")
      out.push({ from: p.path[1], to: p.path[1] + (p.length ?? 1), insert: "" });
    else if (p.action === "put" && p.path.length === 1 && typeof p.value === "string")
      out.push({ from: 0, to: Number.MAX_SAFE_INTEGER, insert: p.value });
  }
  return out;
}

let heard = false;

function onFrame(bytes: Uint8Array): void {
  const f = decodeBinaryFrame(bytes);
  if ("error" in f || f.doc !== docId || f.type === "snapshot-request") return;
  if (!heard) {
    heard = true;
    post({ t: "heard" });
  }
  if (f.type === "snapshot") {
    const saved = snapshotParts.add(f);
    if (!saved || !awaitingSnapshot) return;
    doc = A.load<CollabDoc>(saved);
    A.saveIncremental(doc);
    stored = saved;
    increments = 0;
    void saveOffline(docId, saved);
    awaitingSnapshot = false;
    serverHeads = A.getHeads(doc);
    sync = A.decodeSyncState(syncStateAtHeads(serverHeads));
    announceLoaded();
    reportAck(true);
    sendSoon();
    return;
  }
  if (awaitingSnapshot) return;
  serverHeads = A.decodeSyncMessage(f.message).heads;
  const before = A.getHeads(doc);
  const textBefore = textOf(doc);
  [doc, sync] = A.receiveSyncMessage(doc, sync, f.message);
  const after = A.getHeads(doc);
  if (before.join() !== after.join()) {
    if (!loaded) announceLoaded();
    else if (textBefore !== null) {
      const changes = changeSetOf(toSplices(A.diff(doc, before, after)), textBefore.length);
      if (!changes.empty) {
        version++;
        post({ t: "updates", updates: [{ remote: changes.toJSON() }] });
      }
    }
    saveSoon();
  }
  reportAck();
  sendSoon();
}

function onLocal(id: number, at: number, json: ReturnType<ChangeSet["toJSON"]>): void {
  // Edits are applied in the order they were made, each on the text it was made on: one made
  // before a remote change the page had not seen yet (or after such a one) comes again, rebased.
  if (!loaded || id !== lastLocal + 1 || at !== version) return;
  const changes = ChangeSet.fromJSON(json);
  lastLocal = id;
  version++;
  if (!changes.empty) {
    // The server applies one change at a time: a large edit (a paste) goes as several changes of
    // at most PIECE characters, which it applies with its event loop free between them.
    for (const group of inPieces(splicesOf(changes))) {
      doc = A.change(doc, (d) => {
        for (const p of group) A.splice(d, ["content"], p.from, p.to - p.from, p.insert);
      });
    }
    sendSoon();
    saveSoon();
  }
  post({ t: "updates", updates: [{ local: id }] });
  reportAck(true);
}

async function open(m: Extract<ToWorker, { t: "open" }>): Promise<void> {
  docId = m.docId;
  await A.initializeWasm(m.wasmUrl);
  doc = A.init<CollabDoc>();
  sync = A.initSyncState();
  const saved = await loadOffline(docId);
  if (saved) {
    try {
      doc = A.load<CollabDoc>(saved);
      A.saveIncremental(doc);
      stored = saved;
    } catch {
      doc = A.init<CollabDoc>();
    }
  }
  // Without a copy, one snapshot is far cheaper than the whole history change by change.
  awaitingSnapshot = A.getHeads(doc).length === 0;
  announceLoaded();
  if (m.online) connected();
  post({ t: "started" });
}

function connected(): void {
  // A new connection is a new sync conversation; the server forgot the old one.
  sync = A.initSyncState();
  if (awaitingSnapshot) {
    const frame = encodeSnapshotRequest(docId);
    post({ t: "send", frame }, [frame.buffer]);
  } else sendSoon();
}

/** Tells the page the worker is done with the copy, then ends. */
function stop(): void {
  post({ t: "closed" });
  port.close();
}

function handle(m: ToWorker): void {
  switch (m.t) {
    case "frame":
      onFrame(m.frame);
      return;
    case "online":
      connected();
      return;
    case "local":
      onLocal(m.id, m.version, m.changes);
      return;
    case "cursors": {
      const text = textOf(doc) ?? "";
      const ok = loaded && m.version === version && m.from >= 0 && m.to > m.from && m.to <= text.length;
      post({
        t: "cursors",
        req: m.req,
        anchor: ok
          ? { start: A.getCursor(doc, ["content"], m.from), last: A.getCursor(doc, ["content"], m.to - 1) }
          : null,
      });
      return;
    }
    case "ranges": {
      const text = automergeCursors(
        (textOf(doc) ?? "").length,
        (c) => A.getCursorPosition(doc, ["content"], c),
        (i) => A.getCursor(doc, ["content"], i),
      );
      post({ t: "ranges", req: m.req, version, ranges: m.anchors.map((a) => anchorRange(text, a)) });
      return;
    }
    case "close": {
      clearTimeout(sendTimer);
      clearTimeout(saveTimer);
      // the worker ends once the copy is stored
      const pending = saveTimer ? saveNow() : Promise.resolve();
      saveTimer = undefined;
      void pending.finally(stop);
      return;
    }
    case "forget": {
      clearTimeout(sendTimer);
      clearTimeout(saveTimer);
      saveTimer = undefined;
      // IndexedDB applies the delete after any save this worker started before it
      void forgetOffline(docId).finally(stop);
      return;
    }
  }
}

port.onmessage = (e) => {
  const m = e.data;
  if (m.t === "open") {
    open(m)
      .then(() => {
        opened = true;
        for (const x of early.splice(0)) handle(x);
      })
      .catch((err) => post({ t: "failed", message: err instanceof Error ? err.message : String(err) }));
    return;
  }
  if (!opened) early.push(m);
  else handle(m);
};
