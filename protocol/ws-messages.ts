// The WebSocket protocol on /api/v1/ws between the browser and the server: versioned JSON text
// frames for joining documents, presence, live previews and shared runs (Automerge sync travels in
// the binary frames of collab-frames.ts). Every frame has a TypeBox schema here: the server decodes
// each client frame with `decodeClientFrame` and refuses anything the schemas do not describe, and
// the tests check what the server sends against the server frames' schemas.
import { type Static, type TObject, type TSchema, Type } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { AccessRoleSchema, agree, NotificationSchema, Nullable, type Same } from "./api-schemas.ts";
import type { AccessRole, NotificationJson } from "./api-types.ts";
import type { CursorJson, PresenceUserJson } from "./collab-frames.ts";
import type { BlockStatus } from "./run-frames.ts";
import { WS_MAX_PREVIEW_EDITS } from "./preview-edits.ts";

/** 2: binary Automerge sync frames and presence. */
export const WS_PROTOCOL_VERSION = 2;
/** Largest client frame the server accepts, in bytes. */
export const WS_MAX_FRAME_BYTES = 6 * 1024 * 1024;
/** Most blocks one run may name. */
export const WS_MAX_RUN_BLOCKS = 10_000;
/** Largest cursor position (a character offset) presence accepts. */
export const WS_MAX_CURSOR = 100_000_000;

/** A document id as the server hands them out. */
export const DocIdSchema = Type.String({ pattern: "^[a-z2-7]{16}$" });

// A client frame's field carries, as `errorMessage`, the refusal sent when that field is wrong.
const docOf = (t: string) => Type.String({ pattern: DocIdSchema.pattern, errorMessage: `${t} needs a document id` });
const safeInteger = (errorMessage: string) =>
  Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, errorMessage });
const position = Type.Integer({ minimum: 0, maximum: WS_MAX_CURSOR });
const runScope = <S extends "all" | "blocks">(scope: S) =>
  Type.Literal(scope, { errorMessage: "run scope must be all or blocks" });

export const CursorSchema = Type.Object({ anchor: position, head: position });

/** Every frame a client may send, one schema per message. */
export const ClientMessageSchema = Type.Union([
  /** With collab, the connection also takes part in Automerge sync (binary frames) and presence. */
  Type.Object({
    t: Type.Literal("join"),
    doc: docOf("join"),
    collab: Type.Optional(Type.Boolean({ errorMessage: "join collab must be true or false" })),
  }),
  Type.Object({ t: Type.Literal("leave"), doc: docOf("leave") }),
  /**
   * Render this source as the document's preview, with its last outputs; answered by "preview".
   * The source comes whole (`source`) or as `edits` to the source of this connection's request
   * `base` for the document, each applied to the text the ones before it left; a server that does
   * not hold that source answers "preview-base" and the client sends the whole source.
   */
  Type.Object({
    t: Type.Literal("preview"),
    doc: docOf("preview"),
    seq: safeInteger("preview needs an integer seq"),
    source: Type.String({ errorMessage: "preview needs the source text" }),
  }),
  Type.Object({
    t: Type.Literal("preview"),
    doc: docOf("preview"),
    seq: safeInteger("preview needs an integer seq"),
    base: safeInteger("preview needs the source text, or an integer base and its edits"),
    edits: Type.Array(Type.Object({ from: position, to: position, insert: Type.String() }), {
      maxItems: WS_MAX_PREVIEW_EDITS,
      errorMessage: `preview edits must be a list of at most ${WS_MAX_PREVIEW_EDITS} {from, to, insert}`,
    }),
  }),
  /** Run the document's stored source: every executed block in a fresh kernel, or some blocks in the current one. */
  Type.Object({ t: Type.Literal("run"), doc: docOf("run"), scope: runScope("all") }),
  Type.Object({
    t: Type.Literal("run"),
    doc: docOf("run"),
    scope: runScope("blocks"),
    blocks: Type.Array(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), {
      minItems: 1,
      maxItems: WS_MAX_RUN_BLOCKS,
      errorMessage: "run blocks must be a non-empty list of block indexes",
    }),
  }),
  Type.Object({ t: Type.Literal("interrupt"), doc: docOf("interrupt") }),
  Type.Object({ t: Type.Literal("restart"), doc: docOf("restart") }),
  Type.Object({ t: Type.Literal("ping"), seq: safeInteger("ping needs an integer seq") }),
  /** Where this connection's cursor or selection is in a joined document (null: none). */
  Type.Object({
    t: Type.Literal("presence"),
    doc: docOf("presence"),
    cursor: Type.Union([CursorSchema, Type.Null()], { errorMessage: "presence cursor must be {anchor, head} or null" }),
  }),
]);

