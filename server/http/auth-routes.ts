// HTTP routes for signing in and out, the current user, settings, user search and API tokens.
import { AppError, invalid, notFound } from "../errors.ts";
import type { AuditLog } from "../auth/audit-log.ts";
import { Accounts, toPublicUser } from "../auth/accounts.ts";
import type { SessionManager } from "../auth/sessions.ts";
import type { SessionsStore } from "../store/sessions-store.ts";
import { clearSessionCookie, parseCookies, sessionCookie } from "../auth/request-credentials.ts";
import { DEVICE_COOKIE, deviceCookie } from "../store/devices-store.ts";
import { reply } from "./request-context.ts";
import type { Router } from "./router.ts";
import { IdParamsSchema } from "../../protocol/api-schemas.ts";
import {
  ApiTokenCreatedSchema,
  ApiTokenListSchema,
  AuthStatusSchema,
  CredentialsRevokedSchema,
  LoginBodySchema,
  LoginSchema,
  MeSchema,
  PasswordChangeBodySchema,
  PasswordResetBodySchema,
  SessionListSchema,
  SessionParamsSchema,
  SessionsEndedSchema,
  SettingsPatchSchema,
  SettingsSchema,
  TokenCreateBodySchema,
  UserListQuerySchema,
  UserListSchema,
  UsernameParamsSchema,
} from "../../protocol/api-schemas-auth.ts";

export interface AuthRouteDeps {
  accounts: Accounts;
  sessions: SessionManager;
  sessionsStore: SessionsStore;
  https: boolean;
  audit: AuditLog;
  /** The single sign-on button's label and where it starts, or null without a provider. */
  sso: { name: string; startUrl: string } | null;
  /** False: only admins may sign in with a password. */
  passwordLogin: boolean;
}

export const FIRST_RUN_HINT =
  "No users exist yet. Create the first admin on the server with: pymd user add NAME --admin";

