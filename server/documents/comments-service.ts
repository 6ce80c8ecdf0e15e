// Comments anchored in a document's text: threads with replies, edit and delete of one's own,
// resolve and reopen, @mentions. Owners, editors and commenters write; viewers read; nobody
// without access learns a thread exists. Anchors are Automerge cursors held by the sync layer
// (AnchorIndex): a thread follows its text through every edit, and says so when that text is gone.
import type { CommentJson, CommentThreadJson } from "../../protocol/api-types.ts";
import { canComment } from "../../protocol/api-types.ts";
import { CURSOR_PATTERN } from "../../protocol/comment-anchors.ts";
import { parseSettings, USERNAME_PATTERN } from "../auth/accounts.ts";
import { conflict, forbidden, invalid, notFound } from "../errors.ts";
import type { CommentRow, CommentsStore, ThreadRow } from "../store/comments-store.ts";
import type { UserRow, UsersStore } from "../store/users-store.ts";
import type { DocumentsService } from "./documents-service.ts";
import type { Notifications } from "./notifications-service.ts";
import { readersCannot } from "./document-rules.ts";

export const COMMENT_MAX = 10_000;
export const QUOTE_MAX = 500;
export const THREADS_PER_DOCUMENT_MAX = 2_000;
export const COMMENTS_PER_THREAD_MAX = 500;

/** Where anchors live: the document's shared text (server/sync/collab-documents.ts). */
export interface AnchorIndex {
  anchorAt(docId: string, from: number, to: number): { start: string; last: string; quote: string };
  anchorsNow(
    docId: string,
    anchors: readonly { start: string; last: string }[],
  ): ({ from: number; to: number } | null)[];
}

const MENTION = /(^|[^\w@.-])@([a-zA-Z0-9][a-zA-Z0-9_.-]{0,31})/g;

/** The usernames a comment mentions, in order, once each (a trailing "." ends a sentence, not a name). */
export function mentionsIn(body: string): string[] {
  const out = new Set<string>();
  for (const m of body.matchAll(MENTION)) {
    const name = m[2]!.replace(/[.-]+$/, "");
    if (USERNAME_PATTERN.test(name)) out.add(name);
  }
  return [...out];
}

function checkBody(body: unknown): string {
  if (typeof body !== "string") throw invalid("body must be a string", { body: "invalid" });
  const b = body
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "")
    .trim();
  if (b.length < 1 || b.length > COMMENT_MAX)
    throw invalid(`a comment must be 1–${COMMENT_MAX} characters`, { body: "length" });
  return b;
}

const asObject = (b: unknown): Record<string, unknown> => {
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw invalid("the body must be a JSON object");
  return b as Record<string, unknown>;
};

export class Comments {
  private readonly listeners = new Set<(docId: string) => void>();

  constructor(
    private readonly store: CommentsStore,
    private readonly documents: DocumentsService,
    private readonly users: UsersStore,
    private readonly anchors: AnchorIndex,
    private readonly notifications: Notifications,
  ) {}

