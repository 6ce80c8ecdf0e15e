// HTTP routes for documents: list and search, CRUD, trash, duplicate, sharing, import and export.
import type { AuditLog } from "../auth/audit-log.ts";
import { AppError, invalid } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import { CONTENT_MAX_BYTES, safeFileName } from "../documents/document-rules.ts";
import { reply, type Ctx } from "./request-context.ts";
import type { UserRow } from "../store/users-store.ts";
import type { DocumentJson } from "../../protocol/api-types.ts";
import type { Router } from "./router.ts";
import { Type } from "@sinclair/typebox";
import {
  DocumentCreateSchema,
  DocumentListQuerySchema,
  DocumentListSchema,
  DocumentPatchSchema,
  DocumentSchema,
  ExportQuerySchema,
  IdParamsSchema,
  ImportQuerySchema,
  MembersPutSchema,
  MembersSchema,
  TagsSchema,
} from "../../protocol/api-schemas.ts";

export type ExportFormat = "pymd" | "html" | "md";

export interface DocumentRouteDeps {
  documents: DocumentsService;
  audit: AuditLog;
  /** Renders a document the caller may read to HTML or Markdown (runs it in the sandbox). */
  exportRendered?: (c: Ctx, id: string, format: "html" | "md" | "pdf") => Promise<Response>;
  /** Jupyter notebooks: a .ipynb import (with its attachments as workspace files) and export (with the last outputs). */
  ipynb?: {
    importNotebook(user: UserRow, text: string, fileName: string | null): Promise<DocumentJson>;
    exportNotebook(user: UserRow, id: string): Response;
  };
}

