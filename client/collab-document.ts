// One document's live copy in the browser. Its Automerge document lives in a worker
// (collab-worker.ts), synced with the server over the page's WebSocket and kept in IndexedDB for
// offline edits; this side relays frames, rebases the editor's edits against remote changes that
// crossed them, and tracks presence. The editor opens on the text it already has (the REST text):
// edits typed before the copy has loaded wait here and are applied to it once it has.
import type { ChangeSet } from "@codemirror/state";
import wasmUrl from "@automerge/automerge/automerge.wasm";
import { ChangeSet as ChangeSets } from "@codemirror/state";
import type { CursorJson, PresenceUserJson } from "../protocol/collab-frames.ts";
import type { ServerMessage } from "../protocol/ws-messages.ts";
import type { NotebookSocket } from "./notebook-socket.ts";
import { minimalChange } from "./collab-text-changes.ts";
import type { FromWorker, ToWorker } from "./collab-worker-messages.ts";
import type { Anchor } from "../protocol/comment-anchors.ts";
import { forgetAllOffline } from "./collab-offline-store.ts";

export interface RemotePresence {
  peer: string;
  user: PresenceUserJson;
  cursor: CursorJson | null;
}

/** The worker's script, built beside the page's (scripts/build.ts). */
const WORKER_URL = "/collab-worker.js";
/** How long forgetAll waits for a worker to finish with its copy before stopping it. */
const FORGET_WAIT_MS = 3000;

export class CollabDocument {
  /** Documents whose worker has not said it is done with its copy yet (open, or storing it after close). */
  private static readonly running = new Set<CollabDocument>();