export type ClientMessage = Static<typeof ClientMessageSchema>;

export interface CellStateJson {
  /** Index of the block in the parsed source the run used. */
  block: number;
  status: BlockStatus | "queued" | "running" | "not-run";
  durationMs: number | null;
  /** The kernel's execution counter when this block started ([n] as in Jupyter); null until it starts. */
  count: number | null;
  /** Rendered, sanitized outputs. */
  html: string;
  /** When the block started running (epoch ms), while it runs. */
  startedAt: number | null;
}

export interface PreviewBlockJson {
  /** Index in the parsed source. */
  block: number;
  kind: "markdown" | "code" | "display-code";
  startLine: number;
  endLine: number;
  /** Sanitized HTML of the block: rendered Markdown, or a code listing. */
  html: string;
  /** For executed blocks: the sanitized outputs of the last run of this code, and how it ended. */
  outputsHtml: string;
  status: BlockStatus | "not-run";
  durationMs: number | null;
  /** The execution counter of the run that made these outputs, when known. */
  count: number | null;
  /** Why these outputs may no longer match the code and the kernel (null: they do). */
  stale: StaleReason | null;
}

/**
 * Why an output is stale: its block's code changed since it ran ("edited"), an earlier block
 * changed or ran again after it ("upstream"), or the kernel it ran in is gone ("kernel").
 */
export type StaleReason = "edited" | "upstream" | "kernel";

export type KernelStatus = "idle" | "busy" | "starting" | "stopped";
/** Why a kernel is stopped: never started here, its namespace lost to a limit, a crash or an interrupt that had to kill it, or closed when idle. */
export type KernelStopReason = "not-started" | "limit" | "crash" | "interrupt" | "idle-close";

/** The document's kernel as everyone in it sees it. */
export interface KernelStateJson {
  status: KernelStatus;
  /** While busy: the running block (index in the parsed source), its 1-based number among executed blocks, and its first line. */
  block: { index: number; number: number; line: number } | null;
  /** Set when status is "stopped". */
  reason: KernelStopReason | null;
  /** What just happened, in words ("Kernel restarted — variables cleared"); null when nothing is worth saying. */
  message: string | null;
  /** Executions so far in this kernel: the last [n] given. */
  counter: number;
}

export type ServerMessage =
  | { t: "hello"; v: number; user: { id: string; username: string } }
  | { t: "joined"; doc: string; role: AccessRole; running: boolean }
  | {
      t: "preview";
      doc: string;
      seq: number;
      /** Every block, or with `splice` the ones between its kept prefix and suffix. */
      blocks: PreviewBlockJson[];
      problems: { line: number; message: string }[];
      splice?: PreviewSpliceJson;
    }
  /** The edits of preview `seq` apply to a source this server does not hold: send the whole source. */
  | { t: "preview-base"; doc: string; seq: number }
  | { t: "run-started"; doc: string; runId: string; by: string; blocks: number[] }
  | { t: "cell"; doc: string; runId: string; cell: CellStateJson }
  | { t: "run-finished"; doc: string; runId: string; durationMs: number; error: string | null }
  /** The kernel's state: sent after joined and to every watcher whenever it changes. */
  | { t: "kernel"; doc: string; kernel: KernelStateJson }
  /** The document's workspace files changed (an upload, a block's output); `skipped` names what a run wrote that was not kept, and why. */
  | { t: "files"; doc: string; skipped: string[] }
  /** Sent after joined: whether this server can run code at all, and if not why and what turns it on. */
  | { t: "execution"; doc: string; available: boolean; reason: string | null }
  | { t: "pong"; seq: number }
  /** The document's comments changed: fetch them again (GET /api/v1/documents/:id/comments). */
  | { t: "comments"; doc: string }
  /** Your unread count, after hello and whenever it changes, with what was just added. */
  | { t: "notifications"; unread: number; added: NotificationJson[] }
  /** Someone is in the document (sent on join, on every cursor move); the server stamps who. */
  | { t: "presence"; doc: string; peer: string; user: PresenceUserJson; cursor: CursorJson | null }
  | { t: "presence-left"; doc: string; peer: string }
  | { t: "error"; code: string; message: string; doc?: string };

