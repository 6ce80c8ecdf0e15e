// The browser's one WebSocket to the server: reconnects with backoff, rejoins documents, and
// hands server frames to whoever listens. Its state drives the "online/offline" indicators.
import { createSignal, type Accessor } from "solid-js";
import type { ClientMessage, ServerMessage } from "../protocol/ws-messages.ts";

export type SocketState = "connecting" | "online" | "offline";

type Listener = (m: ServerMessage) => void;

export class NotebookSocket {
  private ws: WebSocket | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly joined = new Set<string>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private closedByUs = false;
  readonly state: Accessor<SocketState>;
  private readonly setState: (s: SocketState) => void;

  constructor(private readonly url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws`) {
    const [state, setState] = createSignal<SocketState>("connecting");
    this.state = state;
    this.setState = setState;
    this.connect();
    addEventListener("online", () => this.reconnectSoon(0));
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
    ws.onopen = () => {
      this.attempt = 0;
      this.setState("online");
      for (const doc of this.joined) this.raw({ t: "join", doc });
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.raw({ t: "ping", seq: Date.now() }), 25_000);
    };
    ws.onmessage = (e) => {
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

  join(doc: string): void {
    this.joined.add(doc);
    this.raw({ t: "join", doc });
  }

  leave(doc: string): void {
    this.joined.delete(doc);
    this.raw({ t: "leave", doc });
  }

  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
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
