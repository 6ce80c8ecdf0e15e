// Per-document counters by UTC day (public page views, embed views, runs) and who ran it last.
// Counters only: nothing about a reader is stored.
import type { Database } from "bun:sqlite";

export type CountKind = "public" | "embed" | "run";

export interface DayCounts {
  day: string;
  public: number;
  embed: number;
  run: number;
}

export class DocumentCountsStore {
  constructor(private readonly db: Database) {}

  /**
   * Adds the counts in one transaction; a document deleted meanwhile is skipped, never an error.
   * `counts` holds [documentId, day, kind, n]; `lastRuns` holds [documentId, userId, at].
   */
  add(
    counts: readonly [string, string, CountKind, number][],
    lastRuns: readonly [string, string, number][] = [],
  ): void {
    const bump = this.db.query(
      `INSERT INTO document_counts (document_id, day, kind, count)
       SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?1)
       ON CONFLICT(document_id, day, kind) DO UPDATE SET count = count + excluded.count`,
    );
    const ran = this.db.query(
      `INSERT INTO document_last_run (document_id, user_id, at)
       SELECT ?1, (SELECT id FROM users WHERE id = ?2), ?3 WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?1)
       ON CONFLICT(document_id) DO UPDATE SET user_id = excluded.user_id, at = excluded.at WHERE excluded.at >= document_last_run.at`,
    );
    this.db
      .transaction(() => {
        for (const [doc, day, kind, n] of counts) bump.run(doc, day, kind, n);
        for (const [doc, user, at] of lastRuns) ran.run(doc, user, at);
      })
      .immediate();
  }

  /** All-time totals per kind. */
  totals(documentId: string): Record<CountKind, number> {
    const out: Record<CountKind, number> = { public: 0, embed: 0, run: 0 };
    const rows = this.db
      .query<{ kind: CountKind; n: number }, [string]>(
        "SELECT kind, SUM(count) AS n FROM document_counts WHERE document_id = ? GROUP BY kind",
      )
      .all(documentId);
    for (const r of rows) out[r.kind] = r.n;
    return out;
  }

  /** The days from `fromDay` on (inclusive) that have any count, oldest first. */
  days(documentId: string, fromDay: string): DayCounts[] {
    const rows = this.db
      .query<{ day: string; kind: CountKind; count: number }, [string, string]>(
        "SELECT day, kind, count FROM document_counts WHERE document_id = ? AND day >= ? ORDER BY day",
      )
      .all(documentId, fromDay);
    const byDay = new Map<string, DayCounts>();
    for (const r of rows) {
      let d = byDay.get(r.day);
      if (!d) byDay.set(r.day, (d = { day: r.day, public: 0, embed: 0, run: 0 }));
      d[r.kind] += r.count;
    }
    return [...byDay.values()];
  }

  lastRun(documentId: string): { username: string | null; at: number } | null {
    return (
      this.db
        .query<{ username: string | null; at: number }, [string]>(
          "SELECT u.username, r.at FROM document_last_run r LEFT JOIN users u ON u.id = r.user_id WHERE r.document_id = ?",
        )
        .get(documentId) ?? null
    );
  }
}
