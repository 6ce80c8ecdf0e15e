// The WebSocket endpoint /api/v1/ws: authenticates the connection (session cookie or API token,
// same-origin only for cookies), decodes every frame against the protocol's schemas
// (protocol/ws-messages.ts), limits its rate and size, checks access to the document on every
// message and before every push, and hands each message to the owner of the open document it is
// about (open-documents.ts: its connections, kernel session and Automerge document).
import { parseSettings } from "../auth/accounts.ts";
import type { Elysia } from "elysia";
import {
  type ClientMessage,
  decodeClientFrame,
  WS_MAX_FRAME_BYTES,
  WS_PROTOCOL_VERSION,
  type ServerMessage,
} from "../../protocol/ws-messages.ts";
import { AppError } from "../errors.ts";
import { storageFailure } from "../store/storage-errors.ts";
import { CONTENT_MAX_BYTES } from "../documents/document-rules.ts";
import type { Logger } from "../log/logger.ts";
import type { Authenticated, SessionManager } from "../auth/sessions.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { NotebookSessions } from "../runtime/notebook-sessions.ts";
import type { CollabDocuments } from "../sync/collab-documents.ts";
import type { Comments } from "../documents/comments-service.ts";
import { notificationJson, type Notifications } from "../documents/notifications-service.ts";
import { OpenDocuments, type Member } from "./open-documents.ts";
import { PreviewQueue } from "./preview-queue.ts";
import { decodeBinaryFrame, SYNC_MAX_FRAME_BYTES } from "../../protocol/collab-frames.ts";
import type { Metrics } from "../log/metrics.ts";
import { authenticateUpgrade } from "../auth/request-credentials.ts";
import { canEdit } from "../../protocol/api-types.ts";
import { readersCannot } from "../documents/document-rules.ts";

/** What collaborators see of a user: their display name and colour, where they chose them. */
function profileOf(settingsJson: string): { name?: string; colour?: string } {
  const s = parseSettings(settingsJson);
  return { ...(s.displayName ? { name: s.displayName } : {}), ...(s.avatarColour ? { colour: s.avatarColour } : {}) };
}
export interface WsDeps {
  log: Logger;
  metrics: Metrics;
  sessions: SessionManager;
  documents: DocumentsService;
  notebooks: NotebookSessions;
  collab: CollabDocuments;
  comments?: Comments;
  notifications?: Notifications;
  baseUrl: URL | null;
  /** Moves whenever access may have changed (server/store/access-epoch.ts). */
  accessEpoch(): string;
}

/** Frames per second a connection may send on average, and the burst it may save up. */
const RATE_PER_SECOND = 40;
const RATE_BURST = 200;
/** Documents one connection may have joined at once. */
const MAX_JOINED = 20;
/** Access cleared for pushes is re-checked at least this often, so an expiring session is noticed too. */
const PUSH_RECHECK_MS = 5_000;
/** How often open sockets look for credentials revoked by another process. */
const REVOKE_POLL_MS = 2_000;

