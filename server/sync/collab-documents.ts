// Live collaboration: the open Automerge documents kept in memory, one sync state per (connection,
// document), the checks on every incoming change, persistence before acknowledgement, presence,
// writes from REST and history. Callers check the caller's role on the document first.
//
// An edit costs what the change costs: a flush stores the new Automerge chunk (durable before the
// acknowledgement) and nothing that weighs the whole document. documents.content and its search
// index follow behind, at most once per contentDelayMs per document, when the document leaves
// memory, and before anything reads them (settle), so a read never sees text older than what was
// acknowledged before it. REST writes are applied in pieces, one write per document at a time, with
// the event loop free between pieces; an Automerge failure reloads the document from the store.
import { A } from "./automerge.ts";
import { AppError, forbidden, invalid, notFound } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { SyncStore } from "../store/sync-store.ts";
import { storageFailure } from "../store/storage-errors.ts";
import {
  colourFor,
  encodeSnapshotFrames,
  encodeSyncFrame,
  syncStateAtHeads,
  type CollabDoc,
  type CursorJson,
  type VersionJson,
} from "../../protocol/collab-frames.ts";
import type { ServerMessage } from "../../protocol/ws-messages.ts";
import { groupVersions, type ChangeMeta } from "./document-history.ts";
import { decodeChunk, splitChunks } from "./change-chunks.ts";
import { diffHunks, textEdit, type Hunk } from "./line-diff.ts";
import { canEdit, type AccessRole } from "../../protocol/api-types.ts";
import { anchorRange, automergeCursors, type Anchor } from "../../protocol/comment-anchors.ts";
import { readersCannot } from "../documents/document-rules.ts";
import { sameBytes, SyncAnswers } from "./sync-answers.ts";
import { generateAtHeads, receiveAcknowledgement, receiveAtHeads } from "./heads-only-answers.ts";
import { generateFromRecent, RecentChanges } from "./recent-changes.ts";

export { textEdit };

export type CollabRole = AccessRole;

/**
 * One connection's view of a document, as the collaboration layer sees it: who it is, and how to
 * reach it. The layer calls `sendBinary` and `send` from its own flushes, never while a caller of
 * its methods waits; a peer must not throw from them (a closed socket drops the frame).
 */
export interface CollabPeer {
  /** Unique among the document's peers (a connection id). */
  id: string;
  /** The account behind it: what its role is checked against, and whose name its changes carry in the history. */
  userId: string;
  username: string;
  /** Shown on the cursor and avatar (the display name, else the username). */
  name?: string;
  /** The user's chosen colour, else one picked from their id. */
  colour?: string;
  /** An Automerge sync frame for this peer (docs/protocol.md, binary frames). */
  sendBinary(frame: Uint8Array): void;
  /** A JSON message for this peer: presence, acknowledgements, errors. */
  send(m: ServerMessage): void;
  /** Tells the peer a sync message it sent was refused (after it was taken in), and ends its connection. */
  refuse?(code: string, message: string): void;
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
  /** The Automerge document; reading it wakes a resting document and counts as activity. */
  doc: A.Doc<CollabDoc>;
  /** The document in memory, or null while it rests (its bytes in `saved`). */
  live: A.Doc<CollabDoc> | null;
  /** When the document was last used (Date.now()). */
  usedAt: number;
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
  /** The text of the stored history (what was acknowledged), kept by reference. */
  durableText: string;
  /** documents.content is older than durableText (and sync_stale_content says so). */
  contentStale: boolean;
  /** When the last stored change was made (documents.updated_at once the text is written). */
  editedAt: number;
  contentTimer: ReturnType<typeof setTimeout> | undefined;
  /** A REST write is being applied piece by piece: sync messages wait, nothing is flushed. */
  writing: boolean;
  /** Waiting sync messages are being applied, a large one change by change: new ones wait behind them. */
  applying: boolean;
  /** Sync messages (already checked) that arrived during a REST write or behind a large one, applied in order. */
  deferred: Deferred[];
  /** What Automerge answered peers in the same state at the current heads. */
  answers: SyncAnswers;
  /** The changes taken in through sync lately, so most answers need no walk over the history. */
  recent: RecentChanges;
}

