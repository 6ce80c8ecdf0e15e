// Live collaboration: the open Automerge documents kept in memory, one sync state per (connection,
// document), the checks on every incoming change, persistence before acknowledgement, presence,
// writes from REST and history. Callers check the caller's role on the document first.
import { A } from "./automerge.ts";
import { AppError, forbidden, notFound } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { SyncStore } from "../store/sync-store.ts";
import { storageFailure } from "../store/storage-errors.ts";
import { colourFor, encodeSnapshotFrames, encodeSyncFrame, syncStateAtHeads, type CollabDoc, type CursorJson, type VersionJson } from "../../protocol/collab-frames.ts";
import type { ServerMessage } from "../../protocol/ws-messages.ts";
import { groupVersions, type ChangeMeta } from "./document-history.ts";
import { decodeChanges } from "./change-chunks.ts";

export type CollabRole = "owner" | "editor" | "viewer";

/** One connection's view of a document. */
export interface CollabPeer {
  id: string;
  userId: string;
  username: string;
  sendBinary(frame: Uint8Array): void;
  send(m: ServerMessage): void;
}

interface PeerState {
  peer: CollabPeer;
  sync: A.SyncState;
  cursor: CursorJson | null;
  /** Asked for the whole document: it gets a snapshot at the next flush instead of its history change by change. */
  wantsSnapshot: boolean;
}

interface OpenDoc {
  id: string;
  doc: A.Doc<CollabDoc>;
  contentObj: string;
  peers: Map<string, PeerState>;
  /** Automerge actor → user id ("" for the server's own changes). */
  actors: Map<string, string>;
  newActors: [string, string][];
  dirty: boolean;
  /** Why the last store of this document failed (a full disk…), until one succeeds. */
  storeError?: unknown;
  scheduled: boolean;
  /** Peers owed a sync message at the next flush; every peer when the heads moved. */
  owed: Set<string>;
  chunks: number;
  textBytes: number;
  idle: ReturnType<typeof setTimeout> | undefined;
  history: { key: string; versions: VersionJson[] } | undefined;
  /** `A.save` of the document at these heads, shared by every joiner until the heads move. */
  saved: { key: string; bytes: Uint8Array } | undefined;
}

export interface CollabOptions {
  log: Logger;
  /** The per-document text cap, in UTF-8 bytes. */
  maxTextBytes: number;
  /** Names history authors. */
  usernameOf(userId: string): string | null;
  /** How long a document nobody has open stays in memory. */
  idleMs?: number;
  /** Incremental chunks stored before they are compacted into one snapshot. */
  compactEvery?: number;
  /** Largest snapshot frame sent; bigger snapshots go in parts. */
  snapshotFrameBytes?: number;
}

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
const sameHeads = (a: string[], b: string[]) => a.length === b.length && a.every((h, i) => h === b[i]);

export class CollabDocuments {
  private readonly docs = new Map<string, OpenDoc>();
  private readonly idleMs: number;
  private readonly compactEvery: number;

  constructor(
    private readonly store: SyncStore,
    private readonly opts: CollabOptions,
  ) {
    this.idleMs = opts.idleMs ?? 60_000;
    this.compactEvery = opts.compactEvery ?? 256;
  }

  /** Documents held in memory (for metrics and tests). */
  get openCount(): number {
    return this.docs.size;
  }

