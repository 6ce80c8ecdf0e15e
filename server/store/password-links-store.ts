// One-time set-password links (migration 13): an admin makes one for a new account or a reset;
// using it sets the password once. Only a hash of the link's secret is stored; a user has at most
// one live link (a new one replaces the old).
import type { Database } from "bun:sqlite";
import { hashSecret, newSecret } from "./ids.ts";

export const PASSWORD_LINK_TTL_MS = 7 * 24 * 3600_000;

export class PasswordLinksStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new link secret for the user (their older link stops working). */
  create(userId: string): { secret: string; expiresAt: number } {
    const secret = newSecret();
    const t = this.now();
    const expiresAt = t + PASSWORD_LINK_TTL_MS;
    this.db.transaction(() => {
      this.db.query("DELETE FROM password_links WHERE user_id = ? OR expires_at < ?").run(userId, t);
      this.db
        .query("INSERT INTO password_links (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .run(hashSecret(secret), userId, t, expiresAt);
    })();
    return { secret, expiresAt };
  }

  /** The user a live link belongs to, taking the link (it works once); null when unknown or expired. */
  take(secret: string): string | null {
    return this.db.transaction(() => {
      const userId = this.peek(secret);
      if (/^[a-z2-7]{16,64}$/.test(secret))
        this.db.query("DELETE FROM password_links WHERE id = ?").run(hashSecret(secret));
      return userId;
    })();
  }

  /** Whether a link is live, without taking it (the set-password page asks before showing its form). */
  peek(secret: string): string | null {
    if (!/^[a-z2-7]{16,64}$/.test(secret)) return null;
    const row = this.db
      .query<{ userId: string; expiresAt: number }, [string]>(
        "SELECT user_id AS userId, expires_at AS expiresAt FROM password_links WHERE id = ?",
      )
      .get(hashSecret(secret));
    return row && row.expiresAt > this.now() ? row.userId : null;
  }
}