interface Deferred {
  peerId: string;
  message: Uint8Array;
  decoded: A.DecodedSyncMessage;
  /** Checked and applied change by change, with the event loop free between them (role and user to check it for). */
  large: { role: CollabRole; userId: string } | null;
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
  /** How long documents.content may stay behind the stored history of an open document. */
  contentDelayMs?: number;
  /**
   * How long an open document (peers connected, nothing happening) stays in Automerge's memory
   * before it rests as its saved bytes until the next message (0: never).
   */
  restMs?: number;
}

/**
 * Documents whose text is larger than this never rest: waking one loads it again on the event
 * loop, about 4 µs per character in Automerge 2.2.9 (10 KB: 38 ms; 32 KB: about 130 ms).
 */
export const REST_MAX_TEXT_BYTES = 32 * 1024;

/** A REST write is applied in changes of at most this many UTF-16 units, the event loop free between them. */
export const WRITE_PIECE = 16_384;
/** Operations one change may hold (a character inserted or deleted is one): the editor sends larger edits as several changes. */
export const MAX_CHANGE_OPS = 4 * WRITE_PIECE;
/** A sync message carrying more bytes of changes than this is checked and applied change by change. */
export const LARGE_SYNC_BYTES = 64 * 1024;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
const sameHeads = (a: string[], b: string[]) => a.length === b.length && a.every((h, i) => h === b[i]);
/** Each document version's heads, read from Automerge once (frozen: they are shared). */
const headsCache = new WeakMap<A.Doc<CollabDoc>, string[]>();
function headsOfDoc(doc: A.Doc<CollabDoc>): string[] {
  let heads = headsCache.get(doc);
  if (!heads) headsCache.set(doc, (heads = Object.freeze(A.getHeads(doc)) as string[]));
  return heads;
}