export function contentDisposition(fileName: string): string {
  return `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function registerDocumentRoutes(r: Router, d: DocumentRouteDeps): void {
  const S = d.documents;
  r.get(
    "/api/v1/documents",
    "List and search documents you can read (?q=&tag=&sort=&order=&page=&limit=)",
    "user",
    { query: DocumentListQuerySchema, responses: { 200: DocumentListSchema } },
    (c) => S.list(c.user(), c.query),
  );
  r.post(
    "/api/v1/documents",
    "Create a document {title?, content?, tags?}",
    "user",
    { body: DocumentCreateSchema, responses: { 201: DocumentSchema } },
    async (c) => reply(201, S.create(c.user(), await c.json())),
  );
  r.post(
    "/api/v1/documents/import",
    "Import a .pymd file (multipart field 'file', or a text/plain body with ?filename=)",
    "user",
    {
      query: ImportQuerySchema,
      bodyContent: {
        "multipart/form-data": Type.Object({ file: Type.String({ contentMediaType: "application/octet-stream" }) }),
        "text/plain": Type.String(),
      },
      responses: { 201: DocumentSchema },
      errors: [503],
    },
    async (c) => {
      const user = c.user();
      const type = (c.request.headers.get("content-type") ?? "").toLowerCase();
      let text: string;
      let name: string | null = c.query.filename ?? null;
      if (type.startsWith("multipart/form-data")) {
        const declared = Number(c.request.headers.get("content-length") ?? "0");
        if (declared > CONTENT_MAX_BYTES + 64 * 1024)
          throw new AppError("too_large", `the file must be at most ${CONTENT_MAX_BYTES} bytes`);
        let form: FormData;
        try {
          form = await c.request.formData();
        } catch {
          throw invalid("malformed multipart body");
        }
        const file = form.get("file");
        if (!(file instanceof Blob)) throw invalid("multipart field 'file' is required");
        if (file.size > CONTENT_MAX_BYTES)
          throw new AppError("too_large", `the file must be at most ${CONTENT_MAX_BYTES} bytes`);
        text = await file.text();
        name = (file as File).name ?? name;
      } else if (
        type.startsWith("text/plain") ||
        type.startsWith("application/octet-stream") ||
        type.startsWith("text/x-python")
      ) {
        text = await c.text(CONTENT_MAX_BYTES);
      } else {
        throw new AppError(
          "unsupported_media_type",
          "send the file as multipart/form-data (field 'file') or text/plain",
        );
      }
      if (name && /\.ipynb$/i.test(name)) {
        if (!d.ipynb) throw new AppError("unavailable", "notebook import is not available on this server");
        return reply(201, await d.ipynb.importNotebook(user, text, name));
      }
      return reply(201, S.importPymd(user, text, name));
    },
  );
  r.get(
    "/api/v1/documents/:id",
    "Get a document",
    "user",
    { params: IdParamsSchema, responses: { 200: DocumentSchema } },
    (c) => S.get(c.user(), c.params.id!),
  );
  r.patch(
    "/api/v1/documents/:id",
    "Change title, content, tags or isPublic",
    "user",
    { params: IdParamsSchema, body: DocumentPatchSchema, responses: { 200: DocumentSchema } },
    async (c) => {
      const user = c.user();
      const body = await c.json();
      const publish =
        body !== null && typeof body === "object" && typeof (body as { isPublic?: unknown }).isPublic === "boolean"
          ? (body as { isPublic: boolean }).isPublic
          : null;
      // publishing and unpublishing are recorded; other changes are the document's history
      if (publish === null) return S.update(user, c.params.id!, body);
      return d.audit.around(
        { user, address: c.ip },
        { action: publish ? "document.publish" : "document.unpublish", target: c.params.id! },
        () => S.update(user, c.params.id!, body),
      );
    },
  );
  r.delete(
    "/api/v1/documents/:id",
    "Move a document to the trash (owner)",
    "user",
    { params: IdParamsSchema, responses: { 204: null } },
    async (c) => {
      const user = c.user();
      await d.audit.around({ user, address: c.ip }, { action: "document.delete", target: c.params.id! }, () =>
        S.trash(user, c.params.id!),
      );
      return reply(204, null);
    },
  );
  r.post(
    "/api/v1/documents/:id/restore",
    "Restore a document from the trash (owner)",
    "user",
    { params: IdParamsSchema, responses: { 200: DocumentSchema } },
    (c) => {
      const user = c.user();
      return d.audit.around({ user, address: c.ip }, { action: "document.restore", target: c.params.id! }, () =>
        S.restore(user, c.params.id!),
      );
    },
  );
  r.post(
    "/api/v1/documents/:id/duplicate",
    "Copy a document you can read into a new one you own",
    "user",
    { params: IdParamsSchema, responses: { 201: DocumentSchema } },
    (c) => reply(201, S.duplicate(c.user(), c.params.id!)),
  );
  r.get(
    "/api/v1/documents/:id/members",
    "Who has access to a document",
    "user",
    { params: IdParamsSchema, responses: { 200: MembersSchema } },
    (c) => ({
      members: S.members(c.user(), c.params.id!),
    }),
  );
  r.put(
    "/api/v1/documents/:id/members",
    "Replace a document's members {members: [{username, role}]} (owner)",
    "user",
    { params: IdParamsSchema, body: MembersPutSchema, responses: { 200: MembersSchema } },
    async (c) => {
      const user = c.user();
      const body = await c.json();
      const members = await d.audit.around(
        { user, address: c.ip },
        { action: "document.share", target: c.params.id! },
        () => S.setMembers(user, c.params.id!, body),
        (list) => ({ members: list.map((m) => `${m.username}:${m.role}`).slice(0, 50) }),
      );
      return { members };
    },
  );
  r.get(
    "/api/v1/documents/:id/export",
    "Download a document (?format=pymd|html|md|pdf|ipynb; for a PDF ?paper=a4|letter)",
    "user",
    {
      params: IdParamsSchema,
      query: ExportQuerySchema,
      responses: {
        200: {
          description: "The file, as an attachment",
          content: {
            "text/x-python": Type.String(),
            "text/html": Type.String(),
            "text/markdown": Type.String(),
            "application/pdf": Type.String({ contentMediaType: "application/pdf" }),
            "application/x-ipynb+json": Type.Object({}),
          },
        },
      },
      errors: [503],
    },
    async (c) => {
      const format = c.query.format ?? "pymd";
      if (
        format !== "pymd" &&
        format !== "html" &&
        format !== "md" &&
        format !== "markdown" &&
        format !== "pdf" &&
        format !== "ipynb"
      ) {
        throw invalid("format must be pymd, html, md, pdf or ipynb");
      }
      if (format === "ipynb") {
        if (!d.ipynb) throw new AppError("unavailable", "notebook export is not available on this server");
        return d.ipynb.exportNotebook(c.user(), c.params.id!);
      }
      if (format === "pymd") {
        const doc = S.get(c.user(), c.params.id!);
        return exportPymd(doc.title, doc.content);
      }
      if (!d.exportRendered) throw new AppError("unavailable", "rendering is not available on this server");
      return d.exportRendered(c, c.params.id!, format === "markdown" ? "md" : format);
    },
  );
  r.get(
    "/api/v1/tags",
    "Tags on the documents you can read, with counts",
    "user",
    { responses: { 200: TagsSchema } },
    (c) => ({ tags: S.tags(c.user()) }),
  );
  r.get(
    "/api/v1/trash",
    "Your documents in the trash (emptied after 30 days)",
    "user",
    { query: DocumentListQuerySchema, responses: { 200: DocumentListSchema } },
    (c) => S.list(c.user(), c.query, { trash: true }),
  );
}

/** The export of the source only; other formats are added by the render routes. */
export function exportPymd(title: string, content: string): Response {
  return new Response(content, {
    headers: {
      "content-type": "text/x-python; charset=utf-8",
      "content-disposition": contentDisposition(safeFileName(title, "pymd")),
    },
  });
}
