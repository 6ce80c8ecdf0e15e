// TypeBox schemas of the admin API (accounts with their usage, the server's status, the audit
// log), of the set-password links, of a document's analytics and of the operational routes
// (health, readiness, metrics, the OpenAPI document). The checks at the end keep them in
// agreement with the interfaces of api-types.ts and analytics-types.ts.
import { type Static, Type } from "@sinclair/typebox";
import { agree, DateTime, Nullable, type Same } from "./api-schemas.ts";
import type {
  AdminStatusJson,
  AdminUserCreatedJson,
  AdminUserJson,
  AuditPageJson,
  AuditRecordJson,
  PasswordLinkAccountJson,
  PasswordLinkJson,
} from "./api-types.ts";
import type { DocumentAnalyticsJson } from "./analytics-types.ts";
import { UserSchema } from "./api-schemas-auth.ts";

export const UserResponseSchema = Type.Object({ user: UserSchema });

export const UsernameParamsSchema = Type.Object({ username: Type.String() });

const RoleField = Type.String({ description: "admin, user or viewer" });

export const AdminUserSchema = Type.Object({
  ...UserSchema.properties,
  hasPassword: Type.Boolean({ description: "false: the account signs in only with single sign-on" }),
  usage: Type.Object({
    documents: Type.Integer({ description: "documents it owns, the trashed ones too" }),
    storageBytes: Type.Integer({ description: "bytes of its documents' workspace files" }),
    executionsToday: Type.Integer({ description: "runs today (UTC)" }),
    kernels: Type.Integer({ description: "live kernels" }),
    terminals: Type.Integer({ description: "open terminals" }),
  }),
});

export const AdminUserListSchema = Type.Object({ users: Type.Array(AdminUserSchema) });

export const AdminUserCreateSchema = Type.Object({
  username: Type.String({ description: "1–32 letters, digits, _ . or -, starting with a letter or a digit" }),
  role: Type.Optional(Type.String({ description: "admin, user (the default) or viewer" })),
  sso: Type.Optional(Type.Boolean({ description: "true: an account for single sign-on, with no password link" })),
});

export const AdminUserCreatedSchema = Type.Object({
  user: UserSchema,
  link: Nullable(Type.String({ description: "the one-time set-password link; null for single sign-on" })),
  linkExpiresAt: Nullable(DateTime),
});

export const AdminUserPatchSchema = Type.Object(
  {
    role: Type.Optional(RoleField),
    disabled: Type.Optional(Type.Boolean({ description: "true ends the account's sessions and tokens" })),
  },
  { description: "at least one of role and disabled" },
);

export const PasswordLinkSchema = Type.Object({
  link: Type.String({ description: "the one-time set-password link" }),
  expiresAt: DateTime,
});

export const AdminUserDeleteQuerySchema = Type.Object({
  transferTo: Type.Optional(
    Type.String({ description: "the user to give its documents to (needed when it owns any)" }),
  ),
});

export const TransferredSchema = Type.Object({
  transferred: Type.Integer({ description: "documents given to transferTo" }),
});

export const SandboxLimitsSchema = Type.Object({
  wallTimeMs: Type.Integer(),
  runWallTimeMs: Type.Integer(),
  cpuSeconds: Type.Integer(),
  memoryBytes: Type.Integer(),
  maxProcesses: Type.Integer(),
  tmpfsBytes: Type.Integer(),
  maxOutputBytesPerBlock: Type.Integer(),
  maxOutputBytesPerSecond: Type.Integer(),
  maxOpenFiles: Type.Integer(),
  maxFileSize: Type.Integer(),
});

export const AdminStatusSchema = Type.Object({
  version: Type.String(),
  uptimeSeconds: Type.Integer(),
  sandbox: Nullable(
    Type.Object(
      {
        backend: Type.Union([
          Type.Literal("nsjail"),
          Type.Literal("bwrap"),
          Type.Literal("none"),
          Type.Literal("unavailable"),
        ]),
        refusal: Nullable(Type.String({ description: "why runs are refused (backend unavailable)" })),
        limits: SandboxLimitsSchema,
      },
      { description: "null: the sandbox could not be checked" },
    ),
  ),
  database: Type.Object({ bytes: Type.Integer({ description: "the database file and its write-ahead log" }) }),
  users: Type.Integer(),
  openDocuments: Type.Integer(),
  kernels: Type.Integer(),
  terminals: Type.Integer(),
  mail: Type.Object({
    configured: Type.Boolean({ description: "false without --smtp-url" }),
    pending: Type.Integer(),
    sent: Type.Integer(),
    failed: Type.Integer({ description: "given up after the last attempt" }),
    lastError: Nullable(Type.String()),
    lastErrorAt: Nullable(Type.Integer({ description: "epoch milliseconds" })),
    heldBack: Type.Optional(
      Type.Integer({ description: "notifications since start not mailed: their address had its hourly share" }),
    ),
  }),
});

