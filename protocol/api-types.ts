// JSON shapes of the HTTP API that the client reads; the server produces them.
import type { VersionJson } from "./collab-frames.ts";

/** A document's roles: editors change it, commenters read and comment, viewers read. */
export type AccessRole = "owner" | "editor" | "commenter" | "viewer";

/** Whether a role may change a document's text, files and runs. */
export function canEdit(role: AccessRole): boolean {
  return role === "owner" || role === "editor";
}

/** Whether a role may write comments. */
export function canComment(role: AccessRole): boolean {
  return role !== "viewer";
}
export type UserRole = "admin" | "user" | "viewer";

export interface UserJson {
  id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
  createdAt: string;
}

export interface SettingsJson {
  theme: "light" | "dark" | "system";
  editorFontSize: number;
  tabSize: number;
  wordWrap: boolean;
  lineNumbers: boolean;
  /** The name collaborators see ("": the username). */
  displayName: string;
  /** #rrggbb, or "" for one picked from the user's id. */
  avatarColour: string;
  language: "auto" | "en" | "zh-TW";
  /** Where notification mail goes ("": none). */
  email: string;
  /** Whether notifications are also sent by e-mail (when the server has --smtp-url and an address is set). */
  emailNotifications: boolean;
}

/** What a user who is not an admin sees of another account (user search). */
export interface UserNameJson {
  id: string;
  username: string;
}

/** GET /api/v1/users: whole accounts for admins, names only for others. */
export interface UserListJson {
  users: (UserJson | UserNameJson)[];
}

/** GET /api/v1/auth/status: who is signed in (or null) and what the sign-in page offers. */
export interface AuthStatusJson {
  /** No users exist yet; `hint` says how to create the first admin. */
  needsSetup: boolean;
  hint: string | null;
  /** The single sign-on button's label and where it starts, or null without a provider. */
  sso: { name: string; startUrl: string } | null;
  /** False: only admins may sign in with a password. */
  passwordLogin: boolean;
  user: UserJson | null;
  settings: SettingsJson | null;
}

/** GET /api/v1/auth/me. */
export interface MeJson {
  user: UserJson;
  settings: SettingsJson;
  /** False for an account that signs in through single sign-on only. */
  hasPassword: boolean;
}

/** POST /api/v1/auth/login. */
export interface LoginJson {
  user: UserJson;
  expiresAt: string;
}

/** A password change or reset: the sessions it ended and the API tokens it revoked. */
export interface CredentialsRevokedJson {
  sessionsEnded: number;
  tokensRevoked: number;
  message: string;
}

/** One of your signed-in sessions, with where and how it began. */
export interface SessionJson {
  id: string;
  createdAt: string;
  expiresAt: string;
  address: string | null;
  agent: string | null;
  /** "password" or "sso". */
  method: string | null;
  /** The session of this browser. */
  current: boolean;
}

export interface SessionListJson {
  sessions: SessionJson[];
}

/** Signing out your other sessions: how many ended. */
export interface SessionsEndedJson {
  ended: number;
  message: string;
}

