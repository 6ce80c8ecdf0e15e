// Read-only public links: a published document rendered with its last outputs, for anyone
// holding the link. Nothing is executed for a public reader, and what is rendered is what is
// stored: a page is rendered once per state of its text and outputs, and readers share that render.
import { parsePymd } from "../../protocol/pymd-parser.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { NotebookSessions } from "../runtime/notebook-sessions.ts";
import { renderFragment } from "../render/index.ts";
import type { Router } from "./router.ts";

export interface PublicRouteDeps {
  documents: DocumentsService;
  notebooks: NotebookSessions;
}

/** Rendered public pages kept (the least recently read go first), and the characters of HTML they may hold together. */
const PAGES_KEPT = 8;
const PAGES_MAX_CHARS = 48 * 1024 * 1024;

export function registerPublicRoutes(r: Router, d: PublicRouteDeps): void {
  /** Renders (finished or in flight) by what they depend on: the document's text, its outputs, its link. */
  const pages = new Map<string, Promise<string>>();
  const sizes = new Map<string, number>();
  const drop = (key: string) => {
    pages.delete(key);
    sizes.delete(key);
  };
  const trim = () => {
    let chars = 0;
    for (const n of sizes.values()) chars += n;
    for (const key of pages.keys()) {
      if (pages.size <= PAGES_KEPT && chars <= PAGES_MAX_CHARS) break;
      chars -= sizes.get(key) ?? 0;
      drop(key);
    }
  };

  r.get("/api/v1/public/:slug", "A published document, rendered with its last outputs (no sign-in)", "none", async (c) => {
    const doc = d.documents.publicBySlug(c.params.slug!);
    const slug = doc.publicSlug ?? c.params.slug!;
    const key = `${doc.id}\u0000${slug}\u0000${Bun.hash(doc.content).toString(36)}\u0000${d.notebooks.outputsStamp(doc.id)}`;
    let page = pages.get(key);
    if (page) {
      pages.delete(key);
    } else {
      const results = d.notebooks.resultsFor(doc.id, parsePymd(doc.content));
      page = renderFragment(doc.content, results, {
        // only the files this document references are served on its public link
        fileUrl: (path, use) => `/api/v1/public/${encodeURIComponent(slug)}/file?path=${encodeURIComponent(path)}${use === "img" ? "&inline=1" : ""}`,
      });
      const rendering = page;
      rendering.then(
        (html) => {
          if (pages.get(key) !== rendering) return;
          sizes.set(key, html.length);
          trim();
        },
        // a render that failed is not kept: the next reader tries again
        () => pages.get(key) === rendering && drop(key),
      );
      // one page per document: an older state of it is not served again
      for (const k of [...pages.keys()]) if (k.startsWith(`${doc.id}\u0000`)) drop(k);
    }
    pages.set(key, page);
    trim();
    return { title: doc.title, updatedAt: new Date(doc.updatedAt).toISOString(), html: await page };
  });
}
