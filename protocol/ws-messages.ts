// The WebSocket protocol on /api/v1/ws between the browser and the server: versioned JSON text
// frames for joining documents, presence, live previews and shared runs (Automerge sync travels in
// the binary frames of collab-frames.ts). Every client frame is validated here before the server acts on it.
import type { BlockStatus } from "./run-frames.ts";
import type { CursorJson, PresenceUserJson } from "./collab-frames.ts";
import type { AccessRole, NotificationJson } from "./api-types.ts";

/** 2: binary Automerge sync frames and presence. */
export const WS_PROTOCOL_VERSION = 2;
/** Largest client frame the server accepts, in bytes. */
export const WS_MAX_FRAME_BYTES = 6 * 1024 * 1024;

export type ClientMessage =
  /** With collab, the connection also takes part in Automerge sync (binary frames) and presence. */
  | { t: "join"; doc: string; collab?: boolean }
  | { t: "leave"; doc: string }
  /** Render this source as the document's preview, with its last outputs; answered by "preview". */
  | { t: "preview"; doc: string; seq: number; source: string }
  /** Run the document's stored source: every executed block in a fresh kernel, or some blocks in the current one. */
  | { t: "run"; doc: string; scope: "all" }
  | { t: "run"; doc: string; scope: "blocks"; blocks: number[] }
  | { t: "interrupt"; doc: string }
  | { t: "restart"; doc: string }
  | { t: "ping"; seq: number }
  /** Where this connection's cursor or selection is in a joined document (null: none). */
  | { t: "presence"; doc: string; cursor: CursorJson | null };

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
      blocks: PreviewBlockJson[];
      problems: { line: number; message: string }[];
    }
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

const DOC = /^[a-z2-7]{16}$/;

/** Validates a decoded client frame; returns the message or a reason it was refused. */
export function parseClientMessage(raw: unknown): ClientMessage | { error: string } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { error: "a frame must be a JSON object" };
  const m = raw as Record<string, unknown>;
  const docOk = typeof m.doc === "string" && DOC.test(m.doc);
  switch (m.t) {
    case "ping":
      return Number.isSafeInteger(m.seq) ? { t: "ping", seq: m.seq as number } : { error: "ping needs an integer seq" };
    case "join":
      if (!docOk) return { error: "join needs a document id" };
      if (m.collab !== undefined && typeof m.collab !== "boolean")
        return { error: "join collab must be true or false" };
      return m.collab ? { t: "join", doc: m.doc as string, collab: true } : { t: "join", doc: m.doc as string };
    case "leave":
    case "interrupt":
    case "restart":
      return docOk ? { t: m.t, doc: m.doc as string } : { error: `${m.t} needs a document id` };
    case "preview":
      if (!docOk) return { error: "preview needs a document id" };
      if (!Number.isSafeInteger(m.seq)) return { error: "preview needs an integer seq" };
      if (typeof m.source !== "string") return { error: "preview needs the source text" };
      return { t: "preview", doc: m.doc as string, seq: m.seq as number, source: m.source };
    case "presence": {
      if (!docOk) return { error: "presence needs a document id" };
      if (m.cursor === null) return { t: "presence", doc: m.doc as string, cursor: null };
      const c = m.cursor as Record<string, unknown> | undefined;
      const pos = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 100_000_000;
      if (typeof c !== "object" || c === null || !pos(c.anchor) || !pos(c.head))
        return { error: "presence cursor must be {anchor, head} or null" };
      return { t: "presence", doc: m.doc as string, cursor: { anchor: c.anchor as number, head: c.head as number } };
    }
    case "run":
      if (!docOk) return { error: "run needs a document id" };
      if (m.scope === "all") return { t: "run", doc: m.doc as string, scope: "all" };
      if (m.scope === "blocks") {
        if (
          !Array.isArray(m.blocks) ||
          m.blocks.length === 0 ||
          m.blocks.length > 10_000 ||
          !m.blocks.every((b) => Number.isSafeInteger(b) && (b as number) >= 0)
        ) {
          return { error: "run blocks must be a non-empty list of block indexes" };
        }
        return { t: "run", doc: m.doc as string, scope: "blocks", blocks: m.blocks as number[] };
      }
      return { error: "run scope must be all or blocks" };
    default:
      return { error: "unknown frame type" };
  }
}
