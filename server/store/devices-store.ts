// Browsers known to an account: each successful sign-in from a browser without a valid device
// cookie gives it one (a random secret; only its hash is stored). Sign-in throttling trusts a
// browser that presents it (server/auth/login-throttle.ts). A user keeps at most MAX_PER_USER,
// the least recently used are forgotten first; unused ones go after MAX_AGE_MS.
import type { Database } from "bun:sqlite";
import { hashSecret, newSecret } from "./ids.ts";

export const DEVICE_COOKIE = "pymd_device";
const MAX_PER_USER = 20;
export const DEVICE_MAX_AGE_MS = 365 * 24 * 3600_000;

export class DevicesStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `secret` is a device cookie given to this user's browser (and marks it used). */
  known(userId: string, secret: string | null | undefined): boolean {
    if (!secret || secret.length > 64) return false;
    const id = hashSecret(secret);
    const t = this.now();
    const row = this.db
      .query<{ lastUsedAt: number }, [string, string]>(
        "SELECT last_used_at AS lastUsedAt FROM known_devices WHERE id = ? AND user_id = ?",
      )
      .get(id, userId);
    if (!row || t - row.lastUsedAt > DEVICE_MAX_AGE_MS) return false;
    this.db.query("UPDATE known_devices SET last_used_at = ? WHERE id = ?").run(t, id);
    return true;
  }

  /** A new device secret for the user's browser. */
  add(userId: string): string {
    const secret = newSecret();
    const t = this.now();
    this.db.transaction(() => {
      this.db
        .query("INSERT INTO known_devices (id, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)")
        .run(hashSecret(secret), userId, t, t);
      this.db
        .query(
          "DELETE FROM known_devices WHERE user_id = ? AND id NOT IN (SELECT id FROM known_devices WHERE user_id = ? ORDER BY last_used_at DESC LIMIT ?)",
        )
        .run(userId, userId, MAX_PER_USER);
      this.db.query("DELETE FROM known_devices WHERE last_used_at < ?").run(t - DEVICE_MAX_AGE_MS);
    })();
    return secret;
  }
}

/** The Set-Cookie value for a device secret: sent to the sign-in routes only, never readable by scripts. */
export function deviceCookie(secret: string, secure: boolean): string {
  return `${DEVICE_COOKIE}=${secret}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(DEVICE_MAX_AGE_MS / 1000)}${secure ? "; Secure" : ""}`;
}
