// HTTP routes for a document's workspace files: list with usage, streamed upload and download,
// folders, move/rename, delete; a public link serves only files its document references.
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { AppError } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { WorkspaceFiles } from "../files/workspace-files.ts";
import { referencedFiles } from "../files/references.ts";
import { documentArchives } from "../files/archive.ts";
import type { NotebookSessions } from "../runtime/notebook-sessions.ts";
import { reply } from "./request-context.ts";
import type { Router } from "./router.ts";
import { IdParamsSchema } from "../../protocol/api-schemas.ts";
import {
  AllFileUsageSchema,
  ArchiveImportContent,
  ArchiveImportQuerySchema,
  ArchiveImportSchema,
  archiveContent,
  FileDownloadQuerySchema,
  FileListSchema,
  FileMoveSchema,
  FilePathQuerySchema,
  FileSchema,
  FileUploadContent,
  FolderCreateBodySchema,
  fileContent,
  MyFileUsageSchema,
  SlugParamsSchema,
} from "../../protocol/api-schemas-content.ts";

export interface FileRouteDeps {
  files: WorkspaceFiles;
  documents: DocumentsService;
  notebooks: NotebookSessions;
}

type Archives = ReturnType<typeof documentArchives>;

const pathOf = (q: Record<string, string | undefined>): string => {
  const p = q.path;
  if (p === undefined) throw new AppError("validation_failed", "?path= is required");
  return p;
};

export function registerFileRoutes(r: Router, d: FileRouteDeps): void {
  const F = d.files;
  const A: Archives = documentArchives({ documents: d.documents, files: d.files });
  r.get(
    "/api/v1/documents/:id/archive",
    "The document and its workspace files as one .zip (the .pymd at the top, files under files/)",
    "user",
    { params: IdParamsSchema, responses: { 200: archiveContent } },
    (c) => A.exportZip(c.user(), c.params.id!),
  );
  r.post(
    "/api/v1/documents/import-archive",
    "Import a .zip made by the archive export: the raw bytes as the body (?filename=)",
    "user",
    {
      query: ArchiveImportQuerySchema,
      bodyContent: ArchiveImportContent,
      responses: { 201: ArchiveImportSchema },
    },
    async (c) => reply(201, await A.importZip(c.user(), c.request, c.query.filename ?? null)),
  );
  r.get(
    "/api/v1/files/usage",
    "Your workspace usage across the documents you own, and the limits",
    "user",
    { responses: { 200: MyFileUsageSchema } },
    (c) => F.myUsage(c.user()),
  );
  r.get(
    "/api/v1/admin/files/usage",
    "Workspace usage of every user (admins)",
    "admin",
    { responses: { 200: AllFileUsageSchema } },
    () => F.allUsage(),
  );
  r.get(
    "/api/v1/documents/:id/files",
    "A document's workspace files and folders, with usage and limits",
    "user",
    { params: IdParamsSchema, responses: { 200: FileListSchema } },
    (c) => F.list(c.user(), c.params.id!),
  );
  r.get(
    "/api/v1/documents/:id/file",
    "Download a workspace file (?path=; ?inline=1 shows a raster image in place)",
    "user",
    { params: IdParamsSchema, query: FileDownloadQuerySchema, responses: { 200: fileContent } },
    (c) => F.download(c.user(), c.params.id!, pathOf(c.query), c.query.inline === "1"),
  );
  r.put(
    "/api/v1/documents/:id/file",
    "Upload a workspace file: the raw bytes as the body (?path=; editors and owners)",
    "user",
    {
      params: IdParamsSchema,
      query: FilePathQuerySchema,
      bodyContent: FileUploadContent,
      responses: { 201: FileSchema },
      errors: [409],
    },
    async (c) => reply(201, await F.upload(c.user(), c.params.id!, pathOf(c.query), c.request)),
  );
  r.delete(
    "/api/v1/documents/:id/file",
    "Delete a workspace file or folder (?path=; editors and owners)",
    "user",
    { params: IdParamsSchema, query: FilePathQuerySchema, responses: { 204: null } },
    (c) => {
      F.remove(c.user(), c.params.id!, pathOf(c.query));
      return reply(204, null);
    },
  );
  r.post(
    "/api/v1/documents/:id/folders",
    "Create a folder {path}",
    "user",
    { params: IdParamsSchema, body: FolderCreateBodySchema, responses: { 201: FileSchema }, errors: [409] },
    async (c) => {
      const body = (await c.json()) as { path?: unknown } | null;
      return reply(201, F.mkdir(c.user(), c.params.id!, body?.path));
    },
  );
  r.post(
    "/api/v1/documents/:id/files/move",
    "Rename or move a file or folder {from, to}",
    "user",
    { params: IdParamsSchema, body: FileMoveSchema, responses: { 200: FileSchema }, errors: [409] },
    async (c) => F.move(c.user(), c.params.id!, await c.json()),
  );
  r.get(
    "/api/v1/public/:slug/file",
    "A workspace file a published document references (?path=)",
    "none",
    { params: SlugParamsSchema, query: FileDownloadQuerySchema, responses: { 200: fileContent } },
    (c) => {
      const doc = d.documents.publicBySlug(c.params.slug!);
      const path = pathOf(c.query);
      const results = d.notebooks.resultsFor(doc.id, parsePymd(doc.content));
      const refs = referencedFiles(doc.content, results);
      const entry = F.entry(doc.id, path);
      if (entry?.kind !== "file" || !refs.has(entry.path.normalize("NFC").toLowerCase()))
        throw new AppError("not_found", "no such file in this published document");
      return F.response(entry, { download: !(c.query.inline === "1") });
    },
  );
}
