// Notification mail (migration 15): queued, then sent or, after its last attempt, given up on.
import type { Database } from "bun:sqlite";

export interface OutboxRow {
  id: number;
  userId: string | null;
  to: string;
  subject: string;
  body: string;
  attempts: number;
}

export interface OutboxStatus {
  pending: number;
  sent: number;
  failed: number;
  lastError: string | null;
  lastErrorAt: number | null;
}

/** Sent and given-up mail is kept this long (admins see the failures). */
const KEEP_MS = 30 * 86_400_000;

export class MailOutboxStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  add(m: { userId: string; to: string; subject: string; body: string }): number {
    const at = this.now();
    return this.db
      .query<{ id: number }, [string, string, string, string, number, number]>(
        "INSERT INTO mail_outbox (user_id, to_address, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      )
      .get(m.userId, m.to, m.subject, m.body, at, at)!.id;
  }

  /** How many messages to this address were queued since `since`. */
  countTo(address: string, since: number): number {
    return (
      this.db
        .query<{ n: number }, [string, number]>(
          "SELECT COUNT(*) AS n FROM mail_outbox WHERE to_address = ? AND created_at >= ?",
        )
        .get(address, since)?.n ?? 0
    );
  }

  /** Mail whose next attempt is due, oldest first. */
  due(limit: number): OutboxRow[] {
    return this.db
      .query<OutboxRow, [number, number]>(
        `SELECT id, user_id AS userId, to_address AS "to", subject, body, attempts FROM mail_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
      )
      .all(this.now(), limit);
  }

  /** When the next waiting mail is due, or null when none waits. */
  nextDue(): number | null {
    return this.db
      .query<{ at: number | null }, []>(
        "SELECT MIN(next_attempt_at) AS at FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
      )
      .get()!.at;
  }

  sent(id: number): void {
    this.db
      .query("UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
      .run(this.now(), id);
  }

  /** A failed attempt: tried again at `retryAt`, or given up on when that is null. */
  failed(id: number, error: string, retryAt: number | null): void {
    const at = this.now();
    if (retryAt === null)
      this.db
        .query("UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?")
        .run(error.slice(0, 500), at, id);
    else
      this.db
        .query("UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?")
        .run(error.slice(0, 500), retryAt, id);
  }

  status(): OutboxStatus {
    const c = this.db
      .query<{ pending: number; sent: number; failed: number }, []>(
        `SELECT COALESCE(SUM(sent_at IS NULL AND failed_at IS NULL), 0) AS pending, COALESCE(SUM(sent_at IS NOT NULL), 0) AS sent,
                COALESCE(SUM(failed_at IS NOT NULL), 0) AS failed FROM mail_outbox`,
      )
      .get()!;
    const e = this.db
      .query<{ error: string; at: number }, []>(
        "SELECT last_error AS error, COALESCE(failed_at, next_attempt_at) AS at FROM mail_outbox WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1",
      )
      .get();
    return { ...c, lastError: e?.error ?? null, lastErrorAt: e?.at ?? null };
  }

  purge(): number {
    const before = this.now() - KEEP_MS;
    return this.db
      .query(
        "DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (failed_at IS NOT NULL AND failed_at < ?)",
      )
      .run(before, before).changes;
  }
}
