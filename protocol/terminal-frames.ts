// The terminal socket's messages (/api/v1/terminal), shared by the client and the server: what
// each side sends, the limits on it, and the validation of what a client sends.
//
// Binary frames carry the terminal's bytes: keystrokes from the client, output from the server.
// Text frames carry JSON control messages.

export const TERMINAL_PROTOCOL_VERSION = 1;

/** The largest frame a client may send (keystrokes, a paste is split into frames of this size). */
export const TERMINAL_MAX_FRAME_BYTES = 16 * 1024;
export const TERMINAL_MIN_SIZE = 2;
export const TERMINAL_MAX_SIZE = 1000;

export const TERMINAL_SIGNALS = ["INT", "TERM", "HUP", "KILL", "QUIT", "TSTP", "CONT"] as const;
export type TerminalSignalName = (typeof TERMINAL_SIGNALS)[number];

export type TerminalClientMessage =
  | { t: "resize"; rows: number; cols: number }
  | { t: "signal"; signal: TerminalSignalName }
  | { t: "ping"; seq: number };

export type TerminalServerMessage =
  /** The shell is there: a new one, or (resumed) the one this terminal id had, its recent output replayed first. */
  | { t: "ready"; v: number; term: string; resumed: boolean; idleCloseMinutes: number; graceSeconds: number }
  /** The shell ended (code: its exit status, a signal as -signum) or was ended by the server (code null, reason says why). */
  | { t: "exit"; code: number | null; reason: string | null }
  | { t: "pong"; seq: number }
  | { t: "error"; code: string; message: string };

/** Close codes of the terminal socket besides the standard ones. */
export const TERMINAL_CLOSE = {
  badFrame: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
  /** The shell ended; the terminal id is gone. */
  ended: 4410,
  rateLimited: 4429,
  /** Terminals cannot run on this server now (no jail, execution off). */
  unavailable: 4503,
} as const;

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** A terminal id as the server hands them out. */
export const TERMINAL_ID = /^t[a-z0-9]{8,40}$/;

export function validTerminalSize(rows: unknown, cols: unknown): boolean {
  return (
    isInt(rows) &&
    isInt(cols) &&
    rows >= TERMINAL_MIN_SIZE &&
    rows <= TERMINAL_MAX_SIZE &&
    cols >= TERMINAL_MIN_SIZE &&
    cols <= TERMINAL_MAX_SIZE
  );
}

export function parseTerminalMessage(raw: string): TerminalClientMessage | { error: string } {
  if (raw.length > TERMINAL_MAX_FRAME_BYTES) return { error: "frame too large" };
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return { error: "frame is not valid JSON" };
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return { error: "frame is not an object" };
  const m = o as Record<string, unknown>;
  switch (m.t) {
    case "resize":
      if (!validTerminalSize(m.rows, m.cols))
        return { error: `resize needs whole rows and cols between ${TERMINAL_MIN_SIZE} and ${TERMINAL_MAX_SIZE}` };
      return { t: "resize", rows: m.rows as number, cols: m.cols as number };
    case "signal":
      if (!(TERMINAL_SIGNALS as readonly unknown[]).includes(m.signal))
        return { error: `signal must be one of ${TERMINAL_SIGNALS.join(", ")}` };
      return { t: "signal", signal: m.signal as TerminalSignalName };
    case "ping":
      if (!isInt(m.seq)) return { error: "ping needs a whole seq" };
      return { t: "ping", seq: m.seq };
    default:
      return { error: `unknown message type ${JSON.stringify(m.t)}` };
  }
}
