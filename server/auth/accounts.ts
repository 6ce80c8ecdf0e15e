// Account rules: creating and managing users, logging in, per-user settings.
// Used alike by the HTTP API and the admin command line.
import type { SettingsJson } from "../../protocol/api-types.ts";
import { DEFAULT_SETTINGS } from "../../protocol/default-settings.ts";
import { AppError, conflict, invalid, notFound } from "../errors.ts";
import { newId } from "../store/ids.ts";
import { ROLES, type Role, type UserRow, type UsersStore } from "../store/users-store.ts";
import type { DocumentsStore } from "../store/documents-store.ts";
import { checkPasswordPolicy, hashPassword, verifyAgainstDummy, verifyPassword } from "./passwords.ts";
import { LoginThrottle } from "./login-throttle.ts";
import type { DevicesStore } from "../store/devices-store.ts";
import type { PasswordLinksStore } from "../store/password-links-store.ts";
import type { Revocation, SessionManager } from "./sessions.ts";

export const USERNAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,31}$/;

export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export const toPublicUser = (u: UserRow): PublicUser => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  createdAt: new Date(u.createdAt).toISOString(),
});

/** A user's settings: the shape the client reads and writes (protocol/api-types.ts). */
export type Settings = SettingsJson;

export const LANGUAGES = ["auto", "en", "zh-TW"] as const;

export function checkUsername(name: unknown): string {
  if (typeof name !== "string" || !USERNAME_PATTERN.test(name)) {
    throw invalid("username must be 1–32 characters: letters, digits, '_', '.', '-', starting with a letter or digit");
  }
  return name;
}

export function checkRole(role: unknown): Role {
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) {
    throw invalid(`role must be one of ${ROLES.join(", ")}`);
  }
  return role as Role;
}

/** Validates a partial settings object; unknown keys are refused so typos do not pass silently. */
/** An e-mail address as far as sending to it goes: no spaces, no angle brackets, one @, a dot in the domain. */
const EMAIL = /^[^\s<>@",;]{1,64}@[^\s<>@",;]+\.[^\s<>@",;]{2,}$/;

export function checkSettingsPatch(patch: unknown): Partial<Settings> {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch))
    throw invalid("settings must be a JSON object");
  const out: Partial<Settings> = {};
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case "theme":
        if (v !== "light" && v !== "dark" && v !== "system")
          throw invalid("theme must be light, dark or system", { theme: "invalid" });
        out.theme = v;
        break;
      case "editorFontSize":
        if (!Number.isInteger(v) || (v as number) < 8 || (v as number) > 40)
          throw invalid("editorFontSize must be a whole number from 8 to 40", { editorFontSize: "invalid" });
        out.editorFontSize = v as number;
        break;
      case "tabSize":
        if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 8)
          throw invalid("tabSize must be a whole number from 1 to 8", { tabSize: "invalid" });
        out.tabSize = v as number;
        break;
      case "email":
        if (typeof v !== "string" || (v.trim() !== "" && !EMAIL.test(v.trim())))
          throw invalid("email must be an address such as dana@example.org, or empty", { email: "invalid" });
        out.email = v.trim();
        break;
      case "wordWrap":
      case "lineNumbers":
      case "emailNotifications":
        if (typeof v !== "boolean") throw invalid(`${k} must be true or false`, { [k]: "invalid" });
        out[k] = v;
        break;
      case "displayName":
        if (typeof v !== "string" || v.trim().length > 64 || /[\u0000-\u001f\u007f]/.test(v))
          throw invalid("displayName must be at most 64 characters, without control characters", {
            displayName: "invalid",
          });
        out.displayName = v.trim();
        break;
      case "avatarColour":
        if (typeof v !== "string" || (v !== "" && !/^#[0-9a-fA-F]{6}$/.test(v)))
          throw invalid("avatarColour must be a colour such as #3366cc, or empty", { avatarColour: "invalid" });
        out.avatarColour = v.toLowerCase();
        break;
      case "language":
        if (!(LANGUAGES as readonly unknown[]).includes(v))
          throw invalid(`language must be one of ${LANGUAGES.join(", ")}`, { language: "invalid" });
        out.language = v as Settings["language"];
        break;
      default:
        throw invalid(`unknown setting: ${k}`, { [k]: "unknown" });
    }
  }
  return out;
}

