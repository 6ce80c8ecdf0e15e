// A terminal WebSocket client for tests and benchmarks: collects the terminal's output as text and
// its control messages, types, and waits for what a command printed.
import type { TerminalServerMessage } from "../../protocol/terminal-frames.ts";

export class TerminalPeer {
  text = "";
  readonly messages: TerminalServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  /** Bytes received. */
  received = 0;
  /** Whether output is kept as text (a flood's consumer keeps only the count). */
  keepText = true;
  /** Called with each output frame as it arrives (timing a keystroke's echo). */
  onOutput: ((bytes: Uint8Array) => void) | null = null;
  private readonly dec = new TextDecoder();
  private constructor(readonly ws: WebSocket) {
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => {
      if (typeof e.data === "string") this.messages.push(JSON.parse(e.data) as TerminalServerMessage);
      else {
        const b = new Uint8Array(e.data as ArrayBuffer);
        this.received += b.length;
        this.onOutput?.(b);
        if (this.keepText) this.text = (this.text + this.dec.decode(b, { stream: true })).slice(-1_000_000);
      }
    };
    ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason };
    };
  }

  static async open(
    base: string,
    query: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<TerminalPeer> {
    const url = `${base.replace(/^http/, "ws")}/api/v1/terminal?${new URLSearchParams({ rows: "24", cols: "80", ...query })}`;
    const ws = new WebSocket(url, { headers } as never);
    const p = new TerminalPeer(ws);
    await new Promise<void>((res, rej) => {
      ws.onopen = () => res();
      ws.onerror = () => rej(new Error("terminal socket error"));
    });
    return p;
  }

  /** The first control message of a type (waits for it). */
  async next<T extends TerminalServerMessage["t"]>(
    t: T,
    timeoutMs = 30_000,
  ): Promise<Extract<TerminalServerMessage, { t: T }>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex((m) => m.t === t);
      if (i >= 0) return this.messages.splice(i, 1)[0] as never;
      if (Date.now() > end)
        throw new Error(
          `no ${t} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)} closed ${JSON.stringify(this.closed)}`,
        );
      if (this.closed && this.messages.every((m) => m.t !== t)) {
        await Bun.sleep(50);
        if (this.messages.every((m) => m.t !== t))
          throw new Error(`closed (${JSON.stringify(this.closed)}) without ${t}; got ${JSON.stringify(this.messages)}`);
      }
      await Bun.sleep(10);
    }
  }

  type(s: string) {
    this.ws.send(new TextEncoder().encode(s));
  }

  control(m: unknown) {
    this.ws.send(JSON.stringify(m));
  }

  /** Runs a command and resolves with what it printed between two unique markers. */
  async run(cmd: string, timeoutMs = 30_000): Promise<string> {
    const id = Math.random().toString(36).slice(2, 8);
    const from = this.text.length;
    this.type(`echo B${id}E; ${cmd}; echo E${id}E\r`);
    const re = new RegExp(`[\\r\\n]B${id}E\\r\\n([\\s\\S]*?)E${id}E\\r\\n`);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.text.slice(Math.max(0, from - 10)));
      if (m) return m[1]!.replace(/\r\n/g, "\n");
      if (this.closed || Date.now() > end)
        throw new Error(
          `no answer to ${JSON.stringify(cmd)} (closed ${JSON.stringify(this.closed)}); got ${JSON.stringify(this.text.slice(from).slice(-400))}`,
        );
      await Bun.sleep(10);
    }
  }

  async until(re: RegExp, from = 0, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.text.slice(from))) {
      if (this.closed || Date.now() > end)
        throw new Error(
          `never saw ${re} (closed ${JSON.stringify(this.closed)}); got ${JSON.stringify(this.text.slice(from).slice(-400))}`,
        );
      await Bun.sleep(10);
    }
  }

  async waitClosed(timeoutMs = 10_000) {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await Bun.sleep(10);
    return this.closed;
  }

  close() {
    this.ws.close();
  }
}