export function registerAuthRoutes(r: Router, d: AuthRouteDeps): void {
  r.get(
    "/api/v1/auth/status",
    "Who is signed in (or null) and whether the server still needs its first admin",
    "optional",
    { responses: { 200: AuthStatusSchema }, errors: [401] },
    (c) => {
      const needsSetup = d.accounts.count() === 0;
      const u = c.auth?.user ?? null;
      return {
        needsSetup,
        hint: needsSetup ? FIRST_RUN_HINT : null,
        sso: d.sso,
        passwordLogin: d.passwordLogin,
        user: u ? toPublicUser(u) : null,
        settings: u ? d.accounts.settings(u.id) : null,
      };
    },
  );

  r.post(
    "/api/v1/auth/login",
    "Sign in with username and password; sets the session cookie",
    "none",
    { body: LoginBodySchema, responses: { 200: LoginSchema }, errors: [401, 429] },
    async (c) => {
      const body = await c.json();
      if (typeof body !== "object" || body === null) throw invalid("body must be {username, password}");
      const { username, password } = body as Record<string, unknown>;
      const device = parseCookies(c.request.headers.get("cookie")).get(DEVICE_COOKIE) ?? null;
      let signedIn: Awaited<ReturnType<Accounts["login"]>>;
      try {
        signedIn = await d.accounts.login(username, password, c.ip, device);
      } catch (e) {
        // wrong credentials are recorded; throttled attempts are not (they are refused unchecked)
        if (e instanceof AppError && e.code === "unauthenticated")
          d.audit.record(
            { name: typeof username === "string" ? username.slice(0, 64) : null, address: c.ip },
            { action: "auth.login", outcome: "failed", detail: { method: "password" } },
          );
        throw e;
      }
      const { user, newDevice } = signedIn;
      if (!d.passwordLogin && user.role !== "admin") {
        d.audit.record(
          { user, address: c.ip },
          { action: "auth.login", outcome: "denied", detail: { method: "password", error: "password sign-in is off" } },
        );
        throw new AppError(
          "forbidden",
          `Password sign-in is turned off on this server; use "Sign in with ${d.sso?.name ?? "single sign-on"}"`,
        );
      }
      d.audit.record(
        { user, address: c.ip },
        {
          action: "auth.login",
          detail: { method: "password", newBrowser: newDevice !== null && newDevice !== undefined },
        },
      );
      const { token, expiresAt } = d.sessions.create(user.id, {
        address: c.ip,
        agent: c.request.headers.get("user-agent"),
        method: "password",
      });
      c.setCookie(sessionCookie(token, expiresAt, d.https));
      if (newDevice) c.setCookie(deviceCookie(newDevice, d.https));
      c.log.info("login", { user: user.username });
      return { user: toPublicUser(user), expiresAt: new Date(expiresAt).toISOString() };
    },
  );

  r.post(
    "/api/v1/auth/logout",
    "End the current session",
    "optional",
    { responses: { 204: null }, errors: [401] },
    (c) => {
      if (c.auth?.sessionId) {
        d.sessions.invalidate(c.auth.sessionId);
        d.audit.record({ user: c.auth.user, address: c.ip }, { action: "auth.logout" });
      }
      c.setCookie(clearSessionCookie(d.https));
      return reply(204, null);
    },
  );

  r.get(
    "/api/v1/auth/me",
    "The signed-in user (hasPassword: false for an account that signs in through single sign-on only)",
    "user",
    { responses: { 200: MeSchema } },
    (c) => {
      const u = c.user();
      return { user: toPublicUser(u), settings: d.accounts.settings(u.id), hasPassword: !Accounts.ssoOnly(u) };
    },
  );

  r.post(
    "/api/v1/auth/password",
    "Change your password {currentPassword, newPassword}: your other sessions end, every API token is revoked and their open WebSockets close",
    "user",
    { body: PasswordChangeBodySchema, responses: { 200: CredentialsRevokedSchema }, errors: [429] },
    async (c) => {
      const u = c.user();
      const body = await c.json();
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw invalid("body must be {currentPassword, newPassword}");
      const { currentPassword, newPassword } = body as Record<string, unknown>;
      const r = await d.audit.around(
        { user: u, address: c.ip },
        { action: "auth.password.change", target: u.username },
        () => d.accounts.changeOwnPassword(u.id, currentPassword, newPassword, c.ip, c.auth?.sessionId ?? null),
      );
      c.log.info("password changed", { user: u.username, ...r });
      return {
        ...r,
        message: `Password changed. ${r.sessionsEnded} other session(s) ended and ${r.tokensRevoked} API token(s) revoked; create new tokens for scripts that need them.`,
      };
    },
  );

  r.put(
    "/api/v1/users/:username/password",
    "Reset a user's password {password} (admins): all their sessions end, every API token is revoked and their open WebSockets close",
    "admin",
    { params: UsernameParamsSchema, body: PasswordResetBodySchema, responses: { 200: CredentialsRevokedSchema } },
    async (c) => {
      const admin = c.admin();
      const body = await c.json();
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("body must be {password}");
      const self = c.params.username === admin.username ? (c.auth?.sessionId ?? null) : null;
      const r = await d.audit.around(
        { user: admin, address: c.ip },
        { action: "auth.password.reset", target: c.params.username! },
        () => d.accounts.setPassword(c.params.username!, (body as Record<string, unknown>).password, self),
      );
      c.log.info("password reset", { by: admin.username, user: c.params.username, ...r });
      return {
        ...r,
        message: `Password reset. ${r.sessionsEnded} session(s) ended and ${r.tokensRevoked} API token(s) revoked.`,
      };
    },
  );

  r.get(
    "/api/v1/auth/sessions",
    "Your signed-in sessions (browsers), newest first, with where and how each began",
    "user",
    { responses: { 200: SessionListSchema } },
    (c) => {
      const u = c.user();
      return {
        sessions: d.sessionsStore.forUser(u.id).map((s) => ({
          id: s.id,
          createdAt: new Date(s.createdAt).toISOString(),
          expiresAt: new Date(s.expiresAt).toISOString(),
          address: s.address,
          agent: s.agent,
          method: s.method,
          current: s.id === c.auth?.sessionId,
        })),
      };
    },
  );

  r.delete(
    "/api/v1/auth/sessions/:id",
    "Sign out one of your sessions (its open WebSockets close)",
    "user",
    { params: SessionParamsSchema, responses: { 204: null } },
    (c) => {
      const u = c.user();
      if (!/^[0-9a-f]{64}$/.test(c.params.id!) || !d.sessions.endSession(c.params.id!, u.id))
        throw notFound("No such session of yours");
      d.audit.record(
        { user: u, address: c.ip },
        { action: "auth.session.end", target: u.username, detail: { sessions: 1 } },
      );
      return reply(204, null);
    },
  );

  r.post(
    "/api/v1/auth/sessions/end-others",
    "Sign out every other session of yours (this one stays signed in)",
    "user",
    { responses: { 200: SessionsEndedSchema } },
    (c) => {
      const u = c.user();
      const ended = d.sessions.endOtherSessions(u.id, c.auth?.sessionId ?? null);
      d.audit.record(
        { user: u, address: c.ip },
        { action: "auth.session.end", target: u.username, detail: { sessions: ended, others: true } },
      );
      return { ended, message: `${ended} other session(s) signed out.` };
    },
  );

  r.get(
    "/api/v1/users/me/settings",
    "The signed-in user's settings",
    "user",
    { responses: { 200: SettingsSchema } },
    (c) => d.accounts.settings(c.user().id),
  );

  r.patch(
    "/api/v1/users/me/settings",
    "Change settings: theme, editorFontSize, tabSize, wordWrap, lineNumbers, displayName, avatarColour, language, email, emailNotifications",
    "user",
    { body: SettingsPatchSchema, responses: { 200: SettingsSchema } },
    async (c) => {
      const u = c.user();
      return d.accounts.updateSettings(u.id, await c.json());
    },
  );

  r.get(
    "/api/v1/users",
    "List users (admins); ?q= prefix search of usernames (any user)",
    "user",
    { query: UserListQuerySchema, responses: { 200: UserListSchema } },
    (c) => {
      const u = c.user();
      const q = c.query.q;
      if (q === undefined) {
        c.admin();
        return { users: d.accounts.list().map(toPublicUser) };
      }
      if (q.length > 32) throw invalid("q must be at most 32 characters");
      // Non-admins see only names, for picking people to share with.
      const found = d.accounts
        .list(q)
        .filter((x) => !x.disabled)
        .slice(0, 20);
      return {
        users: u.role === "admin" ? found.map(toPublicUser) : found.map((x) => ({ id: x.id, username: x.username })),
      };
    },
  );

  r.post(
    "/api/v1/tokens",
    "Create an API token (shown once)",
    "user",
    { body: TokenCreateBodySchema, responses: { 201: ApiTokenCreatedSchema } },
    async (c) => {
      const u = c.user();
      const body = (await c.json()) as Record<string, unknown> | null;
      const name = body?.name;
      if (typeof name !== "string" || name.trim().length < 1 || name.length > 100)
        throw invalid("name must be 1–100 characters");
      if (d.sessionsStore.tokensForUser(u.id).length >= 50)
        throw invalid("at most 50 tokens per user; delete one first");
      const t = d.sessions.createApiToken(u.id, name.trim());
      d.audit.record(
        { user: u, address: c.ip },
        { action: "token.create", target: u.username, detail: { token: t.id, name: name.trim() } },
      );
      return reply(201, { id: t.id, name: name.trim(), token: t.token });
    },
  );

  r.get(
    "/api/v1/tokens",
    "List your API tokens (never the secrets)",
    "user",
    { responses: { 200: ApiTokenListSchema } },
    (c) => {
      const u = c.user();
      return {
        tokens: d.sessionsStore.tokensForUser(u.id).map((t) => ({
          id: t.id,
          name: t.name,
          createdAt: new Date(t.createdAt).toISOString(),
          lastUsedAt: t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : null,
        })),
      };
    },
  );

  r.delete(
    "/api/v1/tokens/:id",
    "Revoke an API token (a WebSocket opened with it closes)",
    "user",
    { params: IdParamsSchema, responses: { 204: null } },
    (c) => {
      const u = c.user();
      if (!d.sessions.revokeApiToken(c.params.id!, u.id)) throw notFound("Token not found");
      d.audit.record(
        { user: u, address: c.ip },
        { action: "token.revoke", target: u.username, detail: { token: c.params.id! } },
      );
      return reply(204, null);
    },
  );
}
