// Telling people what concerns them: a document shared with them, a mention, a reply in their
// thread, their access changed. Stored first (the bell reads them), then pushed to their open
// sockets and handed to the mail outbox by listeners; neither can fail the action that notified.
import type { NotificationJson } from "../../protocol/api-types.ts";
import { invalid } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { NewNotification, NotificationRow, NotificationsStore } from "../store/notifications-store.ts";
import type { UserRow } from "../store/users-store.ts";

export const NOTIFICATIONS_PAGE_MAX = 100;

export function notificationJson(n: NotificationRow): NotificationJson {
  let detail: Record<string, unknown> | null = null;
  try {
    detail = n.detail ? (JSON.parse(n.detail) as Record<string, unknown>) : null;
  } catch {
    detail = null;
  }
  return {
    id: n.id,
    kind: n.kind,
    document: n.documentId ? { id: n.documentId, title: n.documentTitle ?? "" } : null,
    actor: n.actorName,
    threadId: n.threadId,
    detail,
    createdAt: new Date(n.createdAt).toISOString(),
    read: n.readAt !== null,
  };
}

export class Notifications {
  private readonly listeners = new Set<(userId: string, added: NotificationRow[]) => void>();

  constructor(
    private readonly store: NotificationsStore,
    private readonly log: Logger,
  ) {}

  /** Called with each user's new notifications after they are stored (sockets, mail). */
  onNotify(l: (userId: string, added: NotificationRow[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Stores the notifications and tells the listeners; a failure is logged, never thrown. */
  notify(list: NewNotification[]): void {
    if (list.length === 0) return;
    let ids: number[];
    try {
      ids = this.store.add(list);
    } catch (e) {
      this.log.error("storing notifications failed", { err: e instanceof Error ? e.message : String(e) });
      return;
    }
    const users = new Set(list.map((n) => n.userId));
    for (const userId of users) {
      const added = this.store.list(userId, { limit: NOTIFICATIONS_PAGE_MAX }).filter((r) => ids.includes(r.id));
      for (const l of this.listeners) {
        try {
          l(userId, added);
        } catch (e) {
          this.log.error("a notification listener failed", { err: e instanceof Error ? e.message : String(e) });
        }
      }
    }
  }

  unread(userId: string): number {
    return this.store.unread(userId);
  }

  list(
    user: UserRow,
    query: Record<string, string | undefined>,
  ): { notifications: NotificationJson[]; unread: number } {
    const limit = query.limit === undefined ? 30 : Number(query.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > NOTIFICATIONS_PAGE_MAX)
      throw invalid(`limit must be a whole number from 1 to ${NOTIFICATIONS_PAGE_MAX}`, { limit: "range" });
    const before = query.before === undefined ? undefined : Number(query.before);
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 1))
      throw invalid("before must be a notification id", { before: "invalid" });
    return {
      notifications: this.store.list(user.id, { before, limit }).map(notificationJson),
      unread: this.store.unread(user.id),
    };
  }

  /** Marks {ids: [...]} or {all: true} read. */
  markRead(user: UserRow, body: unknown): { unread: number } {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    if (b.all === true) this.store.markRead(user.id, null);
    else if (Array.isArray(b.ids) && b.ids.length <= 1000 && b.ids.every((i) => Number.isSafeInteger(i)))
      this.store.markRead(user.id, b.ids as number[]);
    else throw invalid("send {ids: [notification ids]} (at most 1000) or {all: true}");
    const unread = this.store.unread(user.id);
    for (const l of this.listeners) l(user.id, []);
    return { unread };
  }

  purgeRead(): number {
    return this.store.purgeRead();
  }
}