interface Conn {
  id: string;
  auth: Authenticated;
  joined: Set<string>;
  /** Per joined document, when (epoch, time) access was last confirmed for pushing to this connection. */
  cleared: Map<string, { epoch: string; at: number }>;
  /** One preview renders at a time per connection; meanwhile only the latest request per document waits. */
  previews: PreviewQueue;
  tokens: number;
  refilledAt: number;
  send(m: ServerMessage): void;
  sendBinary(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

interface RawSocket {
  id: string;
  data: { request: Request };
  send(data: string): void;
  close(code?: number, reason?: string): void;
  raw: { send(data: Uint8Array): number };
}

const SESSION_ENDED = { code: "unauthenticated", message: "Your session ended; sign in again" } as const;

const authenticate = (request: Request, d: WsDeps): Authenticated | string =>
  authenticateUpgrade(request, d.sessions, d.baseUrl);

export function mountWebSocket(app: Elysia, d: WsDeps): void {
  const conns = new Map<string, Conn>();
  const docs = new OpenDocuments(d.notebooks, d.collab);
  let counter = 0;

  /**
   * Closes the sockets whose credentials no longer hold (a password change revokes sessions and
   * tokens): at once for changes in this process, within REVOKE_POLL_MS for the `pymd user` CLI.
   */
  const closeRevoked = (userId?: string) => {
    for (const c of conns.values()) {
      if (userId !== undefined && c.auth.user.id !== userId) continue;
      if (d.sessions.revalidate(c.auth)) continue;
      sendError(c, SESSION_ENDED, undefined);
    }
  };
  d.sessions.onRevoked((userId) => closeRevoked(userId));
  d.comments?.onChange((docId) => docs.broadcast(docId, { t: "comments", doc: docId }));
  d.notifications?.onNotify((userId, added) => {
    let unread: number | null = null;
    for (const c of conns.values()) {
      if (c.auth.user.id !== userId) continue;
      unread ??= d.notifications!.unread(userId);
      c.send({ t: "notifications", unread, added: added.map(notificationJson) });
    }
  });
  let revokePoll: ReturnType<typeof setInterval> | null = null;
  let polledEpoch = "";
  const pollRevocations = () => {
    if (conns.size === 0) {
      if (revokePoll) clearInterval(revokePoll);
      revokePoll = null;
      return;
    }
    if (!revokePoll) {
      polledEpoch = d.accessEpoch();
      revokePoll = setInterval(() => {
        try {
          const epoch = d.accessEpoch();
          if (epoch !== polledEpoch) closeRevoked();
          polledEpoch = epoch;
        } catch {
          // The database is closing with the server; the sockets close with it.
        }
      }, REVOKE_POLL_MS);
      revokePoll.unref?.();
    }
  };

  /** A failure in words a client may read: an AppError as it is, a storage failure as such, anything else logged under `what` as an internal error. */
  const failureOf = (e: unknown, what: string): AppError => {
    if (e instanceof AppError) return e;
    const storage = storageFailure(e);
    d.log.error(storage ? "storage failure" : what, { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    return storage ?? new AppError("internal", "Internal error");
  };

  /**
   * The one way a failure reaches the client: an error frame, naming the document it concerns. An
   * ended session also ends the socket (4401); with `close`, so does any other failure (4403 when
   * forbidden, else 4400).
   */
  const sendError = (c: Conn, f: { code: string; message: string }, docId: string | undefined, close = false) => {
    c.send({ t: "error", code: f.code, message: f.message, ...(docId === undefined ? {} : { doc: docId }) });
    if (f.code === "unauthenticated") c.close(4401, "unauthenticated");
    else if (close) c.close(f.code === "forbidden" ? 4403 : 4400, f.code);
  };

  /** A frame that breaks the protocol (malformed, too large, too many): an error frame and a close. */
  const fail = (c: Conn, code: string, message: string) => sendError(c, { code, message }, undefined, true);

  /** Takes the document away from a connection that lost access to it; a disabled user or ended session loses the socket. */
  const revoke = (c: Conn, docId: string, e: unknown) => {
    leave(c, docId);
    sendError(c, failureOf(e, "access check before a push failed"), docId);
  };

  /**
   * Confirms the connection may still read the document. Access confirmed once is trusted until the
   * access epoch moves (a membership, trash, role, disable or session change, here or from the CLI)
   * or PUSH_RECHECK_MS passes; then it is checked again like an incoming frame (and throws as one).
   */
  const clear = (c: Conn, docId: string): void => {
    const epoch = d.accessEpoch();
    const now = Date.now();
    const ok = c.cleared.get(docId);
    if (ok && ok.epoch === epoch && now - ok.at < PUSH_RECHECK_MS) return;
    access(c, docId);
    c.cleared.set(docId, { epoch, at: now });
  };

  /** Whether a push about this document may still go to the connection (see clear). */
  const mayPush = (c: Conn, docId: string): boolean => {
    if (!c.joined.has(docId)) return false;
    try {
      clear(c, docId);
      return true;
    } catch (e) {
      revoke(c, docId, e);
      return false;
    }
  };

  /** The connection as the document sees it: every push is checked first. */
  const memberOf = (c: Conn, docId: string): Member => ({
    id: c.id,
    userId: c.auth.user.id,
    username: c.auth.user.username,
    ...profileOf(c.auth.user.settings),
    send: (m) => void (mayPush(c, docId) && c.send(m)),
    sendBinary: (f) => void (mayPush(c, docId) && c.sendBinary(f)),
    refuse: (code, message) => sendError(c, { code, message }, docId, true),
  });

  /** Re-checks the user and their role on the document for every message: access can change mid-session. */
  const access = (c: Conn, docId: string) => {
    const fresh = d.sessions.revalidate(c.auth);
    if (!fresh) throw new AppError("unauthenticated", SESSION_ENDED.message);
    c.auth = fresh;
    return d.documents.access(fresh.user, docId);
  };

  /**
   * The open document a message is about, with the sender's access to it checked afresh: every
   * message about a document but join and leave goes through here, so the connection must have
   * joined the document first.
   */
  const joined = (c: Conn, docId: string) => {
    const open = c.joined.has(docId) ? docs.of(docId, c.id) : undefined;
    if (!open) throw new AppError("validation_failed", "join the document first");
    return { open, ...access(c, docId) };
  };

  const join = (c: Conn, docId: string, collab: boolean) => {
    const { role } = access(c, docId);
    if (!c.joined.has(docId) && c.joined.size >= MAX_JOINED)
      throw new AppError("validation_failed", `at most ${MAX_JOINED} documents per connection`);
    c.joined.add(docId);
    c.cleared.delete(docId);
    const member = memberOf(c, docId);
    const { doc: open, session } = docs.join(docId, member);
    // "joined" comes before the collaboration layer's first frames
    c.send({ t: "joined", doc: docId, role, running: session.isRunning });
    if (collab) open.collaborate(member);
    void docs.executionStatus().then((ex) => {
      if (c.joined.has(docId)) c.send({ t: "execution", doc: docId, ...ex });
    });
  };

  const leave = (c: Conn, docId: string) => {
    c.joined.delete(docId);
    c.cleared.delete(docId);
    c.previews.drop(docId);
    docs.leave(docId, c.id);
  };

  /** A binary frame is an Automerge sync message or a snapshot request; anything wrong with one ends the connection. */
  const handleBinary = (c: Conn, frame: Uint8Array) => {
    const f = decodeBinaryFrame(frame, SYNC_MAX_FRAME_BYTES);
    if ("error" in f) return fail(c, f.error === "frame too large" ? "too_large" : "bad_frame", f.error);
    if (f.type === "snapshot") return fail(c, "bad_frame", "snapshots travel from the server only");
    try {
      if (f.type === "snapshot-request") return joined(c, f.doc).open.requestSnapshot(c.id);
      const open = c.joined.has(f.doc) ? docs.of(f.doc, c.id) : undefined;
      if (!open) throw new AppError("validation_failed", "join the document first");
      // A sync message without changes (an acknowledgement: most of them, one per editor per
      // edit) is trusted as far as a push is; one that carries changes is checked afresh.
      clear(c, f.doc);
      open.receiveSync(c.id, f.message, () => joined(c, f.doc).role);
    } catch (e) {
      sendError(c, failureOf(e, "sync frame failed"), f.doc, true);
    }
  };

  /** Renders one preview request for the connection and answers it, or says why not. */
  const renderPreview = async (c: Conn, docId: string, seq: number, source: string) => {
    try {
      // Access may have gone while the request waited.
      const p = await joined(c, docId).open.session.preview(source);
      d.metrics.previews.rendered++;
      if (c.joined.has(docId)) {
        const { blocks, splice } = c.previews.answer(docId, seq, p.blocks);
        c.send({ t: "preview", doc: docId, seq, blocks, problems: p.problems, ...(splice ? { splice } : {}) });
      }
    } catch (e) {
      sendError(c, failureOf(e, "preview failed"), docId);
    }
  };

  /** Acts on one decoded message; what it may do is checked here, per message. */
  const dispatch = async (c: Conn, msg: ClientMessage) => {
    if (msg.t === "ping") return c.send({ t: "pong", seq: msg.seq });
    if (msg.t === "join") return join(c, msg.doc, msg.collab === true);
    if (msg.t === "leave") return leave(c, msg.doc);
    const { open, doc, role } = joined(c, msg.doc);
    switch (msg.t) {
      case "presence":
        return open.presence(c.id, msg.cursor);
      case "preview": {
        const source = c.previews.sourceOf(msg.doc, msg.seq, msg);
        if (source === null) return c.send({ t: "preview-base", doc: msg.doc, seq: msg.seq });
        if (source.length * 3 > CONTENT_MAX_BYTES && Buffer.byteLength(source, "utf8") > CONTENT_MAX_BYTES) {
          c.previews.drop(msg.doc);
          throw new AppError("too_large", `a preview's source must be at most ${CONTENT_MAX_BYTES} bytes`);
        }
        return c.previews.request(msg.doc, msg.seq, source);
      }
      case "run": {
        if (!canEdit(role)) throw readersCannot(role, "cannot run code");
        const docId = msg.doc;
        // Runs finish on their own time; this connection keeps answering meanwhile.
        void open.session
          .run(memberOf(c, docId), doc.content, msg.scope === "all" ? { all: true } : { blocks: msg.blocks })
          .catch((e) => sendError(c, failureOf(e, "run failed"), docId));
        return;
      }
      case "interrupt":
        if (!canEdit(role)) throw readersCannot(role, "cannot control the kernel");
        return open.session.interrupt();
      case "restart":
        if (!canEdit(role)) throw readersCannot(role, "cannot control the kernel");
        return open.session.restart();
    }
  };

  /** One text frame: decoded against the protocol's schemas (anything else ends the connection), then acted on. */
  const handleText = async (c: Conn, frame: string) => {
    const msg = decodeClientFrame(frame);
    if ("error" in msg) return fail(c, msg.code, msg.error);
    try {
      await dispatch(c, msg);
    } catch (e) {
      sendError(c, failureOf(e, "ws handler failed"), "doc" in msg ? msg.doc : undefined);
    }
  };

  app.ws("/api/v1/ws", {
    maxPayloadLength: WS_MAX_FRAME_BYTES,
    idleTimeout: 120,
    // Frames are decoded here, not by the framework, so malformed ones get a proper answer.
    parse: (_ws: unknown, message: unknown) => message,
    open(ws: RawSocket) {
      const auth = authenticate(ws.data.request, d);
      if (typeof auth === "string") {
        ws.send(JSON.stringify({ t: "error", code: "unauthenticated", message: auth } satisfies ServerMessage));
        ws.close(4401, "unauthenticated");
        return;
      }
      const id = `ws${(++counter).toString(36)}`;
      const c: Conn = {
        id,
        auth,
        joined: new Set(),
        cleared: new Map(),
        previews: new PreviewQueue(d.metrics, (docId, seq, source) => renderPreview(c, docId, seq, source)),
        tokens: RATE_BURST,
        refilledAt: Date.now(),
        send: (m) => ws.send(JSON.stringify(m)),
        // ElysiaWS.send would JSON-encode a Uint8Array; the raw socket sends it as a binary frame.
        // A frame the socket dropped (over its backpressure limit) leaves the peer's sync state
        // believing it was delivered; closing makes the client reconnect and sync afresh.
        sendBinary: (f) => {
          if (ws.raw.send(f) === 0) ws.close(1013, "too far behind");
        },
        close: (code, reason) => ws.close(code, reason),
      };
      conns.set(ws.id, c);
      d.metrics.openWebSockets++;
      pollRevocations();
      c.send({ t: "hello", v: WS_PROTOCOL_VERSION, user: { id: auth.user.id, username: auth.user.username } });
      if (d.notifications) c.send({ t: "notifications", unread: d.notifications.unread(auth.user.id), added: [] });
    },
    message(ws: RawSocket, message: unknown) {
      const c = conns.get(ws.id);
      if (!c) return;
      const now = Date.now();
      c.tokens = Math.min(RATE_BURST, c.tokens + ((now - c.refilledAt) / 1000) * RATE_PER_SECOND);
      c.refilledAt = now;
      if (c.tokens < 1) return fail(c, "rate_limited", "too many frames; slow down");
      c.tokens -= 1;
      if (message instanceof Uint8Array) handleBinary(c, message);
      else if (message instanceof ArrayBuffer) handleBinary(c, new Uint8Array(message));
      else void handleText(c, typeof message === "string" ? message : String(JSON.stringify(message)));
    },
    close(ws: RawSocket) {
      const c = conns.get(ws.id);
      if (!c) return;
      conns.delete(ws.id);
      d.metrics.openWebSockets--;
      pollRevocations();
      c.previews.clear();
      docs.leaveAll(c.id, c.joined);
    },
  } as never);
}
