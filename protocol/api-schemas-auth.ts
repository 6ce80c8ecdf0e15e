// TypeBox schemas of the routes for signing in and out, the current user, passwords, sessions,
// settings, user search, API tokens and single sign-on. The interfaces in api-types.ts are the
// same shapes for the client; the checks at the end keep both in agreement.
import { type Static, Type } from "@sinclair/typebox";
import type {
  ApiTokenCreatedJson,
  ApiTokenJson,
  ApiTokenListJson,
  AuthStatusJson,
  CredentialsRevokedJson,
  LoginJson,
  MeJson,
  SessionJson,
  SessionListJson,
  SessionsEndedJson,
  SettingsJson,
  UserJson,
  UserListJson,
  UserNameJson,
  UserRole,
} from "./api-types.ts";
import { agree, DateTime, Nullable, type Same } from "./api-schemas.ts";

export const UserRoleSchema = Type.Union([Type.Literal("admin"), Type.Literal("user"), Type.Literal("viewer")]);

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: UserRoleSchema,
  disabled: Type.Boolean(),
  createdAt: DateTime,
});

/** What a user who is not an admin sees of other accounts: enough to pick someone to share with. */
export const UserNameSchema = Type.Object(
  { id: Type.String(), username: Type.String() },
  { additionalProperties: false },
);

export const SettingsSchema = Type.Object({
  theme: Type.Union([Type.Literal("light"), Type.Literal("dark"), Type.Literal("system")]),
  editorFontSize: Type.Integer({ minimum: 8, maximum: 40 }),
  tabSize: Type.Integer({ minimum: 1, maximum: 8 }),
  wordWrap: Type.Boolean(),
  lineNumbers: Type.Boolean(),
  displayName: Type.String({ maxLength: 64, description: 'the name collaborators see ("": the username)' }),
  avatarColour: Type.String({
    pattern: "^(#[0-9a-f]{6})?$",
    description: '#rrggbb, or "" for one picked from the user\'s id',
  }),
  language: Type.Union([Type.Literal("auto"), Type.Literal("en"), Type.Literal("zh-TW")]),
  email: Type.String({ description: 'where notification mail goes ("": none)' }),
  emailNotifications: Type.Boolean({
    description: "notifications are also sent by e-mail (when the server has --smtp-url and an address is set)",
  }),
});

