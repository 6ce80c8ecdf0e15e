// A headless collaborator for tests and benchmarks: one WebSocket to /api/v1/ws, one Automerge
// copy of a document kept in sync with the server (starting from a snapshot, as the browser does),
// and the JSON frames it received.
import { A } from "../sync/automerge.ts";
import {
  decodeBinaryFrame,
  encodeSnapshotRequest,
  encodeSyncFrame,
  SnapshotParts,
  syncStateAtHeads,
  type CollabDoc,
} from "../../protocol/collab-frames.ts";
import type { ServerMessage } from "../../protocol/ws-messages.ts";
import { inPieces } from "../../client/collab-text-changes.ts";

/** Outgoing sync messages are coalesced to at most one per this many ms (the server rate-limits frames). */
const SEND_EVERY_MS = 30;

export class CollabTestClient {
  doc: A.Doc<CollabDoc> = A.init<CollabDoc>();
  sync: A.SyncState = A.initSyncState();
  /** The server's heads in its latest sync message: what it has stored. */
  serverHeads: string[] = [];
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  role: string | null = null;
  /** Called after every remote change is applied (benchmarks time it). */
  onRemoteChange: ((c: CollabTestClient) => void) | null = null;
  /** Binary frames received, by type (tests check which path a document took). */
  readonly received = { sync: 0, syncBytes: 0, snapshot: 0 };
  /** Waiting for the snapshot it asked for: sync frames are ignored and none are sent meanwhile. */
  awaitingSnapshot = false;
  /** How long the client's own A.load of the snapshot took (benchmarks report it). */
  snapshotLoadMs: number | null = null;
  private readonly parts = new SnapshotParts();
  private lastSent = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    readonly ws: WebSocket,
    readonly docId: string,
  ) {
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        this.messages.push(JSON.parse(e.data) as ServerMessage);
        return;
      }
      const f = decodeBinaryFrame(new Uint8Array(e.data as ArrayBuffer));
      if ("error" in f || f.doc !== this.docId || f.type === "snapshot-request") return;
      if (f.type === "snapshot") {
        this.received.snapshot++;
        const saved = this.parts.add(f);
        if (!saved || !this.awaitingSnapshot) return;
        this.awaitingSnapshot = false;
        const t0 = performance.now();
        this.doc = A.load<CollabDoc>(saved);
        this.snapshotLoadMs = performance.now() - t0;
        this.serverHeads = A.getHeads(this.doc);
        this.sync = A.decodeSyncState(syncStateAtHeads(this.serverHeads));
        this.onRemoteChange?.(this);
        this.flushSoon();
        return;
      }
      this.received.sync++;
      this.received.syncBytes += f.message.length;
      if (this.awaitingSnapshot) return;
      this.serverHeads = A.decodeSyncMessage(f.message).heads;
      const before = A.getHeads(this.doc);
      [this.doc, this.sync] = A.receiveSyncMessage(this.doc, this.sync, f.message);
      if (this.onRemoteChange && A.getHeads(this.doc).join() !== before.join()) this.onRemoteChange(this);
      this.flushSoon();
    };
    ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason };
    };
  }

  /**
   * Connects with a session cookie and joins the document; resolves once the server said "joined".
   * Unless snapshot is false, it asks for the document whole instead of its history change by change.
   */
  static async connect(
    baseUrl: string,
    cookie: string,
    docId: string,
    opts: { join?: boolean; snapshot?: boolean } = {},
  ): Promise<CollabTestClient> {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/api/v1/ws", { headers: { cookie } } as never);
    const c = new CollabTestClient(ws, docId);
    await new Promise<void>((res, rej) => {
      ws.onopen = () => res();
      ws.onerror = () => rej(new Error("websocket failed to open"));
    });
    if (opts.join !== false) {
      c.json({ t: "join", doc: docId, collab: true });
      if (opts.snapshot !== false) {
        c.awaitingSnapshot = true;
        ws.send(encodeSnapshotRequest(docId) as Uint8Array<ArrayBuffer>);
      }
      const j = await c.next("joined");
      c.role = j.role;
    }
    return c;
  }

  json(m: unknown): void {
    this.ws.send(typeof m === "string" ? m : JSON.stringify(m));
  }

  text(): string {
    return this.doc.content ?? "";
  }

  splice(index: number, del: number, insert = ""): void {
    this.doc = A.change(this.doc, (d) => A.splice(d, ["content"], index, del, insert));
    this.flushSoon();
  }

  /** Inserts `text` as the editor does a paste: changes of at most PIECE characters each. */
  paste(index: number, text: string): void {
    for (const group of inPieces([{ from: index, to: index, insert: text }])) {
      this.doc = A.change(this.doc, (d) => {
        for (const p of group) A.splice(d, ["content"], p.from, p.to - p.from, p.insert);
      });
    }
    this.flushSoon();
  }

  /** Sends the pending sync message now, bypassing the coalescing (for tests that time frames). */
  flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ws.readyState !== WebSocket.OPEN || this.awaitingSnapshot) return;
    const [s, m] = A.generateSyncMessage(this.doc, this.sync);
    this.sync = s;
    this.lastSent = Date.now();
    if (m) this.ws.send(encodeSyncFrame(this.docId, m) as Uint8Array<ArrayBuffer>);
  }

  private flushSoon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + SEND_EVERY_MS - Date.now());
    this.timer = setTimeout(() => this.flushNow(), wait);
  }

  /** True once the server's stored heads include everything this client has. */
  acknowledged(): boolean {
    const mine = A.getHeads(this.doc);
    return (
      mine.every((h) => this.serverHeads.includes(h)) ||
      (this.serverHeads.length > 0 && A.getHeads(this.doc).join() === this.serverHeads.join())
    );
  }

  next<T extends ServerMessage["t"]>(
    t: T,
    pred: (m: Extract<ServerMessage, { t: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerMessage, { t: T }>> {
    const end = Date.now() + timeoutMs;
    return (async () => {
      while (Date.now() < end) {
        const i = this.messages.findIndex((m) => m.t === t && pred(m as never));
        if (i >= 0) return this.messages.splice(i, 1)[0] as never;
        if (this.closed && t !== "error") break;
        await Bun.sleep(5);
      }
      throw new Error(
        `no ${t} frame; got ${JSON.stringify(this.messages.map((m) => m.t))}, closed ${JSON.stringify(this.closed)}`,
      );
    })();
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string } | null> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await Bun.sleep(5);
    return this.closed;
  }

  close(): void {
    clearTimeout(this.timer);
    this.ws.close();
  }
}

/** Waits until pred holds, polling. */
export async function until(pred: () => boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}
