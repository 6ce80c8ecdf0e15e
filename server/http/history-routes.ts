// HTTP routes for a document's history: its versions, one past version beside the current text,
// and restoring a version as a new change.
import { notFound } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { CollabDocuments } from "../sync/collab-documents.ts";
import type { Router } from "./router.ts";
import { canEdit } from "../../protocol/api-types.ts";
import { readersCannot } from "../documents/document-rules.ts";
import { DocumentSchema, IdParamsSchema } from "../../protocol/api-schemas.ts";
import {
  HistoryQuerySchema,
  HistorySchema,
  VersionDetailSchema,
  VersionParamsSchema,
} from "../../protocol/api-schemas-content.ts";

export interface HistoryRouteDeps {
  documents: DocumentsService;
  collab: CollabDocuments;
}

const HASH = /^[0-9a-f]{64}$/;

export function registerHistoryRoutes(r: Router, d: HistoryRouteDeps): void {
  const checkHash = (h: string | undefined) => {
    if (!h || !HASH.test(h)) throw notFound("Version not found");
    return h;
  };
  r.get(
    "/api/v1/documents/:id/history",
    "A document's versions, newest first (?limit=, default 100)",
    "user",
    { params: IdParamsSchema, query: HistoryQuerySchema, responses: { 200: HistorySchema } },
    (c) => {
      d.documents.access(c.user(), c.params.id!);
      const limit = Math.min(1000, Math.max(1, Number(c.query.limit) || 100));
      const all = d.collab.history(c.params.id!);
      return { versions: all.slice(0, limit), total: all.length };
    },
  );
  r.get(
    "/api/v1/documents/:id/history/:hash",
    "One past version's text, with the current text to compare",
    "user",
    { params: VersionParamsSchema, responses: { 200: VersionDetailSchema } },
    (c) => {
      d.documents.access(c.user(), c.params.id!);
      return d.collab.version(c.params.id!, checkHash(c.params.hash));
    },
  );
  r.post(
    "/api/v1/documents/:id/history/:hash/restore",
    "Make a past version the current text, as a new change (editor)",
    "user",
    { params: VersionParamsSchema, responses: { 200: DocumentSchema }, errors: [413, 503] },
    async (c) => {
      const user = c.user();
      const { role } = d.documents.access(user, c.params.id!);
      if (!canEdit(role)) throw readersCannot(role, "cannot change this document");
      const past = d.collab.version(c.params.id!, checkHash(c.params.hash));
      await d.documents.setContent(c.params.id!, past.content, user.id);
      return d.documents.get(user, c.params.id!);
    },
  );
}