export const PasswordLinkQuerySchema = Type.Object({
  token: Type.Optional(Type.String({ description: "the secret after # in the link" })),
});

export const PasswordLinkAccountSchema = Type.Object({ username: Type.String() });

export const PasswordLinkSetSchema = Type.Object({
  token: Type.String({ description: "the secret after # in the link" }),
  password: Type.String({ description: "the new password (the password policy applies)" }),
});

export const AuditQuerySchema = Type.Object({
  since: Type.Optional(Type.String({ description: "ISO 8601 date or time, or epoch milliseconds (inclusive)" })),
  until: Type.Optional(Type.String({ description: "ISO 8601 date or time, or epoch milliseconds (exclusive)" })),
  user: Type.Optional(Type.String({ description: "the actor's or the target's username (1–64 characters)" })),
  action: Type.Optional(
    Type.String({ description: 'an action such as auth.login, or a prefix ending in "." such as auth.' }),
  ),
  outcome: Type.Optional(Type.String({ description: "ok, failed or denied" })),
  before: Type.Optional(Type.String({ description: "a record id: only older records (the next of a page)" })),
  limit: Type.Optional(Type.String({ description: "a whole number from 1 to 1000 (default 100)" })),
});

export const AuditRecordSchema = Type.Object({
  id: Type.Integer(),
  at: DateTime,
  actor: Nullable(Type.Object({ id: Nullable(Type.String()), username: Nullable(Type.String()) })),
  address: Nullable(Type.String()),
  action: Type.String(),
  target: Nullable(Type.String()),
  outcome: Type.Union([Type.Literal("ok"), Type.Literal("failed"), Type.Literal("denied")]),
  detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const AuditPageSchema = Type.Object({
  records: Type.Array(AuditRecordSchema),
  next: Nullable(Type.Integer({ description: "the before= of the next page; null: this is the last" })),
  retentionDays: Type.Integer({ description: "records older than this are dropped (0: kept for ever)" }),
});

const Day = Type.String({ description: "a UTC day, YYYY-MM-DD" });

export const DocumentAnalyticsSchema = Type.Object({
  views: Type.Object({
    public: Type.Integer({ description: "all-time reads of the public page" }),
    embed: Type.Integer({ description: "all-time reads of the embed" }),
    last30Days: Type.Array(Type.Object({ day: Day, public: Type.Integer(), embed: Type.Integer() }), {
      description: "the last 30 UTC days, oldest first, today last",
    }),
  }),
  runs: Type.Object({
    total: Type.Integer({ description: 'all-time runs in the editor (one per "Run" or "Run all")' }),
    last30Days: Type.Integer(),
    lastRunBy: Nullable(Type.String({ description: "null: nobody yet, or the account is gone" })),
    lastRunAt: Nullable(DateTime),
  }),
});

export const HealthSchema = Type.Object({ status: Type.Literal("ok"), version: Type.String() });

export const ReadySchema = Type.Object({ status: Type.Literal("ready") });

export const OpenApiDocumentSchema = Type.Object({
  openapi: Type.String(),
  info: Type.Object({ title: Type.String(), version: Type.String(), description: Type.Optional(Type.String()) }),
  paths: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
  components: Type.Record(Type.String(), Type.Unknown()),
});

agree<Same<Static<typeof AdminUserSchema>, AdminUserJson>>(true);
agree<Same<Static<typeof AdminUserCreatedSchema>, AdminUserCreatedJson>>(true);
agree<Same<Static<typeof PasswordLinkSchema>, PasswordLinkJson>>(true);
agree<Same<Static<typeof AdminStatusSchema>, AdminStatusJson>>(true);
agree<Same<Static<typeof PasswordLinkAccountSchema>, PasswordLinkAccountJson>>(true);
agree<Same<Static<typeof AuditRecordSchema>, AuditRecordJson>>(true);
agree<Same<Static<typeof AuditPageSchema>, AuditPageJson>>(true);
agree<Same<Static<typeof DocumentAnalyticsSchema>, DocumentAnalyticsJson>>(true);
