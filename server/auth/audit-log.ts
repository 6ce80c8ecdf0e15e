// The audit log: who did what, from where, to what, and how it ended. Recording never fails or
// blocks the action it records beyond the one SQLite insert: an error is logged and dropped.
// Records past the retention time are purged by the server (`--audit-retention`, days).
import { AppError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { AuditEvent, AuditStore } from "../store/audit-store.ts";
import type { UserRow } from "../store/users-store.ts";

export const DAY_MS = 24 * 3600_000;

/** Who acts, from where: a signed-in user (or a name given at sign-in), or the server's own CLI. */
export interface AuditActor {
  user?: Pick<UserRow, "id" | "username"> | null;
  name?: string | null;
  address?: string | null;
}

export class AuditLog {
  constructor(
    readonly store: AuditStore,
    private readonly log: Logger,
    /** Days a record is kept; 0 keeps them all. */
    readonly retentionDays = 365,
  ) {}

  record(actor: AuditActor, e: Omit<AuditEvent, "actorId" | "actorName" | "address">): void {
    try {
      this.store.insert({
        ...e,
        actorId: actor.user?.id ?? null,
        actorName: actor.user?.username ?? actor.name ?? null,
        address: actor.address ?? null,
      });
    } catch (err) {
      this.log.warn("audit record not written", {
        action: e.action,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /**
   * Runs an action and records how it ended: ok, denied (the caller may not: 401/403), or failed
   * (any other error, with its code). The action's own result or error is passed on unchanged;
   * `detailOf` adds what the result says to the record of a success.
   */
  async around<T>(
    actor: AuditActor,
    e: Omit<AuditEvent, "actorId" | "actorName" | "address" | "outcome">,
    fn: () => T | Promise<T>,
    detailOf?: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    let out: T;
    try {
      out = await fn();
    } catch (err) {
      const code = err instanceof AppError ? err.code : "internal";
      this.record(actor, {
        ...e,
        outcome: code === "forbidden" || code === "unauthenticated" ? "denied" : "failed",
        detail: { ...(e.detail ?? {}), error: code },
      });
      throw err;
    }
    this.record(actor, {
      ...e,
      outcome: "ok",
      detail: detailOf ? { ...(e.detail ?? {}), ...detailOf(out) } : e.detail,
    });
    return out;
  }

  /** Drops the records past the retention time; answers how many. */
  purge(now = Date.now()): number {
    if (this.retentionDays === 0) return 0;
    return this.store.purgeBefore(now - this.retentionDays * DAY_MS);
  }
}
