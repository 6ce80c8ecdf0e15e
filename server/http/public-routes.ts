// Read-only public links: a published document rendered with its last outputs, for anyone
// holding the link. Nothing is executed for a public reader.
import { parsePymd } from "../../protocol/pymd-parser.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { NotebookSessions } from "../runtime/notebook-sessions.ts";
import { renderFragment } from "../render/index.ts";
import type { Router } from "./router.ts";

export interface PublicRouteDeps {
  documents: DocumentsService;
  notebooks: NotebookSessions;
}

export function registerPublicRoutes(r: Router, d: PublicRouteDeps): void {
  r.get("/api/v1/public/:slug", "A published document, rendered with its last outputs (no sign-in)", "none", async (c) => {
    const doc = d.documents.publicBySlug(c.params.slug!);
    const results = d.notebooks.resultsFor(doc.id, parsePymd(doc.content));
    return {
      title: doc.title,
      updatedAt: new Date(doc.updatedAt).toISOString(),
      html: await renderFragment(doc.content, results, {
        // only the files this document references are served on its public link
        fileUrl: (path, use) => `/api/v1/public/${encodeURIComponent(doc.publicSlug ?? c.params.slug!)}/file?path=${encodeURIComponent(path)}${use === "img" ? "&inline=1" : ""}`,
      }),
    };
  });
}
