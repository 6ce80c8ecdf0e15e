// Sessions and API tokens: random tokens given to the client, only their SHA-256 stored,
// sliding expiry. The design follows the Lucia guide's session chapter.
import type { SessionOrigin, SessionsStore } from "../store/sessions-store.ts";
import type { UsersStore, UserRow } from "../store/users-store.ts";
import { hashSecret, newId, newSecret } from "../store/ids.ts";
import { storageFailure } from "../store/storage-errors.ts";

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** A session used within this long of its expiry is extended to a full TTL again. */
export const SESSION_REFRESH_MS = 15 * 24 * 3600 * 1000;
export const API_TOKEN_PREFIX = "pymd_";

export interface Authenticated {
  user: UserRow;
  sessionId: string | null;
  tokenId: string | null;
  /** Set when the session's expiry moved: the cookie must be re-sent. */
  refreshedExpiresAt: number | null;
}

export interface Revocation {
  sessionsEnded: number;
  tokensRevoked: number;
}

/** Runs a bookkeeping write; false when storage refused it (the request goes on without it). */
function bestEffort(write: () => void): boolean {
  try {
    write();
    return true;
  } catch (e) {
    if (storageFailure(e)) return false;
    throw e;
  }
}

export class SessionManager {
  /** Told whenever a user's credentials were revoked, so open connections can be closed at once. */
  private readonly revokedListeners = new Set<(userId: string) => void>();

  constructor(
    private readonly sessions: SessionsStore,
    private readonly users: UsersStore,
    private readonly now: () => number = Date.now,
  ) {}

  create(userId: string, origin: SessionOrigin = {}): { token: string; expiresAt: number } {
    const token = newSecret();
    const expiresAt = this.now() + SESSION_TTL_MS;
    this.sessions.insert({ id: hashSecret(token), userId, expiresAt }, origin);
    return { token, expiresAt };
  }

  validateSession(token: string): Authenticated | null {
    if (!/^[a-z2-7]{32}$/.test(token)) return null;
    const id = hashSecret(token);
    const s = this.sessions.byId(id);
    if (!s) return null;
    const t = this.now();
    if (s.expiresAt <= t) {
      bestEffort(() => this.sessions.delete(id));
      return null;
    }
    const user = this.users.byId(s.userId);
    if (!user || user.disabled) {
      bestEffort(() => this.sessions.delete(id));
      return null;
    }
    let refreshed: number | null = null;
    if (s.expiresAt - t < SESSION_REFRESH_MS) {
      // Best effort: on a full or read-only disk the session stays valid until its old expiry,
      // and a read must not fail because its session could not be extended.
      if (bestEffort(() => this.sessions.extend(id, t + SESSION_TTL_MS))) refreshed = t + SESSION_TTL_MS;
    }
    return { user, sessionId: id, tokenId: null, refreshedExpiresAt: refreshed };
  }

  /** Checks again that an earlier authentication still holds (session alive, token not revoked, user enabled). */
  revalidate(a: Authenticated): Authenticated | null {
    const user = this.users.byId(a.user.id);
    if (!user || user.disabled) return null;
    if (a.sessionId) {
      const s = this.sessions.byId(a.sessionId);
      if (!s || s.expiresAt <= this.now()) return null;
    } else if (a.tokenId) {
      if (!this.sessions.tokenById(a.tokenId)) return null;
    } else return null;
    return { ...a, user, refreshedExpiresAt: null };
  }

  invalidate(sessionId: string): void {
    const s = this.sessions.byId(sessionId);
    this.sessions.delete(sessionId);
    if (s) this.notifyRevoked(s.userId);
  }

  /** Revokes one of the user's API tokens; a socket opened with it closes. False when there is no such token. */
  revokeApiToken(tokenId: string, userId: string): boolean {
    const gone = this.sessions.deleteToken(tokenId, userId);
    if (gone) this.notifyRevoked(userId);
    return gone;
  }

  invalidateUser(userId: string): number {
    const n = this.sessions.deleteForUser(userId);
    this.notifyRevoked(userId);
    return n;
  }

  /**
   * Ends every session of the user except `keepSessionId` and revokes all their API tokens
   * (a new password: whoever held the old one may have made a token with it).
   */
  revokeCredentials(userId: string, keepSessionId: string | null = null): Revocation {
    const sessionsEnded = this.sessions.deleteForUserExcept(userId, keepSessionId);
    const tokensRevoked = this.sessions.deleteTokensForUser(userId);
    this.notifyRevoked(userId);
    return { sessionsEnded, tokensRevoked };
  }

  /** Ends one session of the user (its sockets close); false when it is not one of theirs. */
  endSession(sessionId: string, userId: string): boolean {
    const gone = this.sessions.deleteOfUser(sessionId, userId);
    if (gone) this.notifyRevoked(userId);
    return gone;
  }

  /** Ends every session of the user but `keepSessionId` (their API tokens stay). */
  endOtherSessions(userId: string, keepSessionId: string | null): number {
    const n = this.sessions.deleteForUserExcept(userId, keepSessionId);
    this.notifyRevoked(userId);
    return n;
  }

  onRevoked(listener: (userId: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private notifyRevoked(userId: string): void {
    for (const l of this.revokedListeners) {
      try {
        l(userId);
      } catch {
        // A listener's failure must not undo or hide the revocation itself.
      }
    }
  }

  createApiToken(userId: string, name: string): { id: string; token: string } {
    const token = API_TOKEN_PREFIX + newSecret();
    const id = newId();
    this.sessions.insertToken({ id, userId, name, tokenHash: hashSecret(token) });
    return { id, token };
  }

  validateApiToken(token: string): Authenticated | null {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return null;
    const row = this.sessions.tokenByHash(hashSecret(token));
    if (!row) return null;
    const user = this.users.byId(row.userId);
    if (!user || user.disabled) return null;
    const t = this.now();
    // Last-used is informative; writing it at most once a minute keeps reads cheap.
    if (!row.lastUsedAt || t - row.lastUsedAt > 60_000) bestEffort(() => this.sessions.touchToken(row.id, t));
    return { user, sessionId: null, tokenId: row.id, refreshedExpiresAt: null };
  }
}
