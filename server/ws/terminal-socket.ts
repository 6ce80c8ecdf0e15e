// The terminal WebSocket /api/v1/terminal?doc=ID[&term=TID]&rows=R&cols=C: authenticates like the
// document socket (session cookie or API token, same-origin only for cookies), lets only editors
// and owners in, decodes every frame against the schemas of protocol/terminal-frames.ts and
// rate-limits them, and connects the socket to a terminal of server/terminal/ — a new one, or the
// caller's own earlier one when `term` names it.
import type { Elysia } from "elysia";
import {
  decodeTerminalFrame,
  TERMINAL_CLOSE,
  TERMINAL_ID,
  TERMINAL_MAX_FRAME_BYTES,
  TERMINAL_PROTOCOL_VERSION,
  validTerminalSize,
  type TerminalServerMessage,
} from "../../protocol/terminal-frames.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Authenticated, SessionManager } from "../auth/sessions.ts";
import type { Metrics } from "../log/metrics.ts";
import { authenticateUpgrade } from "../auth/request-credentials.ts";
import type { Terminal, TerminalClient, TerminalSessions } from "../terminal/terminal-sessions.ts";

export interface TerminalSocketDeps {
  log: Logger;
  metrics: Metrics;
  sessions: SessionManager;
  terminals: TerminalSessions;
  baseUrl: URL | null;
}

/** Frames per second on average and the burst saved up (a paste arrives as many frames at once). */
const FRAMES_PER_SECOND = 200;
const FRAME_BURST = 1000;
/** Keystroke bytes per second on average and the burst (a 1 MiB paste). */
const BYTES_PER_SECOND = 256 * 1024;
const BYTES_BURST = 1024 * 1024;
/** Input a socket may send before its terminal is ready; more is refused. */
const PENDING_MAX = 64 * 1024;

interface RawSocket {
  id: string;
  data: { request: Request };
  send(data: string): void;
  close(code?: number, reason?: string): void;
  raw: { send(data: Uint8Array): number; getBufferedAmount(): number };
}

interface Conn {
  auth: Authenticated;
  terminal: Terminal | null;
  client: TerminalClient;
  pending: (Uint8Array | string)[];
  pendingBytes: number;
  frames: number;
  bytes: number;
  refilledAt: number;
  closed: boolean;
}

const ERROR_CLOSE: Record<string, number> = {
  unauthenticated: TERMINAL_CLOSE.unauthenticated,
  forbidden: TERMINAL_CLOSE.forbidden,
  not_found: TERMINAL_CLOSE.notFound,
  rate_limited: TERMINAL_CLOSE.rateLimited,
  unavailable: TERMINAL_CLOSE.unavailable,
};

