// Whether the editor offers a terminal on a document: registered only when terminals are on, so
// with --terminals off this route, like the socket, is not there at all (404).
import type { DocumentsService } from "../documents/documents-service.ts";
import type { TerminalSessions } from "../terminal/terminal-sessions.ts";
import type { Router } from "./router.ts";
import { canEdit, type TerminalAccessJson } from "../../protocol/api-types.ts";
import { readersCannot } from "../documents/document-rules.ts";
import { IdParamsSchema } from "../../protocol/api-schemas.ts";
import { TerminalAccessSchema } from "../../protocol/api-schemas-content.ts";

export function registerTerminalRoutes(
  r: Router,
  d: { documents: DocumentsService; terminals: TerminalSessions },
): void {
  r.get(
    "/api/v1/documents/:id/terminal",
    "Whether you may open a terminal on this document (editors and owners, where code can run), and its idle close",
    "user",
    { params: IdParamsSchema, responses: { 200: TerminalAccessSchema } },
    async (c): Promise<TerminalAccessJson> => {
      const { role } = d.documents.access(c.user(), c.params.id!);
      const unavailable = await d.terminals.unavailable();
      return {
        allowed: canEdit(role) && unavailable === null,
        reason: canEdit(role) ? unavailable : readersCannot(role, "cannot open a terminal").message,
        idleCloseMinutes: d.terminals.opts.idleCloseMinutes,
        open: d.terminals.countFor(c.user().id, c.params.id!),
      };
    },
  );
}
