// A WebSocket client for tests: collects server messages and waits for the next one of a type.
import type { ServerMessage } from "../../protocol/ws-messages.ts";

export class Peer {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as ServerMessage;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    };
    ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason };
    };
  }
  static async open(url: string, headers: Record<string, string>): Promise<Peer> {
    const ws = new WebSocket(url, { headers } as never);
    const p = new Peer(ws);
    await new Promise<void>((res, rej) => {
      ws.onopen = () => res();
      ws.onerror = () => rej(new Error("ws error"));
    });
    return p;
  }
  send(m: unknown) {
    this.ws.send(typeof m === "string" ? m : JSON.stringify(m));
  }
  next<T extends ServerMessage["t"]>(
    t: T,
    pred: (m: Extract<ServerMessage, { t: T }>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<Extract<ServerMessage, { t: T }>> {
    const seen = this.messages.find((m) => m.t === t && pred(m as never));
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1);
      return Promise.resolve(seen as never);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${t} within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.t))}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred: (m) => m.t === t && pred(m as never),
        resolve: (m) => {
          clearTimeout(timer);
          this.messages.splice(this.messages.indexOf(m), 1);
          resolve(m as never);
        },
      });
    });
  }
  async waitClosed(timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await Bun.sleep(10);
    return this.closed;
  }
}