export function parseSettings(json: string): Settings {
  try {
    const stored = JSON.parse(json) as unknown;
    return { ...DEFAULT_SETTINGS, ...checkSettingsPatch(stored) };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

const LOGIN_FAILED = "Wrong username or password";

/** The password hash of an account without a password: no password verifies against it. */
export const NO_PASSWORD = "";

export class Accounts {
  /** Failed sign-ins per (account, address) with back-off, and per address. */
  readonly throttle = new LoginThrottle();

  constructor(
    private readonly users: UsersStore,
    private readonly documents: DocumentsStore,
    private readonly sessions: SessionManager,
    private readonly devices: DevicesStore,
  ) {}

  async addUser(username: unknown, password: unknown, role: unknown = "user"): Promise<UserRow> {
    const name = checkUsername(username);
    const r = checkRole(role);
    const pw = checkPasswordPolicy(password);
    if (this.users.byUsername(name)) throw conflict(`user ${name} already exists`);
    return this.insertUser(name, await hashPassword(pw), r);
  }

  private insertUser(name: string, passwordHash: string, role: Role): UserRow {
    const id = newId();
    try {
      this.users.insert({ id, username: name, passwordHash, role });
    } catch (e) {
      if (String(e).includes("UNIQUE")) throw conflict(`user ${name} already exists`);
      throw e;
    }
    return this.users.byId(id)!;
  }

  /**
   * An account that signs in through the single sign-on provider only: it has no password (so no
   * password sign-in can succeed), and the provider's first sign-in with its username links to it.
   */
  addSsoUser(username: unknown, role: unknown = "user"): UserRow {
    const name = checkUsername(username);
    const r = checkRole(role);
    if (this.users.byUsername(name)) throw conflict(`user ${name} already exists`);
    return this.insertUser(name, NO_PASSWORD, r);
  }

  /**
   * Sets a password through a one-time link an admin made: the link works once, and every
   * session and API token of the account ends (whoever had the old password is out).
   */
  async setPasswordByLink(links: PasswordLinksStore, secret: unknown, password: unknown): Promise<UserRow> {
    if (typeof secret !== "string") throw invalid("token is required");
    const pw = checkPasswordPolicy(password);
    const userId = links.take(secret);
    const u = userId ? this.users.byId(userId) : null;
    if (!u || u.disabled)
      throw new AppError("not_found", "This link is unknown, used or expired; ask an administrator for a new one");
    this.users.setPassword(u.id, await hashPassword(pw));
    this.sessions.revokeCredentials(u.id, null);
    return this.users.byId(u.id)!;
  }

  /** Removes the account's password: it signs in through single sign-on only (its sessions and tokens end). */
  switchToSso(username: string): Revocation {
    const u = this.get(username);
    this.users.setPassword(u.id, NO_PASSWORD);
    return this.sessions.revokeCredentials(u.id, null);
  }

  /** True when the account has no password (it signs in through single sign-on only). */
  static ssoOnly(u: UserRow): boolean {
    return u.passwordHash === NO_PASSWORD;
  }

  get(username: string): UserRow {
    const u = this.users.byUsername(username);
    if (!u) throw notFound(`no user named ${username}`);
    return u;
  }

  list(prefix?: string): UserRow[] {
    return this.users.list({ prefix });
  }

  count(): number {
    return this.users.count();
  }

  /**
   * Sets a new password (an admin's reset, `pymd user passwd`). It ends every session and revokes
   * every API token of the user (but `keepSessionId`, an admin resetting their own): a reset is
   * usually because the old password got out.
   */
  async setPassword(username: string, password: unknown, keepSessionId: string | null = null): Promise<Revocation> {
    const u = this.get(username);
    const pw = checkPasswordPolicy(password);
    this.users.setPassword(u.id, await hashPassword(pw));
    return this.sessions.revokeCredentials(u.id, keepSessionId);
  }

  /**
   * A user changing their own password, proving the current one (throttled like a sign-in).
   * Their other sessions end and all their API tokens are revoked; `keepSessionId` (the session
   * asking) stays signed in.
   */
  async changeOwnPassword(
    userId: string,
    current: unknown,
    next: unknown,
    address: string,
    keepSessionId: string | null,
  ): Promise<Revocation> {
    if (typeof current !== "string" || current.length > 1024)
      throw invalid("currentPassword is required", { currentPassword: "required" });
    const u = this.users.byId(userId);
    if (!u || u.disabled) throw new AppError("unauthenticated", "Sign in first");
    const pw = checkPasswordPolicy(next);
    // signed in already: the session is the proof that this is the owner's browser
    const at = { address, knownDevice: true };
    const c = this.throttle.check(u.username, at);
    if (!c.allowed)
      throw new AppError("rate_limited", "Too many wrong passwords; try again later", {
        retryAfterSeconds: c.retryAfterSeconds,
      });
    const release = this.throttle.begin(u.username, at);
    try {
      if (!(await verifyPassword(current, u.passwordHash))) {
        this.throttle.failed(u.username, at);
        throw invalid("the current password is wrong", { currentPassword: "wrong" });
      }
      this.throttle.succeeded(u.username, at);
    } finally {
      release();
    }
    this.users.setPassword(u.id, await hashPassword(pw));
    return this.sessions.revokeCredentials(u.id, keepSessionId);
  }

  setRole(username: string, role: unknown): UserRow {
    const u = this.get(username);
    const r = checkRole(role);
    if (u.role === "admin" && r !== "admin" && !u.disabled && this.users.countAdmins() <= 1) {
      throw conflict(`${username} is the last admin; make someone else admin first`);
    }
    this.users.setRole(u.id, r);
    return this.users.byId(u.id)!;
  }

  setDisabled(username: string, disabled: boolean): { user: UserRow; sessionsEnded: number } {
    const u = this.get(username);
    if (disabled && u.role === "admin" && !u.disabled && this.users.countAdmins() <= 1) {
      throw conflict(`${username} is the last admin; make someone else admin first`);
    }
    this.users.setDisabled(u.id, disabled);
    const sessionsEnded = disabled ? this.sessions.invalidateUser(u.id) : 0;
    return { user: this.users.byId(u.id)!, sessionsEnded };
  }

  delete(username: string, transferTo?: string): { transferred: number } {
    const u = this.get(username);
    if (u.role === "admin" && !u.disabled && this.users.countAdmins() <= 1) {
      throw conflict(`${username} is the last admin; make someone else admin first`);
    }
    const owned = this.documents.countOwnedBy(u.id);
    let transferred = 0;
    if (owned > 0) {
      if (!transferTo)
        throw conflict(`${username} owns ${owned} document(s); pass --transfer-to OTHER to give them to another user`);
      const target = this.get(transferTo);
      if (target.id === u.id) throw invalid("cannot transfer documents to the user being deleted");
      transferred = this.documents.transferOwnership(u.id, target.id);
    }
    this.sessions.invalidateUser(u.id);
    this.users.delete(u.id);
    return { transferred };
  }

  /**
   * Checks credentials under the rate limits; the failure message never says whether the user
   * exists. `device` is the browser's device cookie, if any; `newDevice` in the answer is one to
   * give it when it had none valid for this account.
   */
  async login(
    username: unknown,
    password: unknown,
    address: string,
    device: string | null = null,
  ): Promise<{ user: UserRow; newDevice: string | null }> {
    if (
      typeof username !== "string" ||
      typeof password !== "string" ||
      username.length > 64 ||
      password.length > 1024
    ) {
      throw invalid("username and password are required strings");
    }
    // Throttled per (account, address) and per address; per account only for browsers that never
    // signed in to it: a stranger's failures slow the stranger, and the owner is not locked out.
    const known = this.users.byUsername(username);
    const at = { address, knownDevice: known !== null && this.devices.known(known.id, device) };
    const c = this.throttle.check(username, at);
    if (!c.allowed) {
      const message =
        c.scope === "account"
          ? "Too many failed sign-ins to this account from browsers it does not know; try again later, or from a browser you have signed in with before"
          : "Too many failed sign-ins from your address; try again later";
      throw new AppError("rate_limited", message, { retryAfterSeconds: c.retryAfterSeconds });
    }
    const release = this.throttle.begin(username, at);
    try {
      const user = known;
      if (!user) {
        await verifyAgainstDummy(password);
        this.throttle.failed(username, at);
        throw new AppError("unauthenticated", LOGIN_FAILED);
      }
      const ok = await verifyPassword(password, user.passwordHash);
      if (!ok || user.disabled) {
        this.throttle.failed(username, at);
        throw new AppError("unauthenticated", LOGIN_FAILED);
      }
      this.throttle.succeeded(username, at);
      return { user, newDevice: at.knownDevice ? null : this.devices.add(user.id) };
    } finally {
      release();
    }
  }

  settings(userId: string): Settings {
    const u = this.users.byId(userId);
    if (!u) throw notFound("no such user");
    return parseSettings(u.settings);
  }

  updateSettings(userId: string, patch: unknown): Settings {
    const p = checkSettingsPatch(patch);
    const next = { ...this.settings(userId), ...p };
    this.users.setSettings(userId, JSON.stringify(next));
    return next;
  }
}
