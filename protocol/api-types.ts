// JSON shapes of the HTTP API that the client reads; the server produces them.

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
