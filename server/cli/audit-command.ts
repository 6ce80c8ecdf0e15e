// `pymd audit`: the audit log, read from the data directory (also while the server runs).
import { CommandError, UsageError, expectPositionals } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";
import { services } from "./user-command.ts";
import { AppError } from "../errors.ts";
import { auditFilter } from "../http/audit-routes.ts";
import type { AuditRecord } from "../store/audit-store.ts";

const USAGE = `pymd audit [--since WHEN] [--until WHEN] [--user NAME] [--action ACTION] [--outcome ok|failed|denied] [--limit N] [--json]

Prints the audit log, newest first (at most --limit records, default 100, at most 1000).
WHEN is an ISO 8601 date or time (2026-12-01, 2026-12-01T10:00:00Z), epoch milliseconds, or
an age such as 15m, 24h or 7d. --user matches the actor or the target; --action takes a name
(auth.login) or a prefix ending in "." (auth.).

Common options:
  --data-dir DIR   PYMD_DATA_DIR   the server's data directory (default ./pymd-data)`;

/** "7d", "24h", "15m" before now, as an ISO time; anything else is passed on as given. */
function relative(v: string, now = Date.now()): string {
  const m = /^(\d{1,6})([mhd])$/.exec(v);
  if (!m) return v;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"];
  return String(now - Number(m[1]) * unit);
}

function line(r: AuditRecord): string {
  const who = r.actor ? (r.actor.username ?? r.actor.id ?? "?") : "-";
  const detail = r.detail ? " " + JSON.stringify(r.detail) : "";
  return `${r.at}  ${r.outcome.padEnd(6)} ${r.action.padEnd(22)} ${who.padEnd(16)} ${(r.address ?? "-").padEnd(15)} ${r.target ?? "-"}${detail}`;
}

export const auditCommand: Command = {
  name: "audit",
  summary: "print the audit log (sign-ins, password and role changes, shares, deletions, …)",
  usage: USAGE,
  flags: {
    ...COMMON_FLAGS,
    "data-dir": "value",
    since: "value",
    until: "value",
    user: "value",
    action: "value",
    outcome: "value",
    limit: "value",
    json: "boolean",
  },
  async run(args) {
    expectPositionals(args, []);
    const q: Record<string, string | undefined> = {};
    for (const k of ["since", "until", "user", "action", "outcome", "limit"] as const) {
      const v = args.flags[k];
      if (v === undefined) continue;
      if (typeof v !== "string") throw new UsageError(`--${k} needs a value`);
      q[k] = k === "since" || k === "until" ? relative(v) : v;
    }
    let filter: ReturnType<typeof auditFilter>;
    try {
      filter = auditFilter(q);
    } catch (e) {
      if (e instanceof AppError)
        throw new UsageError(e.message.replace(/^(since|until|user|action|outcome|limit)\b/, "--$1"), {
          oneLine: true,
        });
      throw e;
    }
    const s = services(args);
    try {
      const records = s.auditStore.list(filter);
      if (args.flags.json) console.log(JSON.stringify(records, null, 2));
      else if (records.length === 0) console.log("no audit records match");
      else {
        console.log(
          `${"TIME".padEnd(24)}  ${"RESULT".padEnd(6)} ${"ACTION".padEnd(22)} ${"ACTOR".padEnd(16)} ${"ADDRESS".padEnd(15)} TARGET`,
        );
        for (const r of records) console.log(line(r));
      }
    } catch (e) {
      if (e instanceof AppError) throw new CommandError(e.message);
      throw e;
    } finally {
      s.db.close();
    }
    return 0;
  },
};
