// JSON shapes of the HTTP API that the client reads; the server produces them.

export type AccessRole = "owner" | "editor" | "viewer";
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
}

/** A whole document: the summary's fields with the full source instead of an excerpt. */
export type DocumentJson = Omit<DocumentSummaryJson, "excerpt"> & { content: string };

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