  private open(id: string): OpenDoc {
    const existing = this.docs.get(id);
    if (existing) return existing;
    const chunks = this.store.chunks(id);
    let doc: A.Doc<CollabDoc>;
    let actors = new Map<string, string>();
    const newActors: [string, string][] = [];
    if (chunks.length === 0) {
      // A document created over REST (or before collaboration existed) gets its history now.
      const content = this.store.content(id);
      if (content === null) throw notFound("Document not found");
      doc = A.from<CollabDoc>({ content });
      newActors.push([A.getActorId(doc), ""]);
      this.store.save(id, A.save(doc), null, { compact: true, actors: newActors });
    } else {
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) (all.set(c, at), (at += c.length));
      doc = A.load<CollabDoc>(all);
      // load() leaves everything "unsaved"; what it read is stored already.
      A.saveIncremental(doc);
      actors = this.store.actors(id);
      if (typeof doc.content !== "string") throw new AppError("internal", "stored document has no text");
    }
    const o: OpenDoc = {
      id,
      doc,
      contentObj: A.getObjectId(doc, "content") ?? "",
      peers: new Map(),
      actors,
      newActors: [],
      dirty: false,
      scheduled: false,
      owed: new Set(),
      chunks: Math.max(1, chunks.length),
      textBytes: utf8(doc.content),
      idle: undefined,
      history: undefined,
      // A single stored chunk is a compacted snapshot: the first joiner needs no A.save.
      saved: chunks.length === 1 ? { key: A.getHeads(doc).join(","), bytes: chunks[0]! } : undefined,
    };
    for (const [a, u] of newActors) o.actors.set(a, u);
    // A crash between a chunk and its text cannot happen (one transaction), but a document whose
    // text was changed outside the sync layer is brought back in line with its history here.
    if (chunks.length > 0 && this.store.content(id) !== doc.content) this.store.save(id, new Uint8Array(0), doc.content);
    this.docs.set(id, o);
    this.touchIdle(o);
    return o;
  }

  private touchIdle(o: OpenDoc): void {
    clearTimeout(o.idle);
    if (o.peers.size > 0) return;
    o.idle = setTimeout(() => this.evict(o), this.idleMs);
    o.idle.unref?.();
  }

  private evict(o: OpenDoc): void {
    if (o.peers.size > 0 || this.docs.get(o.id) !== o) return;
    this.flush(o);
    if (o.chunks > 1 && !o.dirty) {
      try {
        this.store.save(o.id, A.save(o.doc), null, { compact: true });
      } catch (e) {
        this.opts.log.warn("compacting a document failed", { doc: o.id, err: e instanceof Error ? e.message : String(e) });
      }
    }
    if (!o.dirty) this.docs.delete(o.id);
    else this.touchIdle(o);
  }

  /** Adds a connection to a document: it gets the server's sync message and everyone's presence. */
  join(docId: string, peer: CollabPeer): void {
    const o = this.open(docId);
    clearTimeout(o.idle);
    const existing = o.peers.get(peer.id);
    // A re-join starts the sync conversation over: the client may have reloaded its document.
    o.peers.set(peer.id, { peer, sync: A.initSyncState(), cursor: existing?.cursor ?? null, wantsSnapshot: false });
    o.owed.add(peer.id);
    for (const other of o.peers.values()) {
      if (other.peer.id === peer.id) continue;
      peer.send(this.presenceOf(o, other));
      if (!existing) other.peer.send(this.presenceOf(o, o.peers.get(peer.id)!));
    }
    this.schedule(o);
  }

  leave(docId: string, peerId: string): void {
    const o = this.docs.get(docId);
    if (!o || !o.peers.delete(peerId)) return;
    for (const other of o.peers.values()) other.peer.send({ t: "presence-left", doc: docId, peer: peerId });
    this.touchIdle(o);
  }

  /** A joined connection with no copy of the document gets it whole (after what is pending is stored). */
  requestSnapshot(docId: string, peerId: string): void {
    const o = this.docs.get(docId);
    const ps = o?.peers.get(peerId);
    if (!o || !ps) throw new AppError("validation_failed", "join the document first");
    ps.wantsSnapshot = true;
    o.owed.add(peerId);
    this.schedule(o);
  }

  private snapshotOf(o: OpenDoc): { heads: string[]; bytes: Uint8Array } {
    const heads = A.getHeads(o.doc);
    const key = heads.join(",");
    if (o.saved?.key !== key) o.saved = { key, bytes: A.save(o.doc) };
    return { heads, bytes: o.saved.bytes };
  }

  private presenceOf(o: OpenDoc, ps: PeerState): ServerMessage {
    const u = ps.peer;
    return { t: "presence", doc: o.id, peer: u.id, user: { id: u.userId, username: u.username, colour: colourFor(u.userId) }, cursor: ps.cursor };
  }

  /** Relays a connection's cursor to the others, stamped with who it is; never stored. */
  presence(docId: string, peerId: string, cursor: CursorJson | null): void {
    const o = this.docs.get(docId);
    const ps = o?.peers.get(peerId);
    if (!o || !ps) throw new AppError("validation_failed", "join the document first");
    ps.cursor = cursor;
    const m = this.presenceOf(o, ps);
    for (const other of o.peers.values()) if (other !== ps) other.peer.send(m);
  }

  /**
   * Applies one sync message from a connection. A message that would add changes is refused
   * whole — before anything is applied — when the sender is a viewer, a change is malformed,
   * edits anything but the text, is signed with another user's actor id, or would pass the
   * document's size cap.
   */
  receiveSync(docId: string, peerId: string, message: Uint8Array, role: CollabRole): void {
    const o = this.docs.get(docId);
    const ps = o?.peers.get(peerId);
    if (!o || !ps) throw new AppError("validation_failed", "join the document first");
    let decoded: A.DecodedSyncMessage;
    try {
      decoded = A.decodeSyncMessage(message);
    } catch {
      throw new AppError("bad_request", "malformed sync message");
    }
    if (decoded.changes.length > 0) this.checkChanges(o, decoded.changes, role, ps.peer.userId);
    const before = A.getHeads(o.doc);
    try {
      const [doc, sync] = A.receiveSyncMessage(o.doc, ps.sync, message);
      o.doc = doc;
      ps.sync = sync;
    } catch (e) {
      this.recover(o, e);
      throw new AppError("bad_request", "malformed sync message");
    }
    if (!sameHeads(before, A.getHeads(o.doc))) {
      o.dirty = true;
      o.history = undefined;
      o.saved = undefined;
      for (const id of o.peers.keys()) o.owed.add(id);
    } else o.owed.add(peerId);
    this.schedule(o);
  }

  private checkChanges(o: OpenDoc, changes: Uint8Array[], role: CollabRole, userId: string): void {
    let added = 0;
    const claims: [string, string][] = [];
    let decoded: A.DecodedChange[];
    try {
      decoded = decodeChanges(changes);
    } catch {
      throw new AppError("bad_request", "malformed change in sync message");
    }
    for (const d of decoded) {
      // Re-sent changes the document already holds add nothing and are harmless.
      if (d.hash && A.hasHeads(o.doc, [d.hash])) continue;
      if (role === "viewer") throw forbidden("Viewers cannot change this document");
      const owner = o.actors.get(d.actor) ?? claims.find(([a]) => a === d.actor)?.[1];
      if (owner !== undefined && owner !== userId) throw forbidden("a change carries another author's actor id");
      if (owner === undefined) claims.push([d.actor, userId]);
      for (const op of d.ops) {
        if (op.obj !== o.contentObj || (op.action !== "set" && op.action !== "del")) throw forbidden("a change may only edit the document's text");
        if (op.action === "set") {
          if (!(op as { insert?: boolean }).insert || typeof op.value !== "string") throw forbidden("a change may only edit the document's text");
          added += utf8(op.value);
        }
      }
    }
    if (o.textBytes + added > this.opts.maxTextBytes) throw new AppError("too_large", `a document's text must stay within ${this.opts.maxTextBytes} bytes`);
    for (const [a, u] of claims) {
      o.actors.set(a, u);
      o.newActors.push([a, u]);
    }
  }

  /** After Automerge itself threw, the in-memory document is rebuilt from what is stored. */
  private recover(o: OpenDoc, e: unknown): void {
    this.opts.log.warn("sync message failed; reloading the document", { doc: o.id, err: e instanceof Error ? e.message : String(e) });
    const peers = o.peers;
    this.docs.delete(o.id);
    clearTimeout(o.idle);
    const fresh = this.open(o.id);
    for (const ps of peers.values()) {
      fresh.peers.set(ps.peer.id, { ...ps, sync: A.initSyncState() });
      fresh.owed.add(ps.peer.id);
    }
    clearTimeout(fresh.idle);
    this.schedule(fresh);
  }

  private schedule(o: OpenDoc): void {
    if (o.scheduled) return;
    o.scheduled = true;
    // Everything that arrived in this turn of the event loop is stored in one transaction.
    setImmediate(() => this.flush(o));
  }

  /**
   * Stores what changed, then sends every peer its next sync message. Peers learn of a change
   * (the author's acknowledgement included) only after it is committed.
   */
  private flush(o: OpenDoc): void {
    o.scheduled = false;
    if (this.docs.get(o.id) !== o) return;
    if (o.dirty) {
      try {
        const text = o.doc.content;
        const compact = o.chunks >= this.compactEvery;
        const chunk = A.saveIncremental(o.doc);
        this.store.save(o.id, compact ? A.save(o.doc) : chunk, text, { compact, actors: o.newActors });
        o.chunks = compact ? 1 : o.chunks + 1;
        o.newActors = [];
        o.textBytes = utf8(text);
        o.dirty = false;
        o.storeError = undefined;
      } catch (e) {
        o.storeError = e;
        // saveIncremental has handed out the changes this store lost; the next store must be a whole
        // snapshot, or later (acknowledged) changes would be stored on top of a missing one.
        o.chunks = this.compactEvery;
        this.opts.log.error("storing a document failed; changes are not acknowledged", { doc: o.id, err: e instanceof Error ? e.message : String(e) });
        return;
      }
    }
    // Only peers that sent something or have news get a message: a quiet peer's answer would be empty.
    const owed = o.owed;
    o.owed = new Set();
    for (const id of owed) {
      const ps = o.peers.get(id);
      if (!ps) continue;
      if (ps.wantsSnapshot) {
        // One A.save instead of every change through the sync protocol: a fresh client would
        // otherwise receive (and apply) the whole history change by change.
        const { heads, bytes } = this.snapshotOf(o);
        for (const f of encodeSnapshotFrames(o.id, bytes, this.opts.snapshotFrameBytes)) ps.peer.sendBinary(f);
        ps.sync = A.decodeSyncState(syncStateAtHeads(heads));
        ps.wantsSnapshot = false;
      }
      const [sync, msg] = A.generateSyncMessage(o.doc, ps.sync);
      ps.sync = sync;
      if (msg) ps.peer.sendBinary(encodeSyncFrame(o.id, msg));
    }
  }

  /** The live text of a document (loading it if needed). */
  text(docId: string): string {
    return this.open(docId).doc.content;
  }

  /** Replaces the text as one change by this user (a REST write or a restore), stored and sent before returning. */
  replaceText(docId: string, text: string, userId: string): void {
    const o = this.open(docId);
    if (o.doc.content === text) return;
    const edit = textEdit(o.doc.content, text);
    o.doc = A.change(o.doc, { message: JSON.stringify({ by: userId }) }, (d) => A.splice(d, ["content"], edit.at, edit.remove, edit.insert));
    const actor = A.getActorId(o.doc);
    if (!o.actors.has(actor)) {
      o.actors.set(actor, "");
      o.newActors.push([actor, ""]);
    }
    o.dirty = true;
    o.history = undefined;
    o.saved = undefined;
    for (const id of o.peers.keys()) o.owed.add(id);
    this.flush(o);
    if (o.dirty) throw storageFailure(o.storeError) ?? new AppError("unavailable", "the document could not be saved");
  }

  /** The document's versions, newest first. */
  history(docId: string): VersionJson[] {
    const o = this.open(docId);
    const key = A.getHeads(o.doc).join(",");
    if (o.history?.key === key) return o.history.versions;
    const metas: ChangeMeta[] = A.getAllChanges(o.doc).map((c) => {
      const d = A.decodeChange(c);
      let by = o.actors.get(d.actor) ?? null;
      if (!by && d.message) {
        try {
          const m = JSON.parse(d.message) as { by?: unknown };
          if (typeof m.by === "string") by = m.by;
        } catch {
          // A client's free-text message names nobody.
        }
      }
      return { hash: d.hash ?? "", deps: d.deps, time: d.time, userId: by || null };
    });
    const versions = groupVersions(metas, (id) => this.opts.usernameOf(id));
    o.history = { key, versions };
    return versions;
  }

  /** One past version's text. */
  version(docId: string, hash: string): { version: VersionJson; content: string; current: string } {
    const version = this.history(docId).find((v) => v.hash === hash);
    if (!version) throw notFound("Version not found");
    const o = this.open(docId);
    return { version, content: A.view(o.doc, version.heads).content, current: o.doc.content };
  }

  /** Stores whatever is pending; used when the server stops. */
  flushAll(): void {
    for (const o of this.docs.values()) if (o.dirty) this.flush(o);
  }

  closeAll(): void {
    this.flushAll();
    for (const o of this.docs.values()) clearTimeout(o.idle);
    this.docs.clear();
  }
}

/**
 * One splice that turns `before` into `after`: the common prefix and suffix are kept, the middle
 * is replaced. Linear in the text (a minimal diff of two large texts is quadratic, and a 150 KB
 * rewrite took seconds that way); never splits a UTF-16 surrogate pair.
 */
export function textEdit(before: string, after: string): { at: number; remove: number; insert: string } {
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  if (p > 0 && p < max && isHigh(before.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  if (s > 0 && s < max - p && isLow(before.charCodeAt(before.length - s))) s--;
  return { at: p, remove: before.length - p - s, insert: after.slice(p, after.length - s) };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
