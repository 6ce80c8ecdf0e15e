// One document's Automerge copy in the browser, kept in sync with the server over the page's
// WebSocket (binary sync frames), persisted in IndexedDB for offline edits, with presence.
import * as A from "@automerge/automerge/slim/next";
import wasmUrl from "@automerge/automerge/automerge.wasm";
import { decodeBinaryFrame, encodeSnapshotRequest, encodeSyncFrame, SnapshotParts, syncStateAtHeads, type CollabDoc, type CursorJson, type PresenceUserJson } from "../protocol/collab-frames.ts";
import type { ServerMessage } from "../protocol/ws-messages.ts";
import type { NotebookSocket } from "./notebook-socket.ts";
import { loadOffline, saveOffline } from "./collab-offline-store.ts";

let wasm: Promise<void> | null = null;
/** Loads the Automerge wasm once per page (the slim build: the bundler cannot link the default one). */
export function loadAutomerge(): Promise<void> {
  wasm ??= A.initializeWasm(wasmUrl);
  return wasm;
}

export interface RemotePresence {
  peer: string;
  user: PresenceUserJson;
  cursor: CursorJson | null;
}

/** What a local or remote change did to the text, in positions of the text before it. */
export interface TextPatch {
  from: number;
  to: number;
  insert: string;
}

/** Outgoing sync messages at most this often: the server rate-limits frames per connection. */
const SEND_EVERY_MS = 40;
const SAVE_EVERY_MS = 1000;

export class CollabDocument {
  private doc: A.Doc<CollabDoc> = A.init<CollabDoc>();
  private sync: A.SyncState = A.initSyncState();
  private serverHeads: string[] = [];
  private readonly offs: (() => void)[] = [];
  private sendTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = 0;
  private readonly remoteListeners = new Set<(patches: TextPatch[]) => void>();
  private readonly presenceListeners = new Set<(p: RemotePresence[]) => void>();
  private readonly presence = new Map<string, RemotePresence>();
  /** No copy yet: the server sends the document whole; until it arrives nothing is synced. */
  private awaitingSnapshot = false;
  private readonly snapshotParts = new SnapshotParts();

  private constructor(
    readonly docId: string,
    private readonly socket: NotebookSocket,
  ) {}

  /** Opens the document: the offline copy first (if any), then joins and syncs with the server. */
  static async open(docId: string, socket: NotebookSocket): Promise<CollabDocument> {
    await loadAutomerge();
    const c = new CollabDocument(docId, socket);
    const saved = await loadOffline(docId);
    if (saved) {
      try {
        c.doc = A.load<CollabDoc>(saved);
      } catch {
        c.doc = A.init<CollabDoc>();
      }
    }
    // Without a copy, one snapshot is far cheaper than the whole history change by change.
    c.awaitingSnapshot = A.getHeads(c.doc).length === 0;
    c.offs.push(socket.onBinary((f) => c.onFrame(f)));
    c.offs.push(socket.on((m) => c.onMessage(m)));
    // A new connection is a new sync conversation; the server forgot the old one.
    c.offs.push(
      socket.onOpen(() => {
        c.sync = A.initSyncState();
        if (c.awaitingSnapshot) socket.sendBinary(encodeSnapshotRequest(docId));
        else c.sendSoon();
      }),
    );
    socket.join(docId, { collab: true });
    if (c.awaitingSnapshot) socket.sendBinary(encodeSnapshotRequest(docId));
    else c.sendSoon();
    return c;
  }

  /** The text, or null until the first sync brought the document (a new copy starts empty). */
  text(): string | null {
    return typeof this.doc.content === "string" ? this.doc.content : null;
  }

  /** True when the server has stored every local change. */
  acknowledged(): boolean {
    const mine = A.getHeads(this.doc);
    return mine.every((h) => this.serverHeads.includes(h));
  }

  /** Applies local edits (CodeMirror changes, positions in the text before the edit, in order of application). */
  applyLocal(patches: TextPatch[]): void {
    if (typeof this.doc.content !== "string" || patches.length === 0) return;
    this.doc = A.change(this.doc, (d) => {
      for (const p of patches) A.splice(d, ["content"], p.from, p.to - p.from, p.insert);
    });
    this.sendSoon();
    this.saveSoon();
  }