  /** Called after any change to a document's comments (the WebSocket layer tells who is in it). */
  onChange(l: (docId: string) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(docId: string): void {
    for (const l of this.listeners) l(docId);
  }

  private writer(user: UserRow, docId: string) {
    const a = this.documents.access(user, docId);
    if (!canComment(a.role)) throw readersCannot(a.role, "can read comments but not write them");
    return a;
  }

  private threadOf(docId: string, threadId: string): ThreadRow {
    const t = this.store.thread(threadId);
    if (!t || t.documentId !== docId) throw notFound("Comment thread not found");
    return t;
  }

  private commentJson(c: CommentRow): CommentJson {
    const name = c.authorSettings ? parseSettings(c.authorSettings).displayName : "";
    return {
      id: c.id,
      author:
        c.authorId && c.authorName ? { id: c.authorId, username: c.authorName, name: name || c.authorName } : null,
      body: c.body,
      createdAt: new Date(c.createdAt).toISOString(),
      editedAt: c.editedAt === null ? null : new Date(c.editedAt).toISOString(),
      mentions: mentionsIn(c.body),
    };
  }

  private threadJson(
    t: ThreadRow,
    comments: CommentRow[],
    range: { from: number; to: number } | null,
  ): CommentThreadJson {
    const resolver = t.resolvedBy ? this.users.byId(t.resolvedBy) : null;
    return {
      id: t.id,
      anchor: { start: t.anchorStart, last: t.anchorLast },
      range,
      onDeletedText: range !== null && range.from === range.to,
      quote: t.quote,
      createdAt: new Date(t.createdAt).toISOString(),
      resolved:
        t.resolvedAt === null ? null : { at: new Date(t.resolvedAt).toISOString(), by: resolver?.username ?? null },
      comments: comments.map((c) => this.commentJson(c)),
    };
  }

  /** Every thread of the document with where its text is now; readers of every role see them. */
  list(user: UserRow, docId: string): { threads: CommentThreadJson[] } {
    this.documents.access(user, docId);
    const all = this.store.threadsOf(docId);
    const ranges = this.anchors.anchorsNow(
      docId,
      all.map(({ thread }) => ({ start: thread.anchorStart, last: thread.anchorLast })),
    );
    return { threads: all.map(({ thread, comments }, i) => this.threadJson(thread, comments, ranges[i] ?? null)) };
  }

  /**
   * The threads a public page shows (its owner chose to): open ones only, with names, no
   * account ids and no anchors.
   */
  publicList(docId: string): CommentThreadJson[] {
    const all = this.store.threadsOf(docId).filter(({ thread }) => thread.resolvedAt === null);
    const ranges = this.anchors.anchorsNow(
      docId,
      all.map(({ thread }) => ({ start: thread.anchorStart, last: thread.anchorLast })),
    );
    return all.map(({ thread, comments }, i) => {
      const j = this.threadJson(thread, comments, ranges[i] ?? null);
      // words deleted from the document do not live on in the public page through a quote
      return {
        ...j,
        quote: j.onDeletedText ? "" : j.quote,
        anchor: { start: "", last: "" },
        comments: j.comments.map((c) => ({
          ...c,
          author: c.author ? { id: "", username: c.author.username, name: c.author.name } : null,
        })),
      };
    });
  }

  private one(docId: string, threadId: string): CommentThreadJson {
    const t = this.threadOf(docId, threadId);
    const comments = this.store.commentsOf(threadId);
    const [range] = this.anchors.anchorsNow(docId, [{ start: t.anchorStart, last: t.anchorLast }]);
    return this.threadJson(t, comments, range ?? null);
  }

  /**
   * A new thread on a range: `anchor` is {from, to} in the server's text, or the cursors {start,
   * last} a client took from its own copy (refused with 409 until its edits have reached the server).
   */
  create(user: UserRow, docId: string, raw: unknown): CommentThreadJson {
    const { doc } = this.writer(user, docId);
    const b = asObject(raw);
    const body = checkBody(b.body);
    const a = b.anchor as Record<string, unknown> | undefined;
    if (typeof a !== "object" || a === null)
      throw invalid("anchor must be {from, to} or {start, last}", { anchor: "invalid" });
    let start: string;
    let last: string;
    let quote: string;
    if (typeof a.start === "string" && typeof a.last === "string") {
      if (!CURSOR_PATTERN.test(a.start) || !CURSOR_PATTERN.test(a.last))
        throw invalid("anchor cursors must be Automerge cursors (counter@actor)", { anchor: "invalid" });
      const [range] = this.anchors.anchorsNow(docId, [{ start: a.start, last: a.last }]);
      if (!range) throw conflict("the selected text has not reached the server yet; try again in a moment");
      if (range.to <= range.from) throw invalid("the selected text was deleted meanwhile", { anchor: "deleted" });
      start = a.start;
      last = a.last;
      quote = this.anchors.anchorAt(docId, range.from, range.to).quote;
    } else if (typeof a.from === "number" && typeof a.to === "number") {
      ({ start, last, quote } = this.anchors.anchorAt(docId, a.from, a.to));
    } else throw invalid("anchor must be {from, to} or {start, last}", { anchor: "invalid" });
    if (this.store.countThreads(docId) >= THREADS_PER_DOCUMENT_MAX)
      throw invalid(`a document holds at most ${THREADS_PER_DOCUMENT_MAX} comment threads`);
    const { thread, comment } = this.store.createThread({
      documentId: docId,
      anchorStart: start,
      anchorLast: last,
      quote: quote.slice(0, QUOTE_MAX),
      userId: user.id,
      body,
    });
    this.tellMentioned(user, doc, thread.id, comment, new Set());
    this.changed(docId);
    return this.one(docId, thread.id);
  }

  reply(user: UserRow, docId: string, threadId: string, raw: unknown): CommentThreadJson {
    const { doc } = this.writer(user, docId);
    this.threadOf(docId, threadId);
    const body = checkBody(asObject(raw).body);
    if (this.store.commentsOf(threadId).length >= COMMENTS_PER_THREAD_MAX)
      throw invalid(`a thread holds at most ${COMMENTS_PER_THREAD_MAX} comments; start a new one`);
    const before = new Set(this.store.participants(threadId));
    const comment = this.store.addComment(threadId, user.id, body);
    const told = this.tellMentioned(user, doc, threadId, comment, new Set());
    // Everyone who wrote in the thread hears of the reply, once, if they can still read it.
    const replyTo = [...before].filter((id) => id !== user.id && !told.has(id) && this.canRead(id, docId));
    this.notifications.notify(
      replyTo.map((userId) => ({
        userId,
        kind: "reply" as const,
        documentId: docId,
        actorId: user.id,
        threadId,
        detail: { excerpt: body.slice(0, 200), title: doc.title },
      })),
    );
    this.changed(docId);
    return this.one(docId, threadId);
  }

  edit(user: UserRow, docId: string, threadId: string, commentId: string, raw: unknown): CommentThreadJson {
    const { doc } = this.writer(user, docId);
    this.threadOf(docId, threadId);
    const c = this.store.comment(commentId);
    if (!c || c.threadId !== threadId) throw notFound("Comment not found");
    if (c.authorId !== user.id) throw forbidden("Only its author can edit a comment");
    const body = checkBody(asObject(raw).body);
    const already = new Set(mentionsIn(c.body));
    this.store.editComment(commentId, body);
    // Names added by the edit are told; those mentioned before were told already.
    this.tellMentioned(user, doc, threadId, { ...c, body }, already);
    this.changed(docId);
    return this.one(docId, threadId);
  }

  /** Deletes a comment (its author, or the document's owner); the thread goes with its last comment. */
  remove(user: UserRow, docId: string, threadId: string, commentId: string): { threadDeleted: boolean } {
    const { role } = this.writer(user, docId);
    this.threadOf(docId, threadId);
    const c = this.store.comment(commentId);
    if (!c || c.threadId !== threadId) throw notFound("Comment not found");
    if (c.authorId !== user.id && role !== "owner")
      throw forbidden("Only its author or the document's owner can delete a comment");
    const threadDeleted = this.store.deleteComment(commentId);
    this.changed(docId);
    return { threadDeleted };
  }

  setResolved(user: UserRow, docId: string, threadId: string, raw: unknown): CommentThreadJson {
    this.writer(user, docId);
    this.threadOf(docId, threadId);
    const r = asObject(raw).resolved;
    if (typeof r !== "boolean") throw invalid("resolved must be true or false", { resolved: "invalid" });
    this.store.setResolved(threadId, r ? user.id : null);
    this.changed(docId);
    return this.one(docId, threadId);
  }

  /** People a comment may mention: whoever can read the document, for completion. */
  mentionable(user: UserRow, docId: string): { users: { username: string; name: string }[] } {
    const { doc } = this.documents.access(user, docId);
    const ids = [doc.ownerId, ...this.documents.memberIds(docId)];
    const users = ids
      .map((id) => this.users.byId(id))
      .filter((u): u is UserRow => u !== null && !u.disabled)
      .map((u) => ({ username: u.username, name: parseSettings(u.settings).displayName || u.username }));
    return { users };
  }

  private canRead(userId: string, docId: string): boolean {
    const u = this.users.byId(userId);
    if (!u || u.disabled) return false;
    try {
      this.documents.access(u, docId);
      return true;
    } catch {
      return false;
    }
  }

  /** Tells the users a comment mentions (but not its author, nor those in `skip`) who can read the document. */
  private tellMentioned(
    author: UserRow,
    doc: { id: string; title: string },
    threadId: string,
    c: CommentRow,
    skip: Set<string>,
  ): Set<string> {
    const docId = doc.id;
    const told = new Set<string>();
    for (const name of mentionsIn(c.body)) {
      if (skip.has(name)) continue;
      const u = this.users.byUsername(name);
      if (!u || u.id === author.id || !this.canRead(u.id, docId)) continue;
      told.add(u.id);
    }
    // the title as it is now, which they may read; the list shows the live one only while they still may
    this.notifications.notify(
      [...told].map((userId) => ({
        userId,
        kind: "mention" as const,
        documentId: docId,
        actorId: author.id,
        threadId,
        detail: { excerpt: c.body.slice(0, 200), title: doc.title },
      })),
    );
    return told;
  }
}
