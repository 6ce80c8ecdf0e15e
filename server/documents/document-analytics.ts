// A document's analytics: views of its public page and its embed, and its runs, counted per UTC
// day without anything about the reader. Counting never fails or slows what it counts: counts are
// gathered in memory and written in one transaction a moment later; a failed write is logged.
import { forbidden } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { CountKind, DocumentCountsStore } from "../store/document-counts-store.ts";
import { dayOf } from "../store/executions-store.ts";
import type { UserRow } from "../store/users-store.ts";
import type { DocumentsService } from "./documents-service.ts";
import type { DocumentAnalyticsJson } from "../../protocol/analytics-types.ts";

/** Counts kept in memory at most (distinct document, day and kind); past it new ones are dropped until a write succeeds. */
const PENDING_MAX = 50_000;
const DAY_MS = 24 * 3600 * 1000;

export class DocumentAnalytics {
  private readonly pending = new Map<string, [string, string, CountKind, number]>();
  private readonly lastRuns = new Map<string, [string, string, number]>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: DocumentCountsStore,
    private readonly documents: DocumentsService,
    private readonly log: Logger,
    private readonly opts: { flushMs?: number } = {},
  ) {}

  /** One read of a document's public page or embed. Never throws. */
  countView(documentId: string, kind: "public" | "embed", now = Date.now()): void {
    this.bump(documentId, kind, now);
  }

  /** One run of a document in the editor, by `userId`. Never throws. */
  countRun(documentId: string, userId: string, now = Date.now()): void {
    if (this.bump(documentId, "run", now)) this.lastRuns.set(documentId, [documentId, userId, now]);
  }

  private bump(documentId: string, kind: CountKind, now: number): boolean {
    try {
      const day = dayOf(now);
      const key = `${documentId}\u0000${day}\u0000${kind}`;
      const p = this.pending.get(key);
      if (p) p[3]++;
      else if (this.pending.size >= PENDING_MAX) return false;
      else this.pending.set(key, [documentId, day, kind, 1]);
      this.timer ??= setTimeout(() => this.flush(), this.opts.flushMs ?? 2000);
      this.timer.unref?.();
      return true;
    } catch (e) {
      this.log.error("analytics count failed", { err: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  /** Writes what was counted so far. A failure is logged and the counts are kept for the next try. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0 && this.lastRuns.size === 0) return;
    const counts = [...this.pending.values()];
    const runs = [...this.lastRuns.values()];
    try {
      this.store.add(counts, runs);
      this.pending.clear();
      this.lastRuns.clear();
    } catch (e) {
      this.log.error("analytics write failed; trying again shortly", {
        err: e instanceof Error ? e.message : String(e),
        counts: counts.length,
      });
      this.timer = setTimeout(() => this.flush(), 30_000);
      this.timer.unref?.();
    }
  }

  /** The owner's view of a document's analytics: 404 without access, 403 for members who are not its owner. */
  forOwner(user: UserRow, documentId: string, now = Date.now()): DocumentAnalyticsJson {
    const { role } = this.documents.access(user, documentId);
    if (role !== "owner") throw forbidden("Only the owner sees a document's analytics");
    this.flush();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const first = dayOf(today - 29 * DAY_MS);
    const counted = new Map(this.store.days(documentId, first).map((d) => [d.day, d]));
    const last30Days: DocumentAnalyticsJson["views"]["last30Days"] = [];
    let runs30 = 0;
    for (let i = 29; i >= 0; i--) {
      const day = dayOf(today - i * DAY_MS);
      const c = counted.get(day);
      last30Days.push({ day, public: c?.public ?? 0, embed: c?.embed ?? 0 });
      runs30 += c?.run ?? 0;
    }
    const totals = this.store.totals(documentId);
    const last = this.store.lastRun(documentId);
    return {
      views: { public: totals.public, embed: totals.embed, last30Days },
      runs: {
        total: totals.run,
        last30Days: runs30,
        lastRunBy: last?.username ?? null,
        lastRunAt: last ? new Date(last.at).toISOString() : null,
      },
    };
  }
}
