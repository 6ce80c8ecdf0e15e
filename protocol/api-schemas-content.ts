// TypeBox schemas of the HTTP API's content routes: workspace files and archives, a document's
// history, rendering, published pages and embeds, and whether a terminal may be opened. The
// interfaces in api-types.ts (and analytics-types.ts, collab-frames.ts) are the same shapes for the
// client; the checks at the end keep both in agreement.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import type { EmbedSettingsJson } from "./analytics-types.ts";
import type {
  ArchiveImportJson,
  CommentThreadListJson,
  FileJson,
  FileListJson,
  HistoryJson,
  PublicDocumentJson,
  TerminalAccessJson,
  VersionDetailJson,
} from "./api-types.ts";
import { type CommentThreadListSchema, DateTime, DocumentSchema, Nullable, type Same, agree } from "./api-schemas.ts";
import type { VersionJson } from "./collab-frames.ts";

/** A response that is not JSON: its media types, each with the schema of its body. */
const other = (description: string, content: Record<string, TSchema>) => ({ description, content });
const bytes = (type: string) => Type.String({ contentMediaType: type });

// ---- workspace files ----

export const FileSchema = Type.Object({
  path: Type.String(),
  kind: Type.Union([Type.Literal("file"), Type.Literal("dir")]),
  size: Type.Integer({ description: "bytes; 0 for a folder" }),
  updatedAt: Type.Number({ description: "milliseconds since the epoch" }),
});

export const FileUsageSchema = Type.Object({
  documentBytes: Type.Integer(),
  documentLimit: Type.Integer(),
  ownerBytes: Type.Integer({ description: "all files of the documents the owner owns" }),
  ownerLimit: Type.Integer(),
  fileLimit: Type.Integer({ description: "the largest single file" }),
});

export const FileListSchema = Type.Object({ files: Type.Array(FileSchema), usage: FileUsageSchema });

export const MyFileUsageSchema = Type.Object({
  bytes: Type.Integer({ description: "all files of the documents you own" }),
  limit: Type.Integer(),
  fileLimit: Type.Integer(),
  documentLimit: Type.Integer(),
});

export const AllFileUsageSchema = Type.Object({
  users: Type.Array(Type.Object({ username: Type.String(), bytes: Type.Integer(), files: Type.Integer() })),
  limit: Type.Integer({ description: "each user's limit" }),
});

const filePath = Type.String({
  description: "required: the path in the workspace (relative, / between folders, at most 1024 bytes)",
});

export const FilePathQuerySchema = Type.Object({ path: Type.Optional(filePath) });

export const FileDownloadQuerySchema = Type.Object({
  path: Type.Optional(filePath),
  inline: Type.Optional(Type.String({ description: "1: a raster image is shown in place rather than downloaded" })),
});

/** What a download is served as: raster images as themselves, anything else as bytes. */
export const fileContent = other("The file's bytes", {
  "application/octet-stream": bytes("application/octet-stream"),
  "image/png": bytes("image/png"),
  "image/jpeg": bytes("image/jpeg"),
  "image/gif": bytes("image/gif"),
  "image/webp": bytes("image/webp"),
  "image/avif": bytes("image/avif"),
});

export const FileUploadContent = {
  "application/octet-stream": Type.String({
    contentMediaType: "application/octet-stream",
    description: "the file's bytes, stored as sent whatever the media type",
  }),
};

export const FolderCreateBodySchema = Type.Object({ path: Type.String({ description: "the folder's path" }) });

export const FileMoveSchema = Type.Object({
  from: Type.String({ description: "the file or folder" }),
  to: Type.String({ description: "its new path" }),
});

// ---- archives ----

export const archiveContent = other("The document and its files as a .zip", {
  "application/zip": bytes("application/zip"),
});

export const ArchiveImportQuerySchema = Type.Object({
  filename: Type.Optional(Type.String({ description: "the archive's name, for the document when the .zip has none" })),
});

export const ArchiveImportContent = {
  "application/zip": Type.String({
    contentMediaType: "application/zip",
    description: "the .zip the archive export makes: one .pymd at the top, the files under files/",
  }),
};

export const ArchiveImportSchema = Type.Object({
  ...DocumentSchema.properties,
  skipped: Type.Array(Type.String(), { description: "entries not imported, each with the reason" }),
});

// ---- history ----

const hash = Type.String({ description: "a version's hash (64 hex digits)" });

export const VersionParamsSchema = Type.Object({ id: Type.String(), hash });

export const HistoryQuerySchema = Type.Object({
  limit: Type.Optional(Type.String({ description: "a whole number from 1 to 1000 (default 100)" })),
});

