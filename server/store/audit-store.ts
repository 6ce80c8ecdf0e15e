// The audit log's table: security-relevant events with time, actor, address, target and outcome
// (migration 10). Rows are only ever added; `purgeBefore` drops those past the retention time.
import type { Database } from "bun:sqlite";
import type { AuditRecordJson } from "../../protocol/api-types.ts";

export type AuditOutcome = "ok" | "failed" | "denied";
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ["ok", "failed", "denied"];

export interface AuditEvent {
  action: string;
  actorId?: string | null;
  actorName?: string | null;
  address?: string | null;
  target?: string | null;
  outcome?: AuditOutcome;
  detail?: Record<string, unknown> | null;
}

export type AuditRecord = AuditRecordJson;

export interface AuditFilter {
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  /** The actor's username (as recorded) or the target's. */
  user?: string;
  /** An action, or a prefix of actions ending in "." ("auth." is every sign-in event). */
  action?: string;
  outcome?: AuditOutcome;
  /** Records older than this id (paging, newest first). */
  before?: number;
  limit?: number;
}

type Row = {
  id: number;
  at: number;
  actorId: string | null;
  actorName: string | null;
  address: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: string | null;
};

const clip = (s: string | null | undefined, n: number): string | null =>
  s === null || s === undefined ? null : s.length > n ? s.slice(0, n) : s;

export class AuditStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  insert(e: AuditEvent): number {
    let detail = e.detail ? JSON.stringify(e.detail) : null;
    if (detail !== null && detail.length > 4000) detail = JSON.stringify({ truncated: true, bytes: detail.length });
    const r = this.db
      .query(
        "INSERT INTO audit_log (at, actor_id, actor_name, address, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        this.now(),
        e.actorId ?? null,
        clip(e.actorName, 64),
        clip(e.address, 64),
        clip(e.action, 64)!,
        clip(e.target, 200),
        e.outcome ?? "ok",
        detail,
      );
    return Number(r.lastInsertRowid);
  }

  /** Newest first. */
  list(f: AuditFilter = {}): AuditRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.since !== undefined) where.push("at >= ?"), args.push(f.since);
    if (f.until !== undefined) where.push("at < ?"), args.push(f.until);
    if (f.user !== undefined) where.push("(actor_name = ? OR target = ?)"), args.push(f.user, f.user);
    if (f.action !== undefined) {
      if (f.action.endsWith(".")) where.push("substr(action, 1, ?) = ?"), args.push(f.action.length, f.action);
      else where.push("action = ?"), args.push(f.action);
    }
    if (f.outcome !== undefined) where.push("outcome = ?"), args.push(f.outcome);
    if (f.before !== undefined) where.push("id < ?"), args.push(f.before);
    const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
    const rows = this.db
      .query<Row, (string | number)[]>(
        `SELECT id, at, actor_id AS actorId, actor_name AS actorName, address, action, target, outcome, detail FROM audit_log ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ${limit}`,
      )
      .all(...args);
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      actor: r.actorId === null && r.actorName === null ? null : { id: r.actorId, username: r.actorName },
      address: r.address,
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    }));
  }

  /** Deletes the records older than `t` (epoch ms); answers how many. */
  purgeBefore(t: number): number {
    return this.db.query("DELETE FROM audit_log WHERE at < ?").run(t).changes;
  }
}