export function mountTerminalSocket(app: Elysia, d: TerminalSocketDeps): void {
  const conns = new Map<string, Conn>();

  const refuse = (ws: RawSocket, code: string, message: string) => {
    ws.send(JSON.stringify({ t: "error", code, message } satisfies TerminalServerMessage));
    ws.close(ERROR_CLOSE[code] ?? TERMINAL_CLOSE.badFrame, code);
  };

  const authenticate = (request: Request): Authenticated | string =>
    authenticateUpgrade(request, d.sessions, d.baseUrl);

  const deliver = (c: Conn, frame: Uint8Array | string) => {
    const t = c.terminal!;
    if (typeof frame !== "string") {
      t.input(frame);
      return;
    }
    const m = decodeTerminalFrame(frame);
    if ("error" in m) {
      c.client.sendJson({ t: "error", code: "bad_frame", message: m.error });
      c.client.close(TERMINAL_CLOSE.badFrame, "bad_frame");
      return;
    }
    if (m.t === "resize") t.resize(m.rows, m.cols);
    else if (m.t === "signal") t.signal(m.signal);
    else c.client.sendJson({ t: "pong", seq: m.seq });
  };

  const connect = async (ws: RawSocket, c: Conn, url: URL) => {
    const docId = url.searchParams.get("doc") ?? "";
    const termId = url.searchParams.get("term");
    const rows = Number(url.searchParams.get("rows") ?? "24");
    const cols = Number(url.searchParams.get("cols") ?? "80");
    try {
      if (!/^[\w-]{1,64}$/.test(docId)) throw new AppError("validation_failed", "doc must name a document");
      if (termId !== null && !TERMINAL_ID.test(termId))
        throw new AppError("validation_failed", "term is not a terminal id");
      if (!validTerminalSize(rows, cols))
        throw new AppError("validation_failed", "rows and cols must be whole numbers between 2 and 1000");
      c.auth = d.terminals.authorize(c.auth, docId);
      let resumed = false;
      let t: Terminal;
      if (termId) {
        t = d.terminals.find(c.auth, docId, termId);
        resumed = true;
      } else t = await d.terminals.open(c.auth, docId, { rows, cols });
      if (c.closed) {
        // the tab went away while the shell started: it stays for the grace period like any dropped one
        return;
      }
      c.terminal = t;
      c.client.sendJson({
        t: "ready",
        v: TERMINAL_PROTOCOL_VERSION,
        term: t.id,
        resumed,
        idleCloseMinutes: d.terminals.opts.idleCloseMinutes,
        graceSeconds: Math.round((d.terminals.opts.graceMs ?? 60_000) / 1000),
      } satisfies TerminalServerMessage);
      if (resumed) t.resize(rows, cols);
      t.attach(c.client, c.auth);
      for (const f of c.pending.splice(0)) deliver(c, f);
      c.pendingBytes = 0;
    } catch (e) {
      if (!(e instanceof AppError))
        d.log.error("terminal open failed", { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      refuse(ws, e instanceof AppError ? e.code : "internal", e instanceof AppError ? e.message : "Internal error");
    }
  };

  app.ws("/api/v1/terminal", {
    maxPayloadLength: TERMINAL_MAX_FRAME_BYTES + 1024,
    idleTimeout: 120,
    parse: (_ws: unknown, message: unknown) => message,
    open(ws: RawSocket) {
      const auth = authenticate(ws.data.request);
      if (typeof auth === "string") return refuse(ws, "unauthenticated", auth);
      const c: Conn = {
        auth,
        terminal: null,
        pending: [],
        pendingBytes: 0,
        frames: FRAME_BURST,
        bytes: BYTES_BURST,
        refilledAt: Date.now(),
        closed: false,
        client: {
          sendBytes: (data) => ws.raw.send(data) !== 0,
          sendJson: (m) => ws.send(JSON.stringify(m)),
          buffered: () => ws.raw.getBufferedAmount(),
          close: (code, reason) => ws.close(code, reason),
        },
      };
      conns.set(ws.id, c);
      d.metrics.openWebSockets++;
      void connect(ws, c, new URL(ws.data.request.url));
    },
    message(ws: RawSocket, message: unknown) {
      const c = conns.get(ws.id);
      if (!c) return;
      const frame: Uint8Array | string =
        typeof message === "string"
          ? message
          : message instanceof Uint8Array
            ? message
            : message instanceof ArrayBuffer
              ? new Uint8Array(message)
              : JSON.stringify(message);
      const size = typeof frame === "string" ? frame.length : frame.length;
      const now = Date.now();
      const dt = (now - c.refilledAt) / 1000;
      c.refilledAt = now;
      c.frames = Math.min(FRAME_BURST, c.frames + dt * FRAMES_PER_SECOND) - 1;
      c.bytes = Math.min(BYTES_BURST, c.bytes + dt * BYTES_PER_SECOND) - size;
      if (c.frames < 0 || c.bytes < 0) {
        c.client.sendJson({
          t: "error",
          code: "rate_limited",
          message: "too much input; slow down (the shell keeps running, reconnect to go on)",
        });
        c.client.close(TERMINAL_CLOSE.rateLimited, "rate_limited");
        return;
      }
      if (!c.terminal) {
        c.pendingBytes += size;
        if (c.pendingBytes > PENDING_MAX) {
          c.client.sendJson({ t: "error", code: "too_large", message: "too much input before the terminal was ready" });
          c.client.close(TERMINAL_CLOSE.badFrame, "too_large");
          return;
        }
        c.pending.push(frame);
        return;
      }
      deliver(c, frame);
    },
    drain(ws: RawSocket) {
      conns.get(ws.id)?.terminal?.wake();
    },
    close(ws: RawSocket) {
      const c = conns.get(ws.id);
      if (!c) return;
      conns.delete(ws.id);
      c.closed = true;
      d.metrics.openWebSockets--;
      c.terminal?.detach(c.client);
    },
  } as never);
}
