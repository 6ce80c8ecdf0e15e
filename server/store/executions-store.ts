// Per-user, per-day execution counts in SQLite, for the daily execution quota.
import type { Database } from "bun:sqlite";

export const dayOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

export class ExecutionsStore {
  constructor(private readonly db: Database) {}

  /** Counts one execution if the user is under `limit` today; returns whether it was counted. */
  tryCount(userId: string, limit: number, now = Date.now()): boolean {
    const day = dayOf(now);
    return this.db
      .transaction(() => {
        const n =
          this.db
            .query<{ count: number }, [string, string]>(
              "SELECT count FROM execution_counts WHERE user_id = ? AND day = ?",
            )
            .get(userId, day)?.count ?? 0;
        if (n >= limit) return false;
        this.db
          .query(
            "INSERT INTO execution_counts (user_id, day, count) VALUES (?, ?, 1) ON CONFLICT(user_id, day) DO UPDATE SET count = count + 1",
          )
          .run(userId, day);
        return true;
      })
      .immediate();
  }

  today(userId: string, now = Date.now()): number {
    return (
      this.db
        .query<{ count: number }, [string, string]>("SELECT count FROM execution_counts WHERE user_id = ? AND day = ?")
        .get(userId, dayOf(now))?.count ?? 0
    );
  }

  purgeBefore(day: string): number {
    return this.db.query("DELETE FROM execution_counts WHERE day < ?").run(day).changes;
  }
}
