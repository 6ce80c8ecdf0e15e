// Comment threads and their comments (migration 14). A thread is anchored by two Automerge
// cursors kept as text; where they point now is the sync layer's business, not this store's.
import type { Database } from "bun:sqlite";
import { newId } from "./ids.ts";

export interface ThreadRow {
  id: string;
  documentId: string;
  anchorStart: string;
  anchorLast: string;
  quote: string;
  createdBy: string | null;
  createdAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
}

export interface CommentRow {
  id: string;
  threadId: string;
  authorId: string | null;
  authorName: string | null;
  authorSettings: string | null;
  body: string;
  createdAt: number;
  editedAt: number | null;
}

const THREAD_COLS = `id, document_id AS documentId, anchor_start AS anchorStart, anchor_last AS anchorLast, quote,
  created_by AS createdBy, created_at AS createdAt, resolved_at AS resolvedAt, resolved_by AS resolvedBy`;
const COMMENT_COLS = `c.id, c.thread_id AS threadId, c.author_id AS authorId, u.username AS authorName, u.settings AS authorSettings,
  c.body, c.created_at AS createdAt, c.edited_at AS editedAt`;

export class CommentsStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new thread with its first comment, in one transaction. */
  createThread(t: {
    documentId: string;
    anchorStart: string;
    anchorLast: string;
    quote: string;
    userId: string;
    body: string;
  }): {
    thread: ThreadRow;
    comment: CommentRow;
  } {
    const threadId = newId();
    const commentId = newId();
    const at = this.now();
    this.db.transaction(() => {
      this.db
        .query(
          "INSERT INTO comment_threads (id, document_id, anchor_start, anchor_last, quote, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(threadId, t.documentId, t.anchorStart, t.anchorLast, t.quote, t.userId, at);
      this.db
        .query("INSERT INTO comments (id, thread_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(commentId, threadId, t.userId, t.body, at);
    })();
    return { thread: this.thread(threadId)!, comment: this.comment(commentId)! };
  }

  addComment(threadId: string, userId: string, body: string): CommentRow {
    const id = newId();
    this.db
      .query("INSERT INTO comments (id, thread_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(id, threadId, userId, body, this.now());
    return this.comment(id)!;
  }

  thread(id: string): ThreadRow | null {
    return this.db.query<ThreadRow, [string]>(`SELECT ${THREAD_COLS} FROM comment_threads WHERE id = ?`).get(id);
  }

  comment(id: string): CommentRow | null {
    return this.db
      .query<CommentRow, [string]>(
        `SELECT ${COMMENT_COLS} FROM comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.id = ?`,
      )
      .get(id);
  }

  /** A document's threads, oldest first, each with its comments oldest first. */
  threadsOf(documentId: string): { thread: ThreadRow; comments: CommentRow[] }[] {
    const threads = this.db
      .query<ThreadRow, [string]>(
        `SELECT ${THREAD_COLS} FROM comment_threads WHERE document_id = ? ORDER BY created_at, rowid`,
      )
      .all(documentId);
    const comments = this.db
      .query<CommentRow, [string]>(
        `SELECT ${COMMENT_COLS} FROM comments c JOIN comment_threads t ON t.id = c.thread_id LEFT JOIN users u ON u.id = c.author_id
         WHERE t.document_id = ? ORDER BY c.created_at, c.rowid`,
      )
      .all(documentId);
    const by = new Map<string, CommentRow[]>();
    for (const c of comments) {
      const list = by.get(c.threadId);
      if (list) list.push(c);
      else by.set(c.threadId, [c]);
    }
    return threads.map((thread) => ({ thread, comments: by.get(thread.id) ?? [] }));
  }

  commentsOf(threadId: string): CommentRow[] {
    return this.db
      .query<CommentRow, [string]>(
        `SELECT ${COMMENT_COLS} FROM comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.thread_id = ? ORDER BY c.created_at, c.rowid`,
      )
      .all(threadId);
  }

  countThreads(documentId: string): number {
    return this.db
      .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM comment_threads WHERE document_id = ?")
      .get(documentId)!.n;
  }

  /** Everyone who wrote in a thread (for telling them of a reply). */
  participants(threadId: string): string[] {
    return this.db
      .query<{ id: string }, [string]>(
        "SELECT DISTINCT author_id AS id FROM comments WHERE thread_id = ? AND author_id IS NOT NULL",
      )
      .all(threadId)
      .map((r) => r.id);
  }

  editComment(id: string, body: string): void {
    this.db.query("UPDATE comments SET body = ?, edited_at = ? WHERE id = ?").run(body, this.now(), id);
  }

  /** Deletes a comment; a thread left without comments goes with it. Answers whether the thread went. */
  deleteComment(id: string): boolean {
    return this.db.transaction(() => {
      const c = this.db
        .query<{ threadId: string }, [string]>("SELECT thread_id AS threadId FROM comments WHERE id = ?")
        .get(id);
      if (!c) return false;
      this.db.query("DELETE FROM comments WHERE id = ?").run(id);
      const left = this.db
        .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM comments WHERE thread_id = ?")
        .get(c.threadId)!.n;
      if (left === 0) this.db.query("DELETE FROM comment_threads WHERE id = ?").run(c.threadId);
      return left === 0;
    })();
  }

  setResolved(threadId: string, userId: string | null): void {
    if (userId === null)
      this.db.query("UPDATE comment_threads SET resolved_at = NULL, resolved_by = NULL WHERE id = ?").run(threadId);
    else
      this.db
        .query("UPDATE comment_threads SET resolved_at = ?, resolved_by = ? WHERE id = ?")
        .run(this.now(), userId, threadId);
  }
}