  /**
   * Deletes the offline copy of every document kept in this browser: open documents stop without
   * storing anything more, a document being closed finishes its save first (a worker that does
   * not answer within FORGET_WAIT_MS is stopped), then the whole store is cleared.
   */
  static async forgetAll(): Promise<void> {
    const running = [...CollabDocument.running];
    for (const c of running) c.forget();
    await Promise.all(
      running.map(async (c) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([c.ended, new Promise<void>((r) => (timer = setTimeout(r, FORGET_WAIT_MS)))]);
        clearTimeout(timer);
        c.worker.terminate();
        CollabDocument.running.delete(c);
      }),
    );
    await forgetAllOffline();
  }

  private readonly worker: Worker;
  private readonly offs: (() => void)[] = [];
  private readonly presenceListeners = new Set<(p: RemotePresence[]) => void>();
  private readonly presence = new Map<string, RemotePresence>();
  private remoteListener: ((changes: ChangeSet) => void) | null = null;
  /** The text the editor opened with: local edits are made on it until the copy has loaded. */
  private base: string | null = null;
  private loadedText: string | null = null;
  /** How many of the worker's versions the editor's text includes. */
  private synced = 0;
  /** Local edits the worker has not applied yet, in order, each on the text after the ones before it. */
  private unconfirmed: { id: number; changes: ChangeSet }[] = [];
  private nextId = 1;
  private workerAck = { acknowledged: true, upTo: 0 };
  private lastConfirmed = 0;
  private closed = false;
  /** Resolves once the worker has the document (true), or it failed (false). */
  readonly loaded: Promise<boolean>;
  /** Resolves when the worker runs and has asked the server for the document. */
  readonly started: Promise<void>;
  private start!: () => void;
  /** Resolves when the server first answered for this document (a large copy may still take a while to load). */
  readonly heard: Promise<void>;
  private hear!: () => void;
  /** Resolves when the worker is done with its copy (after close or forget). */
  private readonly ended: Promise<void>;
  private end!: () => void;
  private settle!: (ok: boolean) => void;

  private constructor(
    readonly docId: string,
    private readonly socket: NotebookSocket,
  ) {
    this.loaded = new Promise((r) => (this.settle = r));
    this.heard = new Promise((r) => (this.hear = r));
    this.started = new Promise((r) => (this.start = r));
    this.ended = new Promise((r) => (this.end = r));
    this.worker = new Worker(WORKER_URL, { type: "module" });
    CollabDocument.running.add(this);
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => {
      console.warn("the collaboration worker failed", e.message);
      this.settle(false);
    };
  }

  /** Opens the document: the worker loads its offline copy, then joins and syncs with the server. */
  static open(docId: string, socket: NotebookSocket): CollabDocument {
    const c = new CollabDocument(docId, socket);
    c.offs.push(socket.onBinary((frame) => c.post({ t: "frame", frame })));
    c.offs.push(socket.on((m) => c.onMessage(m)));
    c.offs.push(socket.onOpen(() => c.post({ t: "online" })));
    socket.join(docId, { collab: true });
    c.post({ t: "open", docId, wasmUrl: new URL(wasmUrl, location.href).href, online: socket.state() === "online" });
    return c;
  }

  private post(m: ToWorker, transfer?: Transferable[]): void {
    if (!this.closed) this.worker.postMessage(m, transfer ?? []);
  }

  /**
   * Binds the editor: `base` is the text it opened with, `onRemote` applies changes others made
   * (on the editor's current text).
   */
  attach(base: string, onRemote: (changes: ChangeSet) => void): void {
    this.base = base;
    this.remoteListener = onRemote;
    // not inside the editor's update that created the binding
    if (this.loadedText !== null) queueMicrotask(() => this.base !== null && this.catchUp(this.loadedText!));
  }

  /** An edit made in the editor (on its text before the edit). */
  local(changes: ChangeSet): void {
    if (changes.empty) return;
    const id = this.nextId++;
    this.unconfirmed.push({ id, changes });
    if (this.loadedText !== null && this.base === null) this.sendLocal(this.unconfirmed.length - 1);
  }

  /** True once the copy has loaded and the editor's text is on it. */
  live(): boolean {
    return this.loadedText !== null && this.base === null;
  }

  /** Edits the worker has not applied yet. */
  hasLocalEdits(): boolean {
    return this.unconfirmed.length > 0;
  }

  /** True when the server has stored every local edit. */
  acknowledged(): boolean {
    return (
      this.loadedText !== null &&
      this.base === null &&
      this.unconfirmed.length === 0 &&
      this.workerAck.acknowledged &&
      this.workerAck.upTo >= this.lastConfirmed
    );
  }

  onPresence(l: (p: RemotePresence[]) => void): () => void {
    this.presenceListeners.add(l);
    l([...this.presence.values()]);
    return () => this.presenceListeners.delete(l);
  }

  setCursor(cursor: CursorJson | null): void {
    this.socket.send({ t: "presence", doc: this.docId, cursor });
  }

  private sendLocal(i: number): void {
    const u = this.unconfirmed[i]!;
    this.post({ t: "local", id: u.id, version: this.synced + i, changes: u.changes.toJSON() });
  }

  /** Applies a change made on the text at `synced` to the editor, rebasing the unconfirmed edits over it. */
  private receive(remote: ChangeSet): void {
    let r = remote;
    this.unconfirmed = this.unconfirmed.map((u) => {
      const mine = u.changes.map(r);
      r = r.map(u.changes, true);
      return { id: u.id, changes: mine };
    });
    if (!r.empty) this.remoteListener?.(r);
  }

  /** The copy has loaded with `text`: what the editor opened with and what was typed since go onto it. */
  private catchUp(text: string): void {
    const base = this.base!;
    this.base = null;
    this.receive(text === base ? ChangeSets.empty(base.length) : minimalChange(base, text));
    for (let i = 0; i < this.unconfirmed.length; i++) this.sendLocal(i);
  }

  private nextReq = 1;
  private readonly asked = new Map<number, (m: FromWorker) => void>();

  private ask(m: ToWorker & { req: number }): Promise<FromWorker> {
    return new Promise((resolve) => {
      this.asked.set(m.req, resolve);
      this.post(m);
    });
  }

  /**
   * Anchor cursors for [from, to) of the editor's text, once every local edit has reached the
   * server (so the server knows the characters they name); null if that does not happen soon.
   */
  async anchorFor(from: number, to: number, timeoutMs = 10_000): Promise<Anchor | null> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !this.closed) {
      if (this.acknowledged()) {
        const r = await this.ask({ t: "cursors", req: this.nextReq++, version: this.synced, from, to });
        if (r.t === "cursors" && r.anchor) return r.anchor;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    return null;
  }

  /** Where anchors are in the editor's text now (through edits the worker has not applied yet). */
  async rangesOf(anchors: Anchor[]): Promise<({ from: number; to: number } | null)[] | null> {
    if (!this.live()) return null;
    const r = await this.ask({ t: "ranges", req: this.nextReq++, anchors });
    if (r.t !== "ranges" || r.version !== this.synced) return null;
    // the editor's text is the worker's plus the unconfirmed edits, in order
    return r.ranges.map((x) => {
      if (!x) return null;
      let { from, to } = x;
      for (const u of this.unconfirmed) {
        from = u.changes.mapPos(from, 1);
        to = Math.max(from, u.changes.mapPos(to, -1));
      }
      return { from, to };
    });
  }

  private onWorker(m: FromWorker): void {
    switch (m.t) {
      case "cursors":
      case "ranges": {
        const r = this.asked.get(m.req);
        this.asked.delete(m.req);
        r?.(m);
        return;
      }
      case "loaded":
        this.loadedText = m.text;
        if (this.base !== null) this.catchUp(m.text);
        this.settle(true);
        return;
      case "updates": {
        let rebased = false;
        for (const u of m.updates) {
          if ("local" in u) {
            if (this.unconfirmed[0]?.id === u.local) this.unconfirmed.shift();
            this.lastConfirmed = u.local;
          } else {
            this.receive(ChangeSets.fromJSON(u.remote));
            rebased = true;
          }
          this.synced++;
        }
        // Edits sent before a remote change was seen were refused: send them again, rebased.
        if (rebased) for (let i = 0; i < this.unconfirmed.length; i++) this.sendLocal(i);
        return;
      }
      case "started":
        this.start();
        return;
      case "heard":
        this.hear();
        return;
      case "send":
        this.socket.sendBinary(m.frame);
        return;
      case "ack":
        this.workerAck = { acknowledged: m.acknowledged, upTo: m.upTo };
        return;
      case "failed":
        console.warn("live editing is unavailable:", m.message);
        this.settle(false);
        return;
      case "closed":
        CollabDocument.running.delete(this);
        this.end();
        return;
    }
  }

  private onMessage(m: ServerMessage): void {
    if (m.t === "presence" && m.doc === this.docId)
      this.presence.set(m.peer, { peer: m.peer, user: m.user, cursor: m.cursor });
    else if (m.t === "presence-left" && m.doc === this.docId) this.presence.delete(m.peer);
    else return;
    const all = [...this.presence.values()];
    for (const l of this.presenceListeners) l(all);
  }

  close(): void {
    // The worker stores its copy, then ends.
    this.stop({ t: "close" });
  }

  /** Like close, but the worker deletes its copy instead of storing it. */
  private forget(): void {
    this.stop({ t: "forget" });
  }

  private stop(m: Extract<ToWorker, { t: "close" | "forget" }>): void {
    if (this.closed) return;
    this.worker.postMessage(m);
    this.closed = true;
    for (const off of this.offs) off();
    this.socket.leave(this.docId);
  }
}
