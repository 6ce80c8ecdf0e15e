// The audit log over HTTP, for admins: newest first, filtered by time, user, action and outcome.
import type { AuditLog } from "../auth/audit-log.ts";
import { invalid } from "../errors.ts";
import { AUDIT_OUTCOMES, type AuditFilter, type AuditOutcome } from "../store/audit-store.ts";
import type { Router } from "./router.ts";
import type { AuditPageJson } from "../../protocol/api-types.ts";
import { AuditPageSchema, AuditQuerySchema } from "../../protocol/api-schemas-admin.ts";

/** A time bound: an ISO 8601 date or date-time, or epoch milliseconds. */
export function parseInstant(name: string, v: string): number {
  const t = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t))
    throw invalid(`${name} must be an ISO 8601 date or time (2026-12-01, 2026-12-01T10:00:00Z) or epoch milliseconds`);
  return t;
}

/** The filter a query string asks for; a clear 400 for a value it cannot be. */
export function auditFilter(q: Record<string, string | undefined>): AuditFilter {
  const f: AuditFilter = {};
  if (q.since !== undefined) f.since = parseInstant("since", q.since);
  if (q.until !== undefined) f.until = parseInstant("until", q.until);
  if (q.user !== undefined) {
    if (q.user.length < 1 || q.user.length > 64) throw invalid("user must be 1–64 characters");
    f.user = q.user;
  }
  if (q.action !== undefined) {
    if (!/^[a-z][a-z.]{0,63}$/.test(q.action))
      throw invalid('action must be an action name such as auth.login, or a prefix ending in "." such as auth.');
    f.action = q.action;
  }
  if (q.outcome !== undefined) {
    if (!AUDIT_OUTCOMES.includes(q.outcome as AuditOutcome))
      throw invalid(`outcome must be one of ${AUDIT_OUTCOMES.join(", ")}`);
    f.outcome = q.outcome as AuditOutcome;
  }
  for (const k of ["before", "limit"] as const) {
    const v = q[k];
    if (v === undefined) continue;
    if (!/^\d{1,15}$/.test(v) || Number(v) < 1 || (k === "limit" && Number(v) > 1000))
      throw invalid(k === "limit" ? "limit must be 1–1000" : "before must be a record id");
    f[k] = Number(v);
  }
  return f;
}

export function registerAuditRoutes(r: Router, d: { audit: AuditLog }): void {
  r.get(
    "/api/v1/admin/audit",
    "The audit log (admins), newest first: ?since=&until= (ISO 8601 or epoch ms), ?user= (actor or target), ?action= (a name or a prefix ending in .), ?outcome=ok|failed|denied, ?before=<id>&limit= (at most 1000, default 100)",
    "admin",
    { query: AuditQuerySchema, responses: { 200: AuditPageSchema } },
    (c): AuditPageJson => {
      const filter = auditFilter(c.query);
      const records = d.audit.store.list(filter);
      const limit = filter.limit ?? 100;
      return {
        records,
        next: records.length === limit ? records.at(-1)!.id : null,
        retentionDays: d.audit.retentionDays,
      };
    },
  );
}
