// What users are told in the app (migration 14): a document shared with them, a mention, a reply
// in their thread, a change of their access. Newest first; read ones are kept for a while.
import type { Database } from "bun:sqlite";

export type NotificationKind = "shared" | "mention" | "reply" | "access";

export interface NotificationRow {
  id: number;
  userId: string;
  kind: NotificationKind;
  documentId: string | null;
  documentTitle: string | null;
  actorId: string | null;
  actorName: string | null;
  threadId: string | null;
  detail: string | null;
  createdAt: number;
  readAt: number | null;
}

export interface NewNotification {
  userId: string;
  kind: NotificationKind;
  documentId?: string | null;
  actorId?: string | null;
  threadId?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Read notifications older than this are dropped by housekeeping. */
export const READ_NOTIFICATION_DAYS = 90;

export class NotificationsStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  add(list: NewNotification[]): number[] {
    if (list.length === 0) return [];
    const at = this.now();
    const ins = this.db.query<
      { id: number },
      [string, string, string | null, string | null, string | null, string | null, number]
    >(
      "INSERT INTO notifications (user_id, kind, document_id, actor_id, thread_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    );
    return this.db.transaction(() =>
      list.map(
        (n) =>
          ins.get(
            n.userId,
            n.kind,
            n.documentId ?? null,
            n.actorId ?? null,
            n.threadId ?? null,
            n.detail ? JSON.stringify(n.detail) : null,
            at,
          )!.id,
      ),
    )();
  }

  /** A user's notifications, newest first, older than `before` when given. */
  list(userId: string, opts: { before?: number; limit: number }): NotificationRow[] {
    return this.db
      .query<NotificationRow, [string, number, number]>(
        `SELECT n.id, n.user_id AS userId, n.kind, d.id AS documentId, d.title AS documentTitle, n.actor_id AS actorId,
                u.username AS actorName, n.thread_id AS threadId, n.detail, n.created_at AS createdAt, n.read_at AS readAt
         FROM notifications n
         -- the document only while its recipient can still read it: its title never outlives their access
         LEFT JOIN documents d ON d.id = n.document_id AND d.deleted_at IS NULL
           AND (d.owner_id = n.user_id OR EXISTS (SELECT 1 FROM document_members m WHERE m.document_id = d.id AND m.user_id = n.user_id))
         LEFT JOIN users u ON u.id = n.actor_id
         WHERE n.user_id = ? AND n.id < ? ORDER BY n.id DESC LIMIT ?`,
      )
      .all(userId, opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit);
  }

  unread(userId: string): number {
    return this.db
      .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL")
      .get(userId)!.n;
  }

  /** Marks some (or, with null, all) of a user's notifications read; answers how many changed. */
  markRead(userId: string, ids: number[] | null): number {
    const at = this.now();
    if (ids === null)
      return this.db.query("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL").run(at, userId)
        .changes;
    let n = 0;
    const q = this.db.query("UPDATE notifications SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL");
    this.db.transaction(() => {
      for (const id of ids) n += q.run(at, userId, id).changes;
    })();
    return n;
  }

  purgeRead(days = READ_NOTIFICATION_DAYS): number {
    return this.db
      .query("DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < ?")
      .run(this.now() - days * 86_400_000).changes;
  }
}
