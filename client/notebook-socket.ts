// The browser's one WebSocket to the server: reconnects with backoff, rejoins documents, and
// hands server frames (JSON, and binary Automerge sync frames) to whoever listens. Its state drives
// the "online/offline" indicators.
import { createSignal, type Accessor } from "solid-js";
import type { ClientMessage, ServerMessage } from "../protocol/ws-messages.ts";

export type SocketState = "connecting" | "online" | "offline";

type Listener = (m: ServerMessage) => void;

const HEARTBEAT_EVERY_MS = 5000;
const HEARTBEAT_DEAD_MS = 12_000;
type BinaryListener = (frame: Uint8Array) => void;
type OpenListener = () => void;

export class NotebookSocket {
  private ws: WebSocket | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly binaryListeners = new Set<BinaryListener>();
  private readonly openListeners = new Set<OpenListener>();
  /** Joined documents, and whether each takes part in collaboration. */
  private readonly joined = new Map<string, boolean>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private closedByUs = false;
  readonly state: Accessor<SocketState>;
  private readonly setState: (s: SocketState) => void;

  constructor(private readonly url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws`) {
    const [state, setState] = createSignal<SocketState>("connecting");
    this.state = state;
    this.setState = setState;
    this.connect();
    addEventListener("online", () => this.reconnectSoon(0));
    // The browser knows first when the network went away; a socket may not notice for minutes.
    addEventListener("offline", () => this.dropConnection());
  }

  private connect(): void {
    clearTimeout(this.timer);
    this.setState("connecting");
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.reconnectSoon();
      return;
    }
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      this.attempt = 0;
      this.setState("online");
      for (const [doc, collab] of this.joined) this.raw(collab ? { t: "join", doc, collab } : { t: "join", doc });
      for (const l of this.openListeners) l();
      clearInterval(this.pinger);
      this.lastHeard = Date.now();
      // A heartbeat: a connection that stays silent past HEARTBEAT_DEAD_MS is treated as lost.
      this.pinger = setInterval(() => {
        if (Date.now() - this.lastHeard > HEARTBEAT_DEAD_MS) this.dropConnection();
        else this.raw({ t: "ping", seq: Date.now() });
      }, HEARTBEAT_EVERY_MS);
    };
    ws.onmessage = (e) => {
      this.lastHeard = Date.now();
      if (typeof e.data !== "string") {
        const frame = new Uint8Array(e.data as ArrayBuffer);
        for (const l of this.binaryListeners) l(frame);
        return;
      }
      let m: ServerMessage;
      try {
        m = JSON.parse(String(e.data)) as ServerMessage;
      } catch {
        return;
      }
      for (const l of this.listeners) l(m);
    };
    ws.onclose = (e) => {
      clearInterval(this.pinger);
      this.ws = null;
      if (this.closedByUs) return;
      this.setState("offline");
      // 4401: the session ended; retrying would only fail again.
      if (e.code !== 4401) this.reconnectSoon();
    };
    ws.onerror = () => {
      /* onclose follows and schedules the retry */
    };
  }

  /** After a sign-in: a socket closed because the session ended connects again, now. */
  renew(): void {
    if (this.closedByUs || this.ws) return;
    this.attempt = 0;
    this.reconnectSoon(0);
  }

  /** Gives up on the current connection at once and starts reconnecting. */
  private dropConnection(): void {
    const ws = this.ws;
    if (!ws || this.closedByUs) return;
    ws.onclose = ws.onmessage = ws.onopen = ws.onerror = null;
    this.ws = null;
    clearInterval(this.pinger);
    try {
      ws.close();
    } catch {
      // Already closing.
    }
    this.setState("offline");
    this.reconnectSoon();
  }

  private reconnectSoon(delay?: number): void {
    if (this.closedByUs || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.timer);
    const ms = delay ?? Math.min(10_000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(() => this.connect(), ms);
  }

  private raw(m: ClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(m));
    return true;
  }

  /** Sends now if connected; returns false when offline (the caller decides whether that matters). */
  send(m: ClientMessage): boolean {
    return this.raw(m);
  }

  /** Sends a binary frame now if connected. */
  sendBinary(frame: Uint8Array): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(frame as Uint8Array<ArrayBuffer>);
    return true;
  }

  /** With collab, the server also syncs the document's Automerge history and presence on this socket. */
  join(doc: string, opts: { collab?: boolean } = {}): void {
    const collab = opts.collab === true || this.joined.get(doc) === true;
    this.joined.set(doc, collab);
    this.raw(collab ? { t: "join", doc, collab } : { t: "join", doc });
  }

  leave(doc: string): void {
    this.joined.delete(doc);
    this.raw({ t: "leave", doc });
  }

  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onBinary(l: BinaryListener): () => void {
    this.binaryListeners.add(l);
    return () => this.binaryListeners.delete(l);
  }

  /** Called after every (re)connection, once the joins were re-sent. */
  onOpen(l: OpenListener): () => void {
    this.openListeners.add(l);
    return () => this.openListeners.delete(l);
  }

  close(): void {
    this.closedByUs = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.ws?.close();
  }
}

let shared: NotebookSocket | null = null;
/** The page's one socket, opened on first use. */
export function notebookSocket(): NotebookSocket {
  shared ??= new NotebookSocket();
  return shared;
}

/** The page's socket if one was opened, without opening one. */
export function peekNotebookSocket(): NotebookSocket | null {
  return shared;
}