const BlockStatusSchema = Type.Union([
  Type.Literal("ok"),
  Type.Literal("error"),
  Type.Literal("exit"),
  Type.Literal("interrupted"),
]);
const StaleReasonSchema = Type.Union([Type.Literal("edited"), Type.Literal("upstream"), Type.Literal("kernel")]);

export const CellStateSchema = Type.Object({
  block: Type.Integer({ minimum: 0 }),
  status: Type.Union([BlockStatusSchema, Type.Literal("queued"), Type.Literal("running"), Type.Literal("not-run")]),
  durationMs: Nullable(Type.Number()),
  count: Nullable(Type.Integer()),
  html: Type.String(),
  startedAt: Nullable(Type.Number()),
});

export const PreviewBlockSchema = Type.Object({
  block: Type.Integer({ minimum: 0 }),
  kind: Type.Union([Type.Literal("markdown"), Type.Literal("code"), Type.Literal("display-code")]),
  startLine: Type.Integer(),
  endLine: Type.Integer(),
  html: Type.String(),
  outputsHtml: Type.String(),
  status: Type.Union([BlockStatusSchema, Type.Literal("not-run")]),
  durationMs: Nullable(Type.Number()),
  count: Nullable(Type.Integer()),
  stale: Nullable(StaleReasonSchema),
});

/**
 * A preview answer that repeats most of the previous one sent on this connection for the document
 * (`of`, its seq): its first `prefix` blocks unchanged, then the answer's blocks, then its last
 * `suffix` blocks with their lines moved by `lines` and their block numbers by `blocks`.
 */
export const PreviewSpliceSchema = Type.Object({
  of: Type.Integer(),
  prefix: Type.Integer({ minimum: 0 }),
  suffix: Type.Integer({ minimum: 0 }),
  lines: Type.Integer(),
  blocks: Type.Integer(),
});
export type PreviewSpliceJson = Static<typeof PreviewSpliceSchema>;
/** One edit of a preview request: the text from `from` to `to` becomes `insert`. */
export interface PreviewEditJson {
  from: number;
  to: number;
  insert: string;
}

export const KernelStateSchema = Type.Object({
  status: Type.Union([Type.Literal("idle"), Type.Literal("busy"), Type.Literal("starting"), Type.Literal("stopped")]),
  block: Nullable(Type.Object({ index: Type.Integer(), number: Type.Integer(), line: Type.Integer() })),
  reason: Nullable(
    Type.Union([
      Type.Literal("not-started"),
      Type.Literal("limit"),
      Type.Literal("crash"),
      Type.Literal("interrupt"),
      Type.Literal("idle-close"),
    ]),
  ),
  message: Nullable(Type.String()),
  counter: Type.Integer({ minimum: 0 }),
});

export const PresenceUserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  colour: Type.String(),
});

/** Every frame the server sends, one schema per message. */
export const ServerMessageSchema = Type.Union([
  Type.Object({
    t: Type.Literal("hello"),
    v: Type.Integer(),
    user: Type.Object({ id: Type.String(), username: Type.String() }),
  }),
  Type.Object({ t: Type.Literal("joined"), doc: DocIdSchema, role: AccessRoleSchema, running: Type.Boolean() }),
  Type.Object({
    t: Type.Literal("preview"),
    doc: DocIdSchema,
    seq: Type.Integer(),
    blocks: Type.Array(PreviewBlockSchema),
    problems: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
    splice: Type.Optional(PreviewSpliceSchema),
  }),
  Type.Object({ t: Type.Literal("preview-base"), doc: DocIdSchema, seq: Type.Integer() }),
  Type.Object({
    t: Type.Literal("run-started"),
    doc: DocIdSchema,
    runId: Type.String(),
    by: Type.String(),
    blocks: Type.Array(Type.Integer({ minimum: 0 })),
  }),
  Type.Object({ t: Type.Literal("cell"), doc: DocIdSchema, runId: Type.String(), cell: CellStateSchema }),
  Type.Object({
    t: Type.Literal("run-finished"),
    doc: DocIdSchema,
    runId: Type.String(),
    durationMs: Type.Number({ minimum: 0 }),
    error: Nullable(Type.String()),
  }),
  Type.Object({ t: Type.Literal("kernel"), doc: DocIdSchema, kernel: KernelStateSchema }),
  Type.Object({ t: Type.Literal("files"), doc: DocIdSchema, skipped: Type.Array(Type.String()) }),
  Type.Object({
    t: Type.Literal("execution"),
    doc: DocIdSchema,
    available: Type.Boolean(),
    reason: Nullable(Type.String()),
  }),
  Type.Object({ t: Type.Literal("pong"), seq: Type.Integer() }),
  Type.Object({ t: Type.Literal("comments"), doc: DocIdSchema }),
  Type.Object({
    t: Type.Literal("notifications"),
    unread: Type.Integer({ minimum: 0 }),
    added: Type.Array(NotificationSchema),
  }),
  Type.Object({
    t: Type.Literal("presence"),
    doc: DocIdSchema,
    peer: Type.String(),
    user: PresenceUserSchema,
    cursor: Nullable(CursorSchema),
  }),
  Type.Object({ t: Type.Literal("presence-left"), doc: DocIdSchema, peer: Type.String() }),
  Type.Object({
    t: Type.Literal("error"),
    code: Type.String(),
    message: Type.String(),
    doc: Type.Optional(DocIdSchema),
  }),
]);

