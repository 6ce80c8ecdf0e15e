// One owner per open document: the connections in it (each a watcher of its runs, and a
// collaborator on its text when it asked to be), its kernel session and its Automerge document.
// Joining, leaving and eviction of a connection happen here and nowhere else; when the last
// connection leaves, the kernel session and the Automerge document start their idle policies
// (--kernel-idle-close; the collaboration layer's unload timer) and the owner is dropped.
import type { ServerMessage } from "../../protocol/ws-messages.ts";
import type { CursorJson } from "../../protocol/collab-frames.ts";
import type { NotebookSessions } from "../runtime/notebook-sessions.ts";
import type { CollabDocuments, CollabRole } from "../sync/collab-documents.ts";

/** A connection as a document sees it; its sends are already checked for access by the caller. */
export interface Member {
  id: string;
  userId: string;
  username: string;
  send(m: ServerMessage): void;
  sendBinary(frame: Uint8Array): void;
  /** Tells the member a message it sent was refused after it was taken in, and ends its connection. */
  refuse?(code: string, message: string): void;
}

type Session = ReturnType<NotebookSessions["get"]>;

/**
 * The owner of one open document on the WebSocket side: its connections, its kernel session and
 * its Automerge copy are joined and left together here and nowhere else, so a connection is in all
 * three or in none. Access is checked by the caller before each call.
 */
export class OpenDocument {
  /** Connections in the document, and whether each collaborates on its text (it asked to, on joining). */
  private readonly members = new Map<string, { member: Member; collab: boolean }>();

  constructor(
    readonly id: string,
    private readonly notebooks: NotebookSessions,
    private readonly collab: CollabDocuments,
  ) {}

  /** How many connections are in the document. */
  get size(): number {
    return this.members.size;
  }

  /** Whether the connection is in the document. */
  has(connId: string): boolean {
    return this.members.has(connId);
  }

  /** The document's kernel session (runs, previews with its outputs, interrupt, restart). */
  get session(): Session {
    return this.notebooks.get(this.id);
  }

  /** The connection watches the document's runs and kernel (joining again replaces its earlier member). */
  join(member: Member): Session {
    const before = this.members.get(member.id);
    this.members.set(member.id, { member, collab: before?.collab ?? false });
    return this.notebooks.join(this.id, member);
  }

  /** The member also collaborates on the text: Automerge sync and presence. */
  collaborate(member: Member): void {
    const m = this.members.get(member.id);
    if (!m) return;
    m.collab = true;
    this.collab.join(this.id, member);
  }

  /** The connection leaves the runs, the kernel's watchers and the text (a no-op when it was not in). */
  leave(connId: string): void {
    this.members.delete(connId);
    this.notebooks.leave(this.id, connId);
    this.collab.leave(this.id, connId);
  }

  /** Sends to every connection in the document (each send checks that connection's access). */
  broadcast(m: ServerMessage): void {
    for (const { member } of this.members.values()) member.send(m);
  }

  /**
   * An Automerge sync frame from the connection; `role` decides whether its changes are taken
   * (editors and owners), asked for only when the message carries changes.
   */
  receiveSync(connId: string, message: Uint8Array, role: CollabRole | (() => CollabRole)): void {
    this.collab.receiveSync(this.id, connId, message, role);
  }

  /** The connection asked for the whole document: it gets a snapshot instead of the history change by change. */
  requestSnapshot(connId: string): void {
    this.collab.requestSnapshot(this.id, connId);
  }

  /** The connection's cursor or selection (null: none), for the others' presence. */
  presence(connId: string, cursor: CursorJson | null): void {
    this.collab.presence(this.id, connId, cursor);
  }
}

/** Every open document, each created with its first connection and dropped with its last. */
export class OpenDocuments {
  private readonly docs = new Map<string, OpenDocument>();

  constructor(
    private readonly notebooks: NotebookSessions,
    private readonly collab: CollabDocuments,
  ) {}

  /** Open documents with at least one connection (for tests and metrics). */
  get openCount(): number {
    return this.docs.size;
  }

  /** The open document a connection is in, else undefined. */
  of(docId: string, connId: string): OpenDocument | undefined {
    const doc = this.docs.get(docId);
    return doc?.has(connId) ? doc : undefined;
  }

  /** The connection joins the document, which opens if it was not. */
  join(docId: string, member: Member): { doc: OpenDocument; session: Session } {
    let doc = this.docs.get(docId);
    if (!doc) {
      doc = new OpenDocument(docId, this.notebooks, this.collab);
      this.docs.set(docId, doc);
    }
    return { doc, session: doc.join(member) };
  }

  /** Sends to everyone in a document, if it is open. */
  broadcast(docId: string, m: ServerMessage): void {
    this.docs.get(docId)?.broadcast(m);
  }

  /** The connection leaves the document (it left, lost access, or closed). */
  leave(docId: string, connId: string): void {
    const doc = this.docs.get(docId);
    if (!doc) return;
    doc.leave(connId);
    if (doc.size === 0) this.docs.delete(docId);
  }

  /** A closed connection leaves every document it was in. */
  leaveAll(connId: string, docIds: Iterable<string>): void {
    for (const docId of docIds) this.leave(docId, connId);
  }

  executionStatus(): Promise<{ available: boolean; reason: string | null }> {
    return this.notebooks.executionStatus();
  }
}
