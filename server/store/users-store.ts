// Users and their settings in SQLite.
import type { Database } from "bun:sqlite";
import { bumpAccessEpoch } from "./access-epoch.ts";

export type Role = "admin" | "user" | "viewer";
export const ROLES: readonly Role[] = ["admin", "user", "viewer"];

export interface UserRow {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
  settings: string;
  createdAt: number;
  updatedAt: number;
}

interface RawUser {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  disabled: number;
  settings: string;
  created_at: number;
  updated_at: number;
}

const toUser = (r: RawUser): UserRow => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role,
  disabled: r.disabled !== 0,
  settings: r.settings,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class UsersStore {
  constructor(private readonly db: Database) {}

  insert(u: { id: string; username: string; passwordHash: string; role: Role }, now = Date.now()): void {
    this.db
      .query("INSERT INTO users (id, username, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(u.id, u.username, u.passwordHash, u.role, now, now);
  }

  byId(id: string): UserRow | null {
    const r = this.db.query<RawUser, [string]>("SELECT * FROM users WHERE id = ?").get(id);
    return r ? toUser(r) : null;
  }

  byUsername(username: string): UserRow | null {
    const r = this.db.query<RawUser, [string]>("SELECT * FROM users WHERE username = ?").get(username);
    return r ? toUser(r) : null;
  }

  list(opts: { prefix?: string; limit?: number } = {}): UserRow[] {
    const limit = opts.limit ?? 1000;
    if (opts.prefix) {
      const escaped = opts.prefix.replace(/[\\%_]/g, (c) => "\\" + c);
      return this.db
        .query<RawUser, [string, number]>(
          "SELECT * FROM users WHERE username LIKE ? ESCAPE '\\' ORDER BY username LIMIT ?",
        )
        .all(escaped + "%", limit)
        .map(toUser);
    }
    return this.db.query<RawUser, [number]>("SELECT * FROM users ORDER BY username LIMIT ?").all(limit).map(toUser);
  }

  count(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()?.n ?? 0;
  }

  setPassword(id: string, passwordHash: string): void {
    this.db.query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?").run(passwordHash, Date.now(), id);
  }

  setRole(id: string, role: Role): void {
    this.db.query("UPDATE users SET role = ?, updated_at = ? WHERE id = ?").run(role, Date.now(), id);
    bumpAccessEpoch(this.db);
  }

  setDisabled(id: string, disabled: boolean): void {
    this.db.query("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?").run(disabled ? 1 : 0, Date.now(), id);
    bumpAccessEpoch(this.db);
  }

  setSettings(id: string, settingsJson: string): void {
    this.db.query("UPDATE users SET settings = ?, updated_at = ? WHERE id = ?").run(settingsJson, Date.now(), id);
  }

  delete(id: string): void {
    this.db.query("DELETE FROM users WHERE id = ?").run(id);
    bumpAccessEpoch(this.db);
  }

  countAdmins(): number {
    return (
      this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0").get()
        ?.n ?? 0
    );
  }
}
