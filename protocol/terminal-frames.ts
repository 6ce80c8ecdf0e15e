// The terminal socket's messages (/api/v1/terminal), shared by the client and the server: what
// each side sends, the limits on it, one TypeBox schema per message, and the decoder of what a
// client sends.
//
// Binary frames carry the terminal's bytes: keystrokes from the client, output from the server.
// Text frames carry JSON control messages.
import { type Static, type TObject, type TSchema, Type } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";

export const TERMINAL_PROTOCOL_VERSION = 1;

/** The largest frame a client may send (keystrokes, a paste is split into frames of this size). */
export const TERMINAL_MAX_FRAME_BYTES = 16 * 1024;
export const TERMINAL_MIN_SIZE = 2;
export const TERMINAL_MAX_SIZE = 1000;

export const TERMINAL_SIGNALS = ["INT", "TERM", "HUP", "KILL", "QUIT", "TSTP", "CONT"] as const;
export type TerminalSignalName = (typeof TERMINAL_SIGNALS)[number];

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

/** A terminal id as the server hands them out. */
export const TERMINAL_ID = /^t[a-z0-9]{8,40}$/;

/**
 * The schema of every frame on this socket; a client frame's field carries, as `errorMessage`, the
 * refusal sent when that field is wrong. Built in a call the bundler may drop, so the browser,
 * which takes only this module's constants, loads no TypeBox.
 */
export const TerminalSchemas = /* @__PURE__ */ (() => {
  const size = Type.Integer({
    minimum: TERMINAL_MIN_SIZE,
    maximum: TERMINAL_MAX_SIZE,
    errorMessage: `resize needs whole rows and cols between ${TERMINAL_MIN_SIZE} and ${TERMINAL_MAX_SIZE}`,
  });
  const client = Type.Union([
    Type.Object({ t: Type.Literal("resize"), rows: size, cols: size }),
    Type.Object({
      t: Type.Literal("signal"),
      signal: Type.Union(
        TERMINAL_SIGNALS.map((s) => Type.Literal(s)),
        { errorMessage: `signal must be one of ${TERMINAL_SIGNALS.join(", ")}` },
      ),
    }),
    Type.Object({ t: Type.Literal("ping"), seq: Type.Integer({ errorMessage: "ping needs a whole seq" }) }),
  ]);
  const server = Type.Union([
    /** The shell is there: a new one, or (resumed) the one this terminal id had, its recent output replayed first. */
    Type.Object({
      t: Type.Literal("ready"),
      v: Type.Integer(),
      term: Type.String({ pattern: TERMINAL_ID.source }),
      resumed: Type.Boolean(),
      idleCloseMinutes: Type.Number({ minimum: 0 }),
      graceSeconds: Type.Integer({ minimum: 0 }),
    }),
    /** The shell ended (code: its exit status, a signal as -signum) or was ended by the server (code null, reason says why). */
    Type.Object({
      t: Type.Literal("exit"),
      code: Type.Union([Type.Integer(), Type.Null()]),
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Object({ t: Type.Literal("pong"), seq: Type.Integer() }),
    Type.Object({ t: Type.Literal("error"), code: Type.String(), message: Type.String() }),
  ]);
  return { size, client, server };
})();

export type TerminalClientMessage = Static<typeof TerminalSchemas.client>;
export type TerminalServerMessage = Static<typeof TerminalSchemas.server>;

/** The client frames' compiled checks by type, and a terminal size's; compiled on first use. */
let checks: { byType: Map<string, { schema: TObject; check: TypeCheck<TObject> }>; size: TypeCheck<TSchema> } | null =
  null;
const compiled = () =>
  (checks ??= {
    byType: new Map(
      TerminalSchemas.client.anyOf.map((s: TObject) => [
        s.properties.t!.const as string,
        { schema: s, check: TypeCompiler.Compile(s) },
      ]),
    ),
    size: TypeCompiler.Compile(TerminalSchemas.size),
  });

export function validTerminalSize(rows: unknown, cols: unknown): boolean {
  const { size } = compiled();
  return size.Check(rows) && size.Check(cols);
}

/**
 * Decodes one text frame from a client: JSON, an object, a known type, every field as its schema
 * says. Returns the message or why it was refused (the refusal of its first wrong field).
 */
export function decodeTerminalFrame(raw: string): TerminalClientMessage | { error: string } {
  if (raw.length > TERMINAL_MAX_FRAME_BYTES) return { error: "frame too large" };
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return { error: "frame is not valid JSON" };
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return { error: "frame is not an object" };
  const m = o as Record<string, unknown>;
  const t = m.t;
  const type = typeof t === "string" ? compiled().byType.get(t) : undefined;
  if (!type) return { error: `unknown message type ${JSON.stringify(t)}` };
  if (type.check.Check(m)) {
    // only the fields the schema names
    return Object.fromEntries(Object.keys(type.schema.properties).map((k) => [k, m[k]])) as TerminalClientMessage;
  }
  const field = type.check.Errors(m).First()?.path.split("/")[1] ?? "";
  const said: unknown = type.schema.properties[field]?.errorMessage;
  return { error: typeof said === "string" ? said : `${t} is malformed` };
}