export const VersionSchema = Type.Object({
  hash,
  heads: Type.Array(Type.String()),
  author: Nullable(Type.Object({ id: Type.String(), username: Type.String() })),
  from: DateTime,
  to: DateTime,
  changes: Type.Integer(),
});

export const HistorySchema = Type.Object({
  versions: Type.Array(VersionSchema, { description: "newest first" }),
  total: Type.Integer({ description: "all versions, however many are listed" }),
});

export const VersionDetailSchema = Type.Object({
  version: VersionSchema,
  content: Type.String({ description: "the text at that version" }),
  current: Type.String({ description: "the text now" }),
});

// ---- rendering ----

const pymdContent = Type.String({ description: "PyMD source, at most 5 MB" });

export const RenderBodySchema = Type.Object({
  content: pymdContent,
  format: Type.Optional(Type.String({ description: "html (the default) or markdown" })),
  execute: Type.Optional(
    Type.Boolean({ description: "run the code in the sandbox first (default true; not viewers)" }),
  ),
});

export const ValidateBodySchema = Type.Object({ content: pymdContent });

export const RenderQuerySchema = Type.Object({
  format: Type.Optional(Type.String({ description: "html (the default) or markdown" })),
});

const BlockRunSchema = Type.Object({
  block: Type.Integer(),
  status: Type.Union([
    Type.Literal("ok"),
    Type.Literal("error"),
    Type.Literal("exit"),
    Type.Literal("interrupted"),
    Type.Literal("not-run"),
  ]),
  durationMs: Nullable(Type.Number()),
});

const renderFields = {
  format: Type.Union([Type.Literal("html"), Type.Literal("markdown")]),
  output: Type.String({ description: "an HTML fragment or Markdown" }),
  blocks: Type.Array(BlockRunSchema, { description: "the executed blocks and how each ended" }),
  durationMs: Type.Number(),
};

export const RenderSchema = Type.Object(renderFields);

export const DocumentRenderSchema = Type.Object({
  ...renderFields,
  executed: Type.Boolean({ description: "run now (owners, editors), or the stored outputs (everyone else)" }),
});

export const ValidateSchema = Type.Object({
  valid: Type.Boolean(),
  problems: Type.Array(Type.Object({ line: Type.Integer({ description: "1-based" }), message: Type.String() })),
  blocks: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal("markdown"),
        Type.Literal("code"),
        Type.Literal("display-code"),
        Type.Literal("comment"),
      ]),
      startLine: Type.Integer(),
      endLine: Type.Integer(),
    }),
  ),
});

// ---- published documents and embeds ----

export const SlugParamsSchema = Type.Object({ slug: Type.String() });

export const PublicDocumentSchema = Type.Object({
  title: Type.String(),
  updatedAt: DateTime,
  html: Type.String({ description: "the rendered notebook, with its last outputs" }),
  comments: Type.Boolean({ description: "the page shows the open comments (GET …/comments)" }),
});

export const PublicExportQuerySchema = Type.Object({
  format: Type.Optional(Type.String({ description: "pdf (the default and the only one)" })),
  paper: Type.Optional(Type.String({ description: "a4 (the default) or letter" })),
});

export const pdfContent = other("The PDF, as an attachment", { "application/pdf": bytes("application/pdf") });

export const embedContent = other("A whole HTML page of the rendered notebook", { "text/html": Type.String() });

export const EmbedSettingsSchema = Type.Object({
  embedOrigins: Type.Array(Type.String(), { description: "who may frame embeds; empty: nobody" }),
});

// ---- terminals ----

export const TerminalAccessSchema = Type.Object({
  allowed: Type.Boolean(),
  reason: Nullable(Type.String({ description: "why not, when not allowed" })),
  idleCloseMinutes: Type.Integer({ description: "minutes without input before the shell is closed; 0: never" }),
  open: Type.Integer({ description: "your terminals open on this document now" }),
});

agree<Same<Static<typeof FileSchema>, FileJson>>(true);
agree<Same<Static<typeof FileListSchema>, FileListJson>>(true);
agree<Same<Static<typeof ArchiveImportSchema>, ArchiveImportJson>>(true);
agree<Same<Static<typeof VersionSchema>, VersionJson>>(true);
agree<Same<Static<typeof HistorySchema>, HistoryJson>>(true);
agree<Same<Static<typeof VersionDetailSchema>, VersionDetailJson>>(true);
agree<Same<Static<typeof CommentThreadListSchema>, CommentThreadListJson>>(true);
agree<Same<Static<typeof PublicDocumentSchema>, PublicDocumentJson>>(true);
agree<Same<Static<typeof EmbedSettingsSchema>, EmbedSettingsJson>>(true);
agree<Same<Static<typeof TerminalAccessSchema>, TerminalAccessJson>>(true);