  /** Remote changes, as patches to apply in order to the text the listener last saw. */
  onRemote(l: (patches: TextPatch[]) => void): () => void {
    this.remoteListeners.add(l);
    return () => this.remoteListeners.delete(l);
  }

  onPresence(l: (p: RemotePresence[]) => void): () => void {
    this.presenceListeners.add(l);
    l([...this.presence.values()]);
    return () => this.presenceListeners.delete(l);
  }

  setCursor(cursor: CursorJson | null): void {
    this.socket.send({ t: "presence", doc: this.docId, cursor });
  }

  private onFrame(frame: Uint8Array): void {
    const f = decodeBinaryFrame(frame);
    if ("error" in f || f.doc !== this.docId || f.type === "snapshot-request") return;
    if (f.type === "snapshot") return this.onSnapshot(f);
    if (this.awaitingSnapshot) return;
    this.serverHeads = A.decodeSyncMessage(f.message).heads;
    const before = A.getHeads(this.doc);
    const hadText = typeof this.doc.content === "string";
    [this.doc, this.sync] = A.receiveSyncMessage(this.doc, this.sync, f.message);
    const after = A.getHeads(this.doc);
    if (before.join() !== after.join()) {
      const patches: TextPatch[] = hadText ? toPatches(A.diff(this.doc, before, after)) : [{ from: 0, to: 0, insert: this.doc.content ?? "" }];
      if (patches.length) for (const l of this.remoteListeners) l(patches);
      this.saveSoon();
    }
    this.sendSoon();
  }

  /** The whole document, as the server stored it: both sides now hold the same changes. */
  private onSnapshot(f: { part: number; parts: number; data: Uint8Array }): void {
    const saved = this.snapshotParts.add(f);
    if (!saved || !this.awaitingSnapshot) return;
    this.doc = A.load<CollabDoc>(saved);
    this.awaitingSnapshot = false;
    this.serverHeads = A.getHeads(this.doc);
    this.sync = A.decodeSyncState(syncStateAtHeads(this.serverHeads));
    const text = this.doc.content ?? "";
    for (const l of this.remoteListeners) l([{ from: 0, to: 0, insert: text }]);
    this.saveSoon();
    this.sendSoon();
  }

  private onMessage(m: ServerMessage): void {
    if (m.t === "presence" && m.doc === this.docId) this.presence.set(m.peer, { peer: m.peer, user: m.user, cursor: m.cursor });
    else if (m.t === "presence-left" && m.doc === this.docId) this.presence.delete(m.peer);
    else return;
    const all = [...this.presence.values()];
    for (const l of this.presenceListeners) l(all);
  }

  private sendSoon(): void {
    if (this.sendTimer) return;
    this.sendTimer = setTimeout(() => {
      this.sendTimer = undefined;
      if (this.awaitingSnapshot) return;
      this.lastSent = Date.now();
      const [s, msg] = A.generateSyncMessage(this.doc, this.sync);
      if (!msg) return;
      // Offline: keep the old state so the message is generated again after reconnecting.
      if (this.socket.sendBinary(encodeSyncFrame(this.docId, msg))) this.sync = s;
    }, Math.max(0, this.lastSent + SEND_EVERY_MS - Date.now()));
  }

  private saveSoon(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void saveOffline(this.docId, A.save(this.doc));
    }, SAVE_EVERY_MS);
  }

  close(): void {
    clearTimeout(this.sendTimer);
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      void saveOffline(this.docId, A.save(this.doc));
    }
    for (const off of this.offs) off();
    this.socket.leave(this.docId);
  }
}

/** Turns Automerge text patches on ["content"] into sequential text edits. */
function toPatches(patches: A.Patch[]): TextPatch[] {
  const out: TextPatch[] = [];
  for (const p of patches) {
    if (p.path[0] !== "content") continue;
    if (p.action === "splice" && typeof p.path[1] === "number") out.push({ from: p.path[1], to: p.path[1], insert: p.value });
    else if (p.action === "del" && typeof p.path[1] === "number") out.push({ from: p.path[1], to: p.path[1] + (p.length ?? 1), insert: "" });
    else if (p.action === "put" && p.path.length === 1 && typeof p.value === "string") out.push({ from: 0, to: Number.MAX_SAFE_INTEGER, insert: p.value });
  }
  return out;
}