/** A settings change: only the settings to change; each value is checked as described. */
export const SettingsPatchSchema = Type.Object(
  {
    theme: Type.Optional(Type.String({ description: "light, dark or system" })),
    editorFontSize: Type.Optional(Type.Number({ description: "a whole number from 8 to 40" })),
    tabSize: Type.Optional(Type.Number({ description: "a whole number from 1 to 8" })),
    wordWrap: Type.Optional(Type.Boolean()),
    lineNumbers: Type.Optional(Type.Boolean()),
    displayName: Type.Optional(
      Type.String({ description: "at most 64 characters (after trimming), without control characters" }),
    ),
    avatarColour: Type.Optional(Type.String({ description: "a colour such as #3366cc, or empty" })),
    language: Type.Optional(Type.String({ description: "auto, en or zh-TW" })),
    email: Type.Optional(Type.String({ description: "an address such as dana@example.org, or empty" })),
    emailNotifications: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AuthStatusSchema = Type.Object({
  needsSetup: Type.Boolean({ description: "no users exist yet" }),
  hint: Nullable(Type.String({ description: "how to create the first admin, while no users exist" })),
  sso: Nullable(
    Type.Object(
      { name: Type.String(), startUrl: Type.String() },
      { description: "the single sign-on button's label and where it starts; null without a provider" },
    ),
  ),
  passwordLogin: Type.Boolean({ description: "false: only admins may sign in with a password" }),
  user: Nullable(UserSchema),
  settings: Nullable(SettingsSchema),
});

export const MeSchema = Type.Object({
  user: UserSchema,
  settings: SettingsSchema,
  hasPassword: Type.Boolean({ description: "false: the account signs in through single sign-on only" }),
});

export const LoginBodySchema = Type.Object({
  username: Type.String({ description: "at most 64 characters" }),
  password: Type.String({ description: "at most 1024 characters" }),
});

export const LoginSchema = Type.Object({
  user: UserSchema,
  expiresAt: Type.String({ format: "date-time", description: "when the session ends unless it is used" }),
});

export const PasswordChangeBodySchema = Type.Object({
  currentPassword: Type.String({ description: "at most 1024 characters" }),
  newPassword: Type.String({ description: "8–256 characters" }),
});

export const PasswordResetBodySchema = Type.Object({
  password: Type.String({ description: "8–256 characters" }),
});

/** What a password change or reset ended. */
export const CredentialsRevokedSchema = Type.Object({
  sessionsEnded: Type.Integer(),
  tokensRevoked: Type.Integer(),
  message: Type.String(),
});

export const UsernameParamsSchema = Type.Object({ username: Type.String() });

export const SessionSchema = Type.Object({
  id: Type.String({ description: "64 hex digits" }),
  createdAt: DateTime,
  expiresAt: DateTime,
  address: Nullable(Type.String({ description: "the client address it began from" })),
  agent: Nullable(Type.String({ description: "the browser's User-Agent" })),
  method: Nullable(Type.String({ description: "how it signed in: password or sso" })),
  current: Type.Boolean({ description: "the session of this request" }),
});

export const SessionListSchema = Type.Object({ sessions: Type.Array(SessionSchema) });

export const SessionParamsSchema = Type.Object({
  id: Type.String({ description: "a session id from the list (anything else: 404)" }),
});

export const SessionsEndedSchema = Type.Object({ ended: Type.Integer(), message: Type.String() });

export const UserListQuerySchema = Type.Object({
  q: Type.Optional(
    Type.String({
      description:
        "a username prefix, at most 32 characters: up to 20 enabled users (names only for non-admins); without it every user, for admins only",
    }),
  ),
});

export const UserListSchema = Type.Object({ users: Type.Array(Type.Union([UserSchema, UserNameSchema])) });

export const TokenCreateBodySchema = Type.Object({
  name: Type.String({ description: "1–100 characters (trimmed); at most 50 tokens per user" }),
});

export const ApiTokenCreatedSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token: Type.String({ description: "the secret: shown only this once" }),
});

export const ApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
});

export const ApiTokenListSchema = Type.Object({ tokens: Type.Array(ApiTokenSchema) });

export const SsoStartQuerySchema = Type.Object({
  next: Type.Optional(
    Type.String({ description: "a path on this server to come back to after signing in (otherwise /)" }),
  ),
});

export const SsoCallbackQuerySchema = Type.Object({
  code: Type.Optional(Type.String({ description: "the provider's authorization code" })),
  state: Type.Optional(Type.String({ description: "the state the sign-in began with" })),
  error: Type.Optional(Type.String({ description: "the provider's refusal" })),
  error_description: Type.Optional(Type.String()),
});

agree<Same<Static<typeof UserRoleSchema>, UserRole>>(true);
agree<Same<Static<typeof UserSchema>, UserJson>>(true);
agree<Same<Static<typeof UserNameSchema>, UserNameJson>>(true);
agree<Same<Static<typeof SettingsSchema>, SettingsJson>>(true);
agree<Same<Static<typeof AuthStatusSchema>, AuthStatusJson>>(true);
agree<Same<Static<typeof MeSchema>, MeJson>>(true);
agree<Same<Static<typeof LoginSchema>, LoginJson>>(true);
agree<Same<Static<typeof CredentialsRevokedSchema>, CredentialsRevokedJson>>(true);
agree<Same<Static<typeof SessionSchema>, SessionJson>>(true);
agree<Same<Static<typeof SessionListSchema>, SessionListJson>>(true);
agree<Same<Static<typeof SessionsEndedSchema>, SessionsEndedJson>>(true);
agree<Same<Static<typeof UserListSchema>, UserListJson>>(true);
agree<Same<Static<typeof ApiTokenSchema>, ApiTokenJson>>(true);
agree<Same<Static<typeof ApiTokenListSchema>, ApiTokenListJson>>(true);
agree<Same<Static<typeof ApiTokenCreatedSchema>, ApiTokenCreatedJson>>(true);
