// Which account an OpenID Connect identity (issuer, subject) signs in as (migration 11).
import type { Database } from "bun:sqlite";

export class SsoStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user an identity is linked to (and marks it used), or null. */
  userFor(issuer: string, subject: string): string | null {
    const row = this.db
      .query<{ userId: string }, [string, string]>(
        "SELECT user_id AS userId FROM sso_identities WHERE issuer = ? AND subject = ?",
      )
      .get(issuer, subject);
    if (!row) return null;
    this.db
      .query("UPDATE sso_identities SET last_used_at = ? WHERE issuer = ? AND subject = ?")
      .run(this.now(), issuer, subject);
    return row.userId;
  }

  link(issuer: string, subject: string, userId: string): void {
    const t = this.now();
    this.db
      .query("INSERT INTO sso_identities (issuer, subject, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)")
      .run(issuer, subject, userId, t, t);
  }

  /** The identities linked to a user (for `pymd user list` and the admin page). */
  forUser(userId: string): { issuer: string; subject: string }[] {
    return this.db
      .query<{ issuer: string; subject: string }, [string]>(
        "SELECT issuer, subject FROM sso_identities WHERE user_id = ? ORDER BY created_at",
      )
      .all(userId);
  }
}
