// The admin page's API: users with their usage (create with a one-time set-password link,
// role, disable and enable, a reset link, delete with transfer) and the server's status; and the
// public half of a set-password link.
import { statSync } from "node:fs";
import { Accounts, toPublicUser } from "../auth/accounts.ts";
import type { AuditLog } from "../auth/audit-log.ts";
import type { SessionManager } from "../auth/sessions.ts";
import { invalid, notFound } from "../errors.ts";
import type { Static } from "@sinclair/typebox";
import type { Sandbox } from "../../sandbox/index.ts";
import type { MailStatus } from "../documents/notification-mail.ts";
import type { PasswordLinksStore } from "../store/password-links-store.ts";
import type { UsersStore } from "../store/users-store.ts";
import type { DocumentsStore } from "../store/documents-store.ts";
import type { ExecutionsStore } from "../store/executions-store.ts";
import { VERSION } from "../version.ts";
import { sessionCookie } from "../auth/request-credentials.ts";
import type { Ctx } from "./request-context.ts";
import { reply } from "./request-context.ts";
import type { Router } from "./router.ts";
import type { AdminStatusJson, AdminUserJson } from "../../protocol/api-types.ts";
import {
  AdminStatusSchema,
  AdminUserCreateSchema,
  AdminUserCreatedSchema,
  AdminUserDeleteQuerySchema,
  AdminUserListSchema,
  AdminUserPatchSchema,
  PasswordLinkAccountSchema,
  PasswordLinkQuerySchema,
  PasswordLinkSchema,
  PasswordLinkSetSchema,
  TransferredSchema,
  UsernameParamsSchema,
  UserResponseSchema,
} from "../../protocol/api-schemas-admin.ts";

export interface AdminRouteDeps {
  accounts: Accounts;
  users: UsersStore;
  documents: DocumentsStore;
  executions: ExecutionsStore;
  links: PasswordLinksStore;
  sessions: SessionManager;
  audit: AuditLog;
  baseUrl: URL | null;
  https: boolean;
  databaseFile: string;
  startedAt: number;
  storageByUser: () => Map<string, number>;
  kernelsByUser: () => Map<string, number>;
  terminalsByUser: () => Map<string, number>;
  openDocuments: () => number;
  sandbox: () => Promise<Sandbox>;
  /** Notification mail: its outbox's counts and last failure (configured false without --smtp-url). */
  mail: () => MailStatus;
}

const linkUrl = (d: AdminRouteDeps, c: Ctx, secret: string) =>
  new URL(`/set-password#${secret}`, d.baseUrl ?? c.url.origin).href;