/** An API token as listed (never its secret). */
export interface ApiTokenJson {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface ApiTokenListJson {
  tokens: ApiTokenJson[];
}

/** A new API token with its secret, shown only this once. */
export interface ApiTokenCreatedJson {
  id: string;
  name: string;
  token: string;
}

export interface DocumentSummaryJson {
  id: string;
  title: string;
  excerpt: string;
  ownerId: string;
  isPublic: boolean;
  publicSlug: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  role: AccessRole;
  /** In listings: your folder for it (null: none) and whether it is one of your favourites. */
  folderId?: string | null;
  favorite?: boolean;
}

export interface FolderJson {
  id: string;
  parentId: string | null;
  name: string;
  /** Your live documents in it (not counting its subfolders). */
  documents: number;
}

/** A whole document: the summary's fields with the full source instead of an excerpt. */
export type DocumentJson = Omit<DocumentSummaryJson, "excerpt"> & {
  content: string;
  /** Its public page shows its comments (set by the owner). */
  publicComments: boolean;
};

export interface DocumentListJson {
  documents: DocumentSummaryJson[];
  pagination: { page: number; limit: number; total: number };
}

export interface ApiErrorJson {
  error: { code: string; message: string; details?: Record<string, string>; requestId?: string };
}

/** One record of the audit log (GET /api/v1/admin/audit). */
export interface AuditRecordJson {
  id: number;
  at: string;
  actor: { id: string | null; username: string | null } | null;
  address: string | null;
  action: string;
  target: string | null;
  outcome: "ok" | "failed" | "denied";
  detail: Record<string, unknown> | null;
}

/** A page of the audit log: `next` is the before= of the next page (null: the last one). */
export interface AuditPageJson {
  records: AuditRecordJson[];
  next: number | null;
  /** Records older than this many days are dropped (0: kept for ever). */
  retentionDays: number;
}

/** An account as the admin page lists it (GET /api/v1/admin/users), with its usage. */
export interface AdminUserJson extends UserJson {
  /** false: it signs in only with single sign-on. */
  hasPassword: boolean;
  usage: { documents: number; storageBytes: number; executionsToday: number; kernels: number; terminals: number };
}

/** A new account (POST /api/v1/admin/users) and its one-time set-password link (null for single sign-on). */
export interface AdminUserCreatedJson {
  user: UserJson;
  link: string | null;
  linkExpiresAt: string | null;
}

/** A one-time set-password link for an account (POST /api/v1/admin/users/:username/password-link). */
export interface PasswordLinkJson {
  link: string;
  expiresAt: string;
}

/** The account a live set-password link is for (GET /api/v1/auth/password-link). */
export interface PasswordLinkAccountJson {
  username: string;
}

/** The server's status for admins (GET /api/v1/admin/status). */
export interface AdminStatusJson {
  version: string;
  uptimeSeconds: number;
  /** null: the sandbox could not be checked. */
  sandbox: {
    backend: "nsjail" | "bwrap" | "none" | "unavailable";
    /** Why runs are refused (backend "unavailable"), else null. */
    refusal: string | null;
    limits: {
      wallTimeMs: number;
      runWallTimeMs: number;
      cpuSeconds: number;
      memoryBytes: number;
      maxProcesses: number;
      tmpfsBytes: number;
      maxOutputBytesPerBlock: number;
      maxOutputBytesPerSecond: number;
      maxOpenFiles: number;
      maxFileSize: number;
    };
  } | null;
  database: { bytes: number };
  users: number;
  openDocuments: number;
  kernels: number;
  terminals: number;
  /** Notification mail: configured is false without --smtp-url; lastErrorAt is epoch milliseconds. */
  mail: {
    configured: boolean;
    pending: number;
    sent: number;
    failed: number;
    lastError: string | null;
    lastErrorAt: number | null;
    /** Notifications since start not mailed because their address had its hourly share. */
    heldBack?: number;
  };
}

export interface CommentJson {
  id: string;
  /** null once the author's account is deleted. */
  author: { id: string; username: string; name: string } | null;
  body: string;
  createdAt: string;
  editedAt: string | null;
  /** Usernames the body mentions with @. */
  mentions: string[];
}

export interface CommentThreadJson {
  id: string;
  /** Automerge cursors at the first and the last character of the commented text. */
  anchor: { start: string; last: string };
  /** Where that text is in the server's copy now ([from, to) in UTF-16 units); null when unknown. */
  range: { from: number; to: number } | null;
  /** Every character of the commented text was deleted: the thread stays, "on deleted text". */
  onDeletedText: boolean;
  /** The text as it was when the thread began (at most 500 characters). */
  quote: string;
  createdAt: string;
  resolved: { at: string; by: string | null } | null;
  comments: CommentJson[];
}

export type NotificationKind = "shared" | "mention" | "reply" | "access";

export interface NotificationJson {
  id: number;
  kind: NotificationKind;
  document: { id: string; title: string } | null;
  actor: string | null;
  threadId: string | null;
  /** mention/reply: {excerpt}; shared/access: {role} (null: access removed). */
  detail: Record<string, unknown> | null;
  createdAt: string;
  read: boolean;
}

export interface CommentThreadListJson {
  threads: CommentThreadJson[];
}

/** A file or folder in a document's workspace. */
export interface FileJson {
  path: string;
  kind: "file" | "dir";
  size: number;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

/** A document's workspace files, with the bytes used and the limits. */
export interface FileListJson {
  files: FileJson[];
  usage: { documentBytes: number; documentLimit: number; ownerBytes: number; ownerLimit: number; fileLimit: number };
}

/** A document imported from a .zip, with the archive entries that were not taken and why. */
export type ArchiveImportJson = DocumentJson & { skipped: string[] };

/** A document's versions, newest first (at most the ?limit= asked for), and how many there are. */
export interface HistoryJson {
  versions: VersionJson[];
  total: number;
}

/** One past version's text beside the current text. */
export interface VersionDetailJson {
  version: VersionJson;
  content: string;
  current: string;
}

/** A published document as its public page shows it. */
export interface PublicDocumentJson {
  title: string;
  updatedAt: string;
  /** The rendered notebook, with its last outputs. */
  html: string;
  /** The page shows the open comments. */
  comments: boolean;
}

/** Whether the caller may open a terminal on a document. */
export interface TerminalAccessJson {
  allowed: boolean;
  /** Why not, when not allowed (null: allowed, or nothing to say). */
  reason: string | null;
  /** Minutes without input before the shell is closed (0: never). */
  idleCloseMinutes: number;
  /** The caller's terminals open on this document now. */
  open: number;
}