// The interfaces above and these schemas describe the same JSON: each is assignable to the other.
agree<Same<Static<typeof CursorSchema>, CursorJson>>(true);
agree<Same<Static<typeof PresenceUserSchema>, PresenceUserJson>>(true);
agree<Same<Static<typeof CellStateSchema>, CellStateJson>>(true);
agree<Same<Static<typeof PreviewBlockSchema>, PreviewBlockJson>>(true);
agree<Same<Static<typeof KernelStateSchema>, KernelStateJson>>(true);
agree<Same<Static<typeof ServerMessageSchema>, ServerMessage>>(true);

/** Each message type's schemas (run has one per scope), and a compiled check of them. */
interface FrameType {
  variants: TObject[];
  schema: TSchema;
  check: TypeCheck<TSchema>;
}

function byType(union: { anyOf: TObject[] }): Map<string, FrameType> {
  const variants = new Map<string, TObject[]>();
  for (const v of union.anyOf) {
    const t = v.properties.t!.const as string;
    variants.set(t, [...(variants.get(t) ?? []), v]);
  }
  return new Map(
    [...variants].map(([t, vs]) => {
      const schema = vs.length === 1 ? vs[0]! : Type.Union(vs);
      return [t, { variants: vs, schema, check: TypeCompiler.Compile(schema) }];
    }),
  );
}

const CLIENT_FRAMES = byType(ClientMessageSchema);

/** The schema of each server frame type, to check what the server sends. */
export const SERVER_FRAME_SCHEMAS: ReadonlyMap<string, TSchema> = new Map(
  [...byType(ServerMessageSchema)].map(([t, f]) => [t, f.schema]),
);

/** Why a client frame was refused, and the error code the server answers with. */
export interface FrameRefusal {
  code: "bad_frame" | "too_large";
  error: string;
}

const bad = (error: string): FrameRefusal => ({ code: "bad_frame", error });

/**
 * Why a frame of a known type does not fit its schema: the refusal of its first wrong field.
 * Fields are taken in the schema's order; a message type with several variants (run's scopes)
 * keeps the variants that fit the fields so far, so each field is judged by the variant it belongs to.
 */
function refusalOf(frame: FrameType, m: Record<string, unknown>): string {
  let open = frame.variants;
  const fields = [...new Set(open.flatMap((v) => Object.keys(v.properties)))];
  for (const field of fields) {
    const fitting = open.filter((v) => {
      const p = v.properties[field];
      if (!p) return true;
      if (m[field] === undefined) return !(v.required ?? []).includes(field);
      return Value.Check(p, m[field]);
    });
    if (fitting.length === 0) {
      const said = open.map((v) => v.properties[field]?.errorMessage).find((s) => typeof s === "string");
      return said ?? `${String(m.t)} has a malformed ${field}`;
    }
    open = fitting;
  }
  const e = frame.check.Errors(m).First();
  return `${String(m.t)} is malformed${e ? ` at ${e.path || "/"}: ${e.message}` : ""}`;
}

/**
 * Decodes one text frame from a client: JSON, an object, a known type, and every field as its
 * schema says. Returns the message (without fields the schema does not name) or why it was refused.
 */
export function decodeClientFrame(frame: string): ClientMessage | FrameRefusal {
  if (frame.length > WS_MAX_FRAME_BYTES) return { code: "too_large", error: "frame too large" };
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return bad("frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return bad("a frame must be a JSON object");
  const m = value as Record<string, unknown>;
  const type = typeof m.t === "string" ? CLIENT_FRAMES.get(m.t) : undefined;
  if (!type) return bad("unknown frame type");
  if (!type.check.Check(m)) return bad(refusalOf(type, m));
  return Value.Clean(type.schema, m) as ClientMessage;
}