export class CollabDocuments {
  private readonly docs = new Map<string, OpenDoc>();
  private lastDecoded: { message: Uint8Array; decoded: A.DecodedSyncMessage } | undefined;
  private readonly idleMs: number;
  private readonly compactEvery: number;
  private readonly contentDelayMs: number;
  private readonly restMs: number;
  private restTimer: ReturnType<typeof setInterval> | undefined;
  /** The tail of each document's queue of REST writes. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly store: SyncStore,
    private readonly opts: CollabOptions,
  ) {
    this.idleMs = opts.idleMs ?? 60_000;
    this.compactEvery = opts.compactEvery ?? 256;
    this.contentDelayMs = opts.contentDelayMs ?? 2_000;
    this.restMs = opts.restMs ?? 300_000;
    this.repairStaleContent();
  }

  /** After a crash, documents whose text was behind their history get it from the history. */
  private repairStaleContent(): void {
    for (const id of this.store.staleDocuments()) {
      try {
        const chunks = this.store.chunks(id);
        const doc = A.load<CollabDoc>(concat(chunks));
        this.store.writeContent(id, typeof doc.content === "string" ? doc.content : "");
        A.free(doc);
      } catch (e) {
        this.opts.log.error("rebuilding a document's text from its history failed", {
          doc: id,
          err: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  /** Documents held in memory (for metrics and tests). */
  get openCount(): number {
    return this.docs.size;
  }

  /** Open documents resting as their saved bytes (for metrics and tests). */
  get restingCount(): number {
    let n = 0;
    for (const o of this.docs.values()) if (!o.live) n++;
    return n;
  }

  /**
   * Lets open documents nobody has used for restMs rest: Automerge's copy is freed and its saved
   * bytes kept, so a document open in idle tabs costs its bytes, not Automerge's memory (about
   * 3.5 MB for a 10 KB text); the next message or read loads it again. Only a document with
   * nothing pending rests (stored, answered, no write or large message under way).
   */
  restIdle(now = Date.now()): void {
    for (const o of this.docs.values()) {
      if (!o.live || now - o.usedAt < this.restMs) continue;
      if (o.dirty || o.scheduled || o.writing || o.applying || o.deferred.length > 0 || o.owed.size > 0) continue;
      this.rest(o);
    }
  }

  /** Frees the Automerge copy of a small document and keeps its saved bytes (nothing may be pending). */
  private rest(o: OpenDoc): void {
    const live = o.live;
    // textBytes bounds the text from above (deletions count only when the text is next written)
    if (!live || o.textBytes > REST_MAX_TEXT_BYTES) return;
    try {
      // changes waiting for missing dependencies live only in memory
      if (A.getMissingDeps(live, []).length > 0) return;
      const key = A.getHeads(live).join(",");
      if (o.saved?.key !== key) o.saved = { key, bytes: A.save(live) };
      // what a newcomer is told first (the heads and a Bloom filter of every change) is kept
      o.answers = new SyncAnswers();
      o.answers.generate(live, key, A.initSyncState());
      o.live = null;
      A.free(live);
    } catch (e) {
      this.opts.log.warn("letting a document rest failed", {
        doc: o.id,
        err: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /** The document's heads, read from its saved bytes' key while it rests (without waking it). */
  private headsOf(o: OpenDoc): string[] {
    if (o.live || !o.saved) return headsOfDoc(o.doc);
    return o.saved.key === "" ? [] : o.saved.key.split(",");
  }

  private watchRest(): void {
    if (this.restMs <= 0 || this.restTimer) return;
    this.restTimer = setInterval(() => this.restIdle(), Math.min(3_600_000, Math.max(1_000, this.restMs / 2)));
    this.restTimer.unref?.();
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
      doc = A.load<CollabDoc>(concat(chunks));
      // load() leaves everything "unsaved"; what it read is stored already.
      A.saveIncremental(doc);
      actors = this.store.actors(id);
      if (typeof doc.content !== "string") throw new AppError("internal", "stored document has no text");
    }
    const o: OpenDoc = {
      id,
      live: doc,
      usedAt: Date.now(),
      get doc(): A.Doc<CollabDoc> {
        this.usedAt = Date.now();
        if (this.live) return this.live;
        // A resting document wakes from its saved bytes; everything they hold is stored already.
        const woken = A.load<CollabDoc>(this.saved!.bytes);
        A.saveIncremental(woken);
        this.live = woken;
        // a loaded document may list its history in another order than it was applied
        this.recent.reset(A.getHeads(woken));
        return woken;
      },
      set doc(d: A.Doc<CollabDoc>) {
        this.usedAt = Date.now();
        this.live = d;
      },
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
      durableText: doc.content,
      contentStale: false,
      editedAt: Date.now(),
      contentTimer: undefined,
      writing: false,
      applying: false,
      deferred: [],
      answers: new SyncAnswers(),
      recent: new RecentChanges(A.getHeads(doc)),
    };
    for (const [a, u] of newActors) o.actors.set(a, u);
    // A document whose text was changed outside the sync layer (or left behind by a crash) is
    // brought back in line with its history here.
    if (chunks.length > 0 && this.store.content(id) !== doc.content) this.store.writeContent(id, doc.content);
    this.docs.set(id, o);
    this.touchIdle(o);
    this.watchRest();
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
    if (o.writing || o.applying) {
      this.touchIdle(o);
      return;
    }
    this.flush(o);
    this.writeContent(o);
    if (o.chunks > 1 && !o.dirty) {
      try {
        // a resting document's saved bytes are that snapshot already: no need to wake it
        this.store.save(o.id, o.live ? A.save(o.live) : o.saved!.bytes, null, { compact: true });
      } catch (e) {
        this.opts.log.warn("compacting a document failed", {
          doc: o.id,
          err: e instanceof Error ? e.message : String(e),
        });
      }
    }
    if (!o.dirty && !o.contentStale) {
      this.docs.delete(o.id);
      clearTimeout(o.contentTimer);
    } else this.touchIdle(o);
  }

  /** Writes documents.content (and so the search index) up to the acknowledged text, if it is behind. */
  private writeContent(o: OpenDoc): void {
    clearTimeout(o.contentTimer);
    o.contentTimer = undefined;
    if (!o.contentStale) return;
    try {
      this.store.writeContent(o.id, o.durableText, o.editedAt);
      o.contentStale = false;
      o.textBytes = utf8(o.durableText);
    } catch (e) {
      // The history is stored; the text is written at the next read, eviction or start.
      this.opts.log.warn("writing a document's text failed", {
        doc: o.id,
        err: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /**
   * Brings the stored text of one document (or of every open document, with null) up to what was
   * acknowledged, storing first what is pending. Called before documents.content is read.
   */
  settle(docId: string | null): void {
    const targets =
      docId === null ? [...this.docs.values()] : [this.docs.get(docId)].filter((o): o is OpenDoc => o !== undefined);
    for (const o of targets) {
      if (o.dirty && !o.writing) this.flush(o);
      this.writeContent(o);
    }
  }

  /** Adds a connection to a document: it gets the server's sync message and everyone's presence. */
  join(docId: string, peer: CollabPeer): void {
    const opened = !this.docs.has(docId);
    const o = this.open(docId);
    // A document opened for a join rests at once (whatever the joiner's role): a joiner that only
    // takes the document and acknowledges it is answered from its heads (heads-only-answers.ts),
    // so a document open in quiet tabs never holds an Automerge copy; the first edit loads it again.
    if (opened && this.restMs > 0) this.rest(o);
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
    if (!o?.peers.delete(peerId)) return;
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
    if (!o.live && o.saved) return { heads: this.headsOf(o), bytes: o.saved.bytes };
    const heads = A.getHeads(o.doc);
    const key = heads.join(",");
    if (o.saved?.key !== key) o.saved = { key, bytes: A.save(o.doc) };
    return { heads, bytes: o.saved.bytes };
  }

  private presenceOf(o: OpenDoc, ps: PeerState): ServerMessage {
    const u = ps.peer;
    return {
      t: "presence",
      doc: o.id,
      peer: u.id,
      user: { id: u.userId, username: u.username, name: u.name || u.username, colour: u.colour || colourFor(u.userId) },
      cursor: ps.cursor,
    };
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
   * document's size cap. `roleOf` is asked only for a message that carries changes.
   */
  receiveSync(docId: string, peerId: string, message: Uint8Array, roleOf: CollabRole | (() => CollabRole)): void {
    const o = this.docs.get(docId);
    const ps = o?.peers.get(peerId);
    if (!o || !ps) throw new AppError("validation_failed", "join the document first");
    let decoded: A.DecodedSyncMessage;
    try {
      // with many editors most messages are acknowledgements alike, byte for byte: decoded once
      const last = this.lastDecoded;
      decoded = last && sameBytes(last.message, message) ? last.decoded : A.decodeSyncMessage(message);
      // (a copy: the socket's buffer may be reused)
      if (decoded.changes.length === 0 && last?.decoded !== decoded)
        this.lastDecoded = { message: message.slice(), decoded };
    } catch {
      throw new AppError("bad_request", "malformed sync message");
    }
    // the sender's role is asked for (and checked afresh) only when the message would change the document
    const role = decoded.changes.length === 0 ? "viewer" : typeof roleOf === "function" ? roleOf() : roleOf;
    // A message with a lot of changes (a large paste, a long offline session) is checked and applied
    // change by change with the event loop free between them; what comes after it waits its turn.
    const large =
      decoded.changes.reduce((n, c) => n + c.length, 0) > LARGE_SYNC_BYTES ? { role, userId: ps.peer.userId } : null;
    const changes =
      !large && decoded.changes.length > 0 ? this.checkChanges(o, decoded.changes, role, ps.peer.userId) : null;
    if (o.writing || o.applying || large) {
      o.deferred.push({ peerId, message, decoded, large });
      if (!o.writing && !o.applying) this.applyDeferred(o);
      return;
    }
    this.applySync(o, ps, message, decoded, changes);
  }

  /** Applies what waits, in the document's queue of writes (a REST write waits for it, and it for one). */
  private applyDeferred(o: OpenDoc): void {
    o.applying = true;
    clearTimeout(o.idle);
    void this.enqueue(o.id, async () => {
      try {
        await this.drain(o);
      } finally {
        o.applying = false;
      }
      if (this.docs.get(o.id) !== o) return;
      this.flush(o);
      this.touchIdle(o);
    }).catch((e) =>
      this.opts.log.error("applying waiting sync messages failed", {
        doc: o.id,
        err: e instanceof Error ? e.message : String(e),
      }),
    );
  }

  /** Applies the waiting sync messages in the order they came (o.applying holds new ones back meanwhile). */
  private async drain(o: OpenDoc): Promise<void> {
    while (o.deferred.length > 0) {
      if (this.docs.get(o.id) !== o) return;
      const d = o.deferred.shift()!;
      const ps = o.peers.get(d.peerId);
      if (!ps) continue;
      try {
        if (d.large) await this.applyLarge(o, d);
        else this.applySync(o, ps, d.message, d.decoded);
      } catch (e) {
        this.opts.log.warn("a waiting sync message was refused", {
          doc: o.id,
          err: e instanceof Error ? e.message : String(e),
        });
        if (d.large && e instanceof AppError) {
          // what the peer sent after it builds on what was refused
          o.deferred = o.deferred.filter((x) => x.peerId !== d.peerId);
          o.peers.get(d.peerId)?.peer.refuse?.(e.code, e.message);
        }
      }
    }
  }

  /**
   * A large sync message: every change is checked (one chunk per turn of the event loop), then the
   * message's sync state is taken in without its changes, then the changes are applied one at a
   * time, the event loop free between them; others see each change as it lands, and the sender's
   * acknowledgement follows the last one.
   */
  private async applyLarge(o: OpenDoc, d: Deferred): Promise<void> {
    let chunks: ReturnType<typeof splitChunks>;
    try {
      chunks = splitChunks(d.decoded.changes);
    } catch {
      throw new AppError("bad_request", "malformed change in sync message");
    }
    const check = this.changeCheck(o, d.large!.role, d.large!.userId);
    for (const chunk of chunks) {
      let changes: A.DecodedChange[];
      try {
        changes = decodeChunk(chunk);
      } catch {
        throw new AppError("bad_request", "malformed change in sync message");
      }
      check.add(changes);
      await this.pause(o);
    }
    check.commit();
    const ps = o.peers.get(d.peerId);
    if (!ps) return;
    // the sync state first: Automerge would otherwise apply (or re-read) all the changes at once
    const bare: A.DecodedSyncMessage = { ...d.decoded, changes: [] };
    this.applySync(o, ps, A.encodeSyncMessage(bare), bare);
    for (const chunk of chunks) {
      const before = A.getHeads(o.doc);
      try {
        if (chunk.type === "change") [o.doc] = A.applyChanges(o.doc, [chunk.bytes]);
        else o.doc = A.loadIncremental(o.doc, chunk.bytes);
      } catch (e) {
        this.recover(o, e);
        throw new AppError("bad_request", "a change in a sync message could not be applied");
      }
      if (!sameHeads(before, A.getHeads(o.doc))) this.moved(o);
      this.schedule(o);
      await this.pause(o);
    }
    o.owed.add(d.peerId);
    this.schedule(o);
  }

  /**
   * The heads moved: the document is stored at the next flush, and every peer hears of it. Unless
   * the change was recorded as recent, the recent changes start again from the new heads.
   */
  private moved(o: OpenDoc, recorded = false): void {
    if (!recorded) o.recent.reset(this.headsOf(o));
    o.dirty = true;
    o.history = undefined;
    o.saved = undefined;
    for (const id of o.peers.keys()) o.owed.add(id);
  }

  /** `changes`: the message's changes as checked, when they came as plain change chunks. */
  private applySync(
    o: OpenDoc,
    ps: PeerState,
    message: Uint8Array,
    decoded: A.DecodedSyncMessage,
    changes: A.DecodedChange[] | null = null,
  ): void {
    const peerId = ps.peer.id;
    // A peer owed an answer gets it before its next message is applied. Automerge takes a message
    // without changes whose heads equal ours as proof the peer knows our heads, and would then
    // answer nothing: a change it sent just before would never be acknowledged.
    if (o.owed.has(peerId)) this.flush(o);
    if (decoded.changes.length === 0) {
      const heads = this.headsOf(o);
      // an acknowledgement of everything (with 50 editors, 49 per edit) is taken in without
      // Automerge's walk over the history; a resting document answers what else it can from its heads
      const sync =
        o.answers.acknowledge(heads.join(","), ps.sync, message, () =>
          receiveAcknowledgement(heads, ps.sync, decoded),
        ) ?? (o.live ? undefined : receiveAtHeads(heads, ps.sync, message, decoded));
      if (sync) {
        ps.sync = sync;
        if (decoded.need.length > 0 || !sameHeads(decoded.heads, heads)) o.owed.add(peerId);
        this.schedule(o);
        return;
      }
    }
    const before = A.getHeads(o.doc);
    const fresh = changes?.filter((c) => c.hash && !A.hasHeads(o.doc, [c.hash])) ?? null;
    try {
      const [doc, sync] = o.answers.receive(o.doc, before.join(","), ps.sync, message, decoded.changes.length > 0);
      o.doc = doc;
      ps.sync = sync;
    } catch (e) {
      this.recover(o, e);
      throw new AppError("bad_request", "malformed sync message");
    }
    const after = A.getHeads(o.doc);
    const movedOn = !sameHeads(before, after);
    // a change that waits for one the document lacks (Automerge holds it back): nothing is
    // answered from the recent changes until none waits
    const waiting = decoded.changes.length > 0 && A.getMissingDeps(o.doc, []).length > 0;
    if (waiting) o.recent.reset(after, false);
    else if (movedOn && fresh) {
      const backend = A.getBackend(o.doc);
      o.recent.record(
        fresh.map((c) => ({ hash: c.hash!, deps: c.deps })),
        (h) => backend.getChangeByHash(h),
        after,
      );
    }
    if (movedOn) this.moved(o, waiting || fresh !== null);
    else if (decoded.changes.length > 0 || decoded.need.length > 0 || !sameHeads(decoded.heads, after))
      o.owed.add(peerId);
    // Otherwise it was an acknowledgement from a peer that has everything: the answer would be empty
    // (with 50 editors, that is 49 answers saved per edit).
    this.schedule(o);
  }

  /** Checks a message's changes; returns them decoded when they came as plain change chunks (not a whole document). */
  private checkChanges(o: OpenDoc, changes: Uint8Array[], role: CollabRole, userId: string): A.DecodedChange[] | null {
    let decoded: A.DecodedChange[];
    let plain: boolean;
    try {
      const chunks = splitChunks(changes);
      plain = chunks.every((c) => c.type === "change");
      decoded = chunks.flatMap(decodeChunk);
    } catch {
      throw new AppError("bad_request", "malformed change in sync message");
    }
    const check = this.changeCheck(o, role, userId);
    check.add(decoded);
    check.commit();
    return plain ? decoded : null;
  }

  /**
   * Checks the changes of one sync message, in parts (add), before any is applied (commit takes the
   * size and the actor claims in). Throws when one may not be applied.
   */
  private changeCheck(
    o: OpenDoc,
    role: CollabRole,
    userId: string,
  ): { add(decoded: A.DecodedChange[]): void; commit(): void } {
    let added = 0;
    const claims: [string, string][] = [];
    return {
      add: (decoded) => {
        for (const d of decoded) {
          // Re-sent changes the document already holds add nothing and are harmless.
          if (d.hash && A.hasHeads(o.doc, [d.hash])) continue;
          // One change is applied in one go: a larger edit comes as several (the editor cuts it in pieces).
          if (d.ops.length > MAX_CHANGE_OPS)
            throw new AppError(
              "too_large",
              `a change may hold at most ${MAX_CHANGE_OPS} operations; send a larger edit as several changes`,
            );
          if (!canEdit(role)) throw readersCannot(role, "cannot change this document");
          const owner = o.actors.get(d.actor) ?? claims.find(([a]) => a === d.actor)?.[1];
          if (owner !== undefined && owner !== userId) throw forbidden("a change carries another author's actor id");
          if (owner === undefined) claims.push([d.actor, userId]);
          for (const op of d.ops) {
            if (op.obj !== o.contentObj || (op.action !== "set" && op.action !== "del"))
              throw forbidden("a change may only edit the document's text");
            if (op.action === "set") {
              if (!(op as { insert?: boolean }).insert || typeof op.value !== "string")
                throw forbidden("a change may only edit the document's text");
              added += utf8(op.value);
            }
          }
        }
      },
      commit: () => {
        // textBytes is an upper bound (deletions are counted when the text is next written); only a
        // change that seems to pass the cap pays for an exact count.
        if (o.textBytes + added > this.opts.maxTextBytes) o.textBytes = utf8(o.doc.content);
        if (o.textBytes + added > this.opts.maxTextBytes)
          throw new AppError("too_large", `a document's text must stay within ${this.opts.maxTextBytes} bytes`);
        o.textBytes += added;
        for (const [a, u] of claims) {
          const now = o.actors.get(a);
          if (now === u) continue;
          if (now !== undefined) throw forbidden("a change carries another author's actor id");
          o.actors.set(a, u);
          o.newActors.push([a, u]);
        }
      },
    };
  }

  /** After Automerge itself threw, the in-memory document is rebuilt from what is stored. */
  private recover(o: OpenDoc, e: unknown): void {
    this.opts.log.warn("an Automerge call failed; reloading the document from the store", {
      doc: o.id,
      err: e instanceof Error ? e.message : String(e),
    });
    const peers = o.peers;
    this.docs.delete(o.id);
    clearTimeout(o.idle);
    clearTimeout(o.contentTimer);
    try {
      // A failed call may leave the handle unusable ("recursive use…"); its memory is given back if it can be.
      if (o.live) A.free(o.live);
    } catch {
      // Nothing more can be done with it.
    }
    let fresh: OpenDoc;
    try {
      fresh = this.open(o.id);
    } catch (e2) {
      // The next request loads it again; peers are told to rejoin by the error they get.
      this.opts.log.error("reloading a document failed", {
        doc: o.id,
        err: e2 instanceof Error ? e2.message : String(e2),
      });
      return;
    }
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
    // A REST write in progress flushes itself (with everything that waited) when it is done.
    if (o.writing) return;
    if (o.dirty) {
      let data: Uint8Array;
      let compact: boolean;
      try {
        compact = o.chunks >= this.compactEvery;
        const chunk = A.saveIncremental(o.doc);
        data = compact ? A.save(o.doc) : chunk;
      } catch (e) {
        // What was not stored is not acknowledged; the peers still hold it and send it again.
        this.recover(o, e);
        return;
      }
      try {
        const text = o.doc.content;
        this.store.save(o.id, data, null, { compact, actors: o.newActors, stale: !o.contentStale });
        o.chunks = compact ? 1 : o.chunks + 1;
        o.newActors = [];
        o.dirty = false;
        o.storeError = undefined;
        o.durableText = text;
        o.editedAt = Date.now();
        o.contentStale = true;
        if (!o.contentTimer) {
          o.contentTimer = setTimeout(() => this.writeContent(o), this.contentDelayMs);
          o.contentTimer.unref?.();
        }
      } catch (e) {
        o.storeError = e;
        // saveIncremental has handed out the changes this store lost; the next store must be a whole
        // snapshot, or later (acknowledged) changes would be stored on top of a missing one.
        o.chunks = this.compactEvery;
        this.opts.log.error("storing a document failed; changes are not acknowledged", {
          doc: o.id,
          err: e instanceof Error ? e.message : String(e),
        });
        return;
      }
    }
    // Only peers that sent something or have news get a message: a quiet peer's answer would be empty.
    const owed = o.owed;
    o.owed = new Set();
    const headList = owed.size > 0 ? this.headsOf(o) : [];
    const heads = headList.join(",");
    // peers in the same state get the same message: framed once
    let last: { msg: Uint8Array; frame: Uint8Array } | undefined;
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
      // a resting document answers a peer at its heads without waking
      const atHeads = o.live ? undefined : generateAtHeads(headList, ps.sync);
      const [sync, msg] =
        atHeads ??
        o.answers.generate(
          () => o.doc,
          heads,
          ps.sync,
          (state) =>
            generateFromRecent(o.recent, headList, state, o.live ? (h) => A.hasHeads(o.live!, [h]) : undefined),
        );
      ps.sync = sync;
      if (!msg) continue;
      if (last?.msg !== msg) last = { msg, frame: encodeSyncFrame(o.id, msg) };
      ps.peer.sendBinary(last.frame);
    }
  }

  /**
   * An anchor for the range [from, to) of the live text: Automerge cursors at its first and at its
   * last character, which follow those characters through every edit, and the text it covers.
   */
  anchorAt(docId: string, from: number, to: number): { start: string; last: string; quote: string } {
    const doc = this.open(docId).doc;
    if (
      !(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && to > from && to <= doc.content.length)
    ) {
      throw invalid(`the range must lie within the text (0–${doc.content.length}) and not be empty`);
    }
    return {
      start: A.getCursor(doc, ["content"], from),
      last: A.getCursor(doc, ["content"], to - 1),
      quote: doc.content.slice(from, to),
    };
  }

  /**
   * Where anchors are in the live text now: [from, to), empty (from === to) where all their text
   * was deleted, null for cursors this document does not know (yet: a client's edit not synced).
   */
  anchorsNow(docId: string, anchors: readonly Anchor[]): ({ from: number; to: number } | null)[] {
    // a document without threads is not loaded for them
    if (anchors.length === 0) return [];
    const doc = this.open(docId).doc;
    const text = automergeCursors(
      doc.content.length,
      (c) => A.getCursorPosition(doc, ["content"], c),
      (i) => A.getCursor(doc, ["content"], i),
    );
    return anchors.map((a) => anchorRange(text, a));
  }

  /**
   * Replaces the text as changes by this user (a REST write or a restore), stored and sent before
   * the promise resolves. Writes to one document run one at a time; each is applied in pieces of
   * WRITE_PIECE with the event loop free between them, and stored in one transaction at the end,
   * so a failure leaves the document as it was (reloaded from the store) and answers an error.
   */
  replaceText(docId: string, text: string, userId: string): Promise<void> {
    return this.enqueue(docId, () => this.applyText(docId, text, userId));
  }

  /** Runs `job` after the document's earlier writes (REST writes and large sync messages), one at a time. */
  private enqueue(docId: string, job: () => Promise<void>): Promise<void> {
    const prev = this.writes.get(docId) ?? Promise.resolve();
    const mine = prev.then(job);
    const tail = mine.catch(() => {});
    this.writes.set(docId, tail);
    void tail.then(() => {
      if (this.writes.get(docId) === tail) this.writes.delete(docId);
    });
    return mine;
  }

  private async applyText(docId: string, text: string, userId: string): Promise<void> {
    const o = this.open(docId);
    const before = o.doc.content;
    if (before === text) return;
    const hunks = diffHunks(before, text);
    const message = JSON.stringify({ by: userId });
    const change = (batch: Hunk[]) => {
      o.doc = A.change(o.doc, { message }, (d) => {
        for (const h of batch) A.splice(d, ["content"], h.at, h.remove, h.insert);
      });
    };
    o.writing = true;
    clearTimeout(o.idle);
    try {
      // From the last hunk to the first, so every offset still means the original text; in changes
      // of at most WRITE_PIECE units (a large hunk in several), the event loop free between them.
      let batch: Hunk[] = [];
      let size = 0;
      const send = async () => {
        if (batch.length === 0) return;
        change(batch);
        batch = [];
        size = 0;
        await this.pause(o);
      };
      for (let k = hunks.length - 1; k >= 0; k--) {
        const h = hunks[k]!;
        if (h.remove + h.insert.length <= WRITE_PIECE) {
          if (size + h.remove + h.insert.length > WRITE_PIECE || batch.length >= 256) await send();
          batch.push(h);
          size += h.remove + h.insert.length;
          continue;
        }
        await send();
        for (let left = h.remove; left > 0; ) {
          const n = Math.min(left, WRITE_PIECE);
          batch.push({ at: h.at + left - n, remove: n, insert: "" });
          left -= n;
          await send();
        }
        for (let i = 0; i < h.insert.length; ) {
          let end = Math.min(i + WRITE_PIECE, h.insert.length);
          if (end < h.insert.length && isHigh(h.insert.charCodeAt(end - 1))) end--;
          batch.push({ at: h.at + i, remove: 0, insert: h.insert.slice(i, end) });
          i = end;
          await send();
        }
      }
      if (batch.length) change(batch);
    } catch (e) {
      o.writing = false;
      if (e instanceof AppError) throw e;
      this.recover(o, e);
      throw new AppError(
        "too_large",
        "the server could not apply this change to the document's history (it is too large to hold); the document is unchanged",
      );
    }
    o.writing = false;
    const actor = A.getActorId(o.doc);
    if (!o.actors.has(actor)) {
      o.actors.set(actor, "");
      o.newActors.push([actor, ""]);
    }
    o.textBytes = utf8(text);
    this.moved(o);
    // What editors sent meanwhile goes on top, in the order it came.
    o.applying = true;
    try {
      await this.drain(o);
    } finally {
      o.applying = false;
    }
    if (this.docs.get(o.id) !== o)
      throw new AppError("unavailable", "the document was reloaded during the write; try again");
    this.flush(o);
    this.touchIdle(o);
    if (this.docs.get(o.id) !== o)
      throw new AppError("unavailable", "the document was reloaded during the write; try again");
    if (o.dirty) throw storageFailure(o.storeError) ?? new AppError("unavailable", "the document could not be saved");
  }

  /** Lets the event loop run between the pieces of a write; fails if the document left memory meanwhile. */
  private async pause(o: OpenDoc): Promise<void> {
    await nextTurn();
    if (this.docs.get(o.id) !== o)
      throw new AppError("unavailable", "the server stopped holding this document during the write; try again");
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

  /** Stores whatever is pending, and the text of every document; used when the server stops. */
  flushAll(): void {
    for (const o of this.docs.values()) {
      if (o.dirty) this.flush(o);
      this.writeContent(o);
    }
  }

  closeAll(): void {
    this.flushAll();
    for (const o of this.docs.values()) clearTimeout(o.idle), clearTimeout(o.contentTimer);
    this.docs.clear();
    clearInterval(this.restTimer);
    this.restTimer = undefined;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, at), (at += c.length);
  return all;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
