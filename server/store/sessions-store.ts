// Login sessions and API tokens in SQLite; only hashes of the secrets are stored.
import type { Database } from "bun:sqlite";
import { bumpAccessEpoch } from "./access-epoch.ts";

export interface SessionRow {
  id: string;
  userId: string;
  expiresAt: number;
}

/** Where and how a session began (shown to its user). */
export interface SessionOrigin {
  address?: string | null;
  agent?: string | null;
  method?: "password" | "sso" | null;
}

export interface SessionListing extends SessionRow {
  createdAt: number;
  address: string | null;
  agent: string | null;
  method: string | null;
}

export interface ApiTokenRow {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export class SessionsStore {
  constructor(private readonly db: Database) {}

  insert(s: SessionRow, origin: SessionOrigin = {}): void {
    this.db
      .query(
        "INSERT INTO sessions (id, user_id, expires_at, created_at, address, agent, method) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        s.id,
        s.userId,
        s.expiresAt,
        Date.now(),
        origin.address?.slice(0, 64) ?? null,
        origin.agent?.slice(0, 200) ?? null,
        origin.method ?? null,
      );
  }

  /** A user's sessions that have not expired, newest first. */
  forUser(userId: string, now = Date.now()): SessionListing[] {
    return this.db
      .query<SessionListing, [string, number]>(
        "SELECT id, user_id AS userId, expires_at AS expiresAt, created_at AS createdAt, address, agent, method FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC",
      )
      .all(userId, now);
  }

  /** Ends one session of this user; false when there is no such session of theirs. */
  deleteOfUser(id: string, userId: string): boolean {
    const n = this.db.query("DELETE FROM sessions WHERE id = ? AND user_id = ?").run(id, userId).changes;
    if (n) bumpAccessEpoch(this.db);
    return n > 0;
  }

  byId(id: string): SessionRow | null {
    return this.db
      .query<SessionRow, [string]>("SELECT id, user_id AS userId, expires_at AS expiresAt FROM sessions WHERE id = ?")
      .get(id);
  }

  extend(id: string, expiresAt: number): void {
    this.db.query("UPDATE sessions SET expires_at = ? WHERE id = ?").run(expiresAt, id);
  }

  delete(id: string): void {
    this.db.query("DELETE FROM sessions WHERE id = ?").run(id);
    bumpAccessEpoch(this.db);
  }

  deleteForUser(userId: string): number {
    const r = this.db.query("DELETE FROM sessions WHERE user_id = ?").run(userId).changes;
    bumpAccessEpoch(this.db);
    return r;
  }

  /** Ends every session of the user but `keepId` (the one that changed the password). */
  deleteForUserExcept(userId: string, keepId: string | null): number {
    const r = this.db.query("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?").run(userId, keepId).changes;
    bumpAccessEpoch(this.db);
    return r;
  }

  deleteTokensForUser(userId: string): number {
    const r = this.db.query("DELETE FROM api_tokens WHERE user_id = ?").run(userId).changes;
    bumpAccessEpoch(this.db);
    return r;
  }

  deleteExpired(now = Date.now()): number {
    const r = this.db.query("DELETE FROM sessions WHERE expires_at <= ?").run(now).changes;
    bumpAccessEpoch(this.db);
    return r;
  }

  insertToken(t: { id: string; userId: string; name: string; tokenHash: string }): void {
    this.db
      .query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(t.id, t.userId, t.name, t.tokenHash, Date.now());
  }

  tokenByHash(hash: string): ApiTokenRow | null {
    return this.db
      .query<ApiTokenRow, [string]>(
        "SELECT id, user_id AS userId, name, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_tokens WHERE token_hash = ?",
      )
      .get(hash);
  }

  tokenById(id: string): ApiTokenRow | null {
    return this.db
      .query<ApiTokenRow, [string]>(
        "SELECT id, user_id AS userId, name, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_tokens WHERE id = ?",
      )
      .get(id);
  }

  touchToken(id: string, now = Date.now()): void {
    this.db.query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(now, id);
  }

  tokensForUser(userId: string): ApiTokenRow[] {
    return this.db
      .query<ApiTokenRow, [string]>(
        "SELECT id, user_id AS userId, name, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC",
      )
      .all(userId);
  }

  deleteToken(id: string, userId: string): boolean {
    const r = this.db.query("DELETE FROM api_tokens WHERE id = ? AND user_id = ?").run(id, userId).changes > 0;
    bumpAccessEpoch(this.db);
    return r;
  }
}