export function registerAdminRoutes(r: Router, d: AdminRouteDeps): void {
  r.get(
    "/api/v1/admin/users",
    "Every account with its usage: documents, workspace bytes, executions today, live kernels, open terminals (admins)",
    "admin",
    { responses: { 200: AdminUserListSchema } },
    (): { users: AdminUserJson[] } => {
      const storage = d.storageByUser();
      const kernels = d.kernelsByUser();
      const terminals = d.terminalsByUser();
      return {
        users: d.accounts.list().map((u) => ({
          ...toPublicUser(u),
          hasPassword: !Accounts.ssoOnly(u),
          usage: {
            documents: d.documents.countOwnedBy(u.id),
            storageBytes: storage.get(u.username) ?? 0,
            executionsToday: d.executions.today(u.id),
            kernels: kernels.get(u.id) ?? 0,
            terminals: terminals.get(u.id) ?? 0,
          },
        })),
      };
    },
  );

  r.post(
    "/api/v1/admin/users",
    "Create an account {username, role?, sso?}: answers a one-time link to set its password (7 days), or none for single sign-on (admins)",
    "admin",
    { body: AdminUserCreateSchema, responses: { 201: AdminUserCreatedSchema }, errors: [409] },
    async (c) => {
      const admin = c.admin();
      const b = (await c.json()) as Static<typeof AdminUserCreateSchema>;
      const sso = b.sso === true;
      const user = await d.audit.around(
        { user: admin, address: c.ip },
        {
          action: "user.add",
          target: b.username.slice(0, 64),
          detail: { role: b.role ?? "user", sso },
        },
        () => d.accounts.addSsoUser(b.username, b.role ?? "user"),
      );
      if (sso) return reply(201, { user: toPublicUser(user), link: null, linkExpiresAt: null });
      const link = d.links.create(user.id);
      return reply(201, {
        user: toPublicUser(user),
        link: linkUrl(d, c, link.secret),
        linkExpiresAt: new Date(link.expiresAt).toISOString(),
      });
    },
  );

  r.patch(
    "/api/v1/admin/users/:username",
    "Change an account's role or disable/enable it {role?, disabled?} (admins; the last admin stays)",
    "admin",
    {
      params: UsernameParamsSchema,
      body: AdminUserPatchSchema,
      responses: { 200: UserResponseSchema },
      errors: [409],
    },
    async (c) => {
      const admin = c.admin();
      const name = c.params.username!;
      const b = (await c.json()) as Static<typeof AdminUserPatchSchema>;
      if (b.role === undefined && b.disabled === undefined) throw invalid("give role or disabled");
      const actor = { user: admin, address: c.ip };
      if (b.role !== undefined)
        await d.audit.around(actor, { action: "user.role", target: name, detail: { role: b.role } }, () =>
          d.accounts.setRole(name, b.role),
        );
      if (b.disabled !== undefined) {
        const disabled = b.disabled;
        await d.audit.around(actor, { action: disabled ? "user.disable" : "user.enable", target: name }, () =>
          d.accounts.setDisabled(name, disabled),
        );
      }
      return { user: toPublicUser(d.accounts.get(name)) };
    },
  );

  r.post(
    "/api/v1/admin/users/:username/password-link",
    "A one-time link for the user to set a new password (7 days; using it ends their sessions and tokens) (admins)",
    "admin",
    { params: UsernameParamsSchema, responses: { 200: PasswordLinkSchema } },
    async (c) => {
      const admin = c.admin();
      const user = d.accounts.get(c.params.username!);
      const link = d.links.create(user.id);
      d.audit.record({ user: admin, address: c.ip }, { action: "auth.password.link", target: user.username });
      return { link: linkUrl(d, c, link.secret), expiresAt: new Date(link.expiresAt).toISOString() };
    },
  );

  r.delete(
    "/api/v1/admin/users/:username",
    "Delete an account (?transferTo=NAME gives its documents to another) (admins)",
    "admin",
    {
      params: UsernameParamsSchema,
      query: AdminUserDeleteQuerySchema,
      responses: { 200: TransferredSchema },
      errors: [409],
    },
    async (c) => {
      const admin = c.admin();
      const name = c.params.username!;
      if (name === admin.username) throw invalid("you cannot delete your own account here");
      const to = c.query.transferTo;
      return d.audit.around(
        { user: admin, address: c.ip },
        { action: "user.delete", target: name, detail: { transferTo: to ?? null } },
        () => d.accounts.delete(name, to),
        (x) => ({ transferred: x.transferred }),
      );
    },
  );

  r.get(
    "/api/v1/admin/status",
    "The server: version, uptime, sandbox and its limits, database size, open documents, kernels, terminals and notification mail (admins)",
    "admin",
    { responses: { 200: AdminStatusSchema } },
    async (): Promise<AdminStatusJson> => {
      const sb = await d.sandbox().catch(() => null);
      let dbBytes = 0;
      for (const f of [d.databaseFile, d.databaseFile + "-wal"]) {
        try {
          dbBytes += statSync(f).size;
        } catch {}
      }
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      return {
        version: VERSION,
        uptimeSeconds: Math.floor((Date.now() - d.startedAt) / 1000),
        sandbox: sb
          ? {
              backend: sb.backend,
              refusal: sb.backend === "unavailable" ? (sb.refusal ?? null) : null,
              limits: sb.limits,
            }
          : null,
        database: { bytes: dbBytes },
        users: d.users.count(),
        openDocuments: d.openDocuments(),
        kernels: sum(d.kernelsByUser()),
        terminals: sum(d.terminalsByUser()),
        mail: d.mail(),
      };
    },
  );

  // the other half, for the person holding the link
  r.get(
    "/api/v1/auth/password-link",
    "Whether a set-password link is live: its account's name (?token=)",
    "none",
    { query: PasswordLinkQuerySchema, responses: { 200: PasswordLinkAccountSchema }, errors: [404] },
    (c) => {
      const userId = d.links.peek(c.query.token ?? "");
      const u = userId ? d.users.byId(userId) : null;
      if (!u || u.disabled) throw notFound("This link is unknown, used or expired; ask an administrator for a new one");
      return { username: u.username };
    },
  );

  r.post(
    "/api/v1/auth/password-link",
    "Set your password with a one-time link {token, password}: signs you in, ends your other sessions and tokens",
    "none",
    { body: PasswordLinkSetSchema, responses: { 200: UserResponseSchema }, errors: [404] },
    async (c) => {
      const b = (await c.json()) as Static<typeof PasswordLinkSetSchema>;
      const user = await d.accounts.setPasswordByLink(d.links, b.token, b.password);
      d.audit.record(
        { user, address: c.ip },
        { action: "auth.password.set", target: user.username, detail: { method: "link" } },
      );
      const { token, expiresAt } = d.sessions.create(user.id, {
        address: c.ip,
        agent: c.request.headers.get("user-agent"),
        method: "password",
      });
      c.setCookie(sessionCookie(token, expiresAt, d.https));
      return { user: toPublicUser(user) };
    },
  );
}
