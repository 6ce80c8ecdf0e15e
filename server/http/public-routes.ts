// Read-only public links: a published document rendered with its last outputs, for anyone
// holding the link. Nothing is executed for a public reader, and what is rendered is what is
// stored: a page is rendered once per state of its text and outputs, and readers share that render.
//
// An embed (/embed/SLUG) is the same render as a whole HTML page of its own, without the public
// page's title bar and script-free (but for the client's script that draws mermaid diagrams, on a
// page that has one), that the sites named by --embed-origins may frame. Reads of
// both are counted per document and day (nothing about the reader); HEAD requests are not.
import { parsePymd } from "../../protocol/pymd-parser.ts";
import type { EmbedSettingsJson } from "../../protocol/analytics-types.ts";
import type { DocumentAnalytics } from "../documents/document-analytics.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { NotebookSessions } from "../runtime/notebook-sessions.ts";
import { renderFragment } from "../render/index.ts";
import { pageStyle } from "../render/page-style.ts";
import { embedDiagramScript } from "../render/diagram-script.ts";
import { Type } from "@sinclair/typebox";
import type { Router } from "./router.ts";
import { embedContentSecurityPolicy } from "./security-headers.ts";

import type { CommentThreadJson, CommentThreadListJson, PublicDocumentJson } from "../../protocol/api-types.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import type { BlockResult } from "../../protocol/run-frames.ts";
import type { Paper } from "../render/index.ts";
import { paperOf, pdfResponse } from "./render-routes.ts";
import { CommentThreadListSchema } from "../../protocol/api-schemas.ts";
import {
  EmbedSettingsSchema,
  PublicDocumentSchema,
  PublicExportQuerySchema,
  SlugParamsSchema,
  embedContent,
  pdfContent,
} from "../../protocol/api-schemas-content.ts";
export interface PublicRouteDeps {
  documents: DocumentsService;
  notebooks: NotebookSessions;
  analytics: DocumentAnalytics;
  /** --embed-origins: who may frame /embed/SLUG (empty: nobody). */
  embedOrigins: readonly string[];
  /** A document's comments for its public page, when its owner shows them. */
  publicComments?: (docId: string) => CommentThreadJson[];
  /** A published document's PDF with its last outputs. */
  pdf?: (
    doc: { id: string; title: string; content: string },
    results: ReadonlyMap<number, BlockResult>,
    paper: Paper,
  ) => Promise<Uint8Array>;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The embed's page: the rendered notebook and the export stylesheet, nothing else (no script but the diagrams' one). */
const embedPage = (title: string, html: string) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pymd">
<title>${escapeHtml(title)}</title>
<style>${pageStyle}
body{max-width:none;padding:1rem 1.25rem}</style>
${embedDiagramScript(html)}</head>
<body>
<main class="pymd-notebook" data-testid="embed-notebook">
${html}
</main>
</body>
</html>
`;

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

  /** The published document of a slug (404 whether unknown or unpublished) and its shared render. */
  const render = async (slugParam: string) => {
    const doc = d.documents.publicBySlug(slugParam);
    const slug = doc.publicSlug ?? slugParam;
    const key = `${doc.id}\u0000${slug}\u0000${Bun.hash(doc.content).toString(36)}\u0000${d.notebooks.outputsStamp(doc.id)}`;
    let page = pages.get(key);
    if (page) {
      pages.delete(key);
    } else {
      const results = d.notebooks.resultsFor(doc.id, parsePymd(doc.content));
      page = renderFragment(doc.content, results, {
        // only the files this document references are served on its public link
        fileUrl: (path, use) =>
          `/api/v1/public/${encodeURIComponent(slug)}/file?path=${encodeURIComponent(path)}${use === "img" ? "&inline=1" : ""}`,
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
    return { doc, html: await page };
  };
  // a HEAD (a link checker, a bot) is not a read
  const count = (method: string, documentId: string, kind: "public" | "embed") =>
    method === "GET" && d.analytics.countView(documentId, kind);

  r.get(
    "/api/v1/public/:slug",
    "A published document, rendered with its last outputs (no sign-in)",
    "none",
    { params: SlugParamsSchema, responses: { 200: PublicDocumentSchema } },
    async (c): Promise<PublicDocumentJson> => {
      const { doc, html } = await render(c.params.slug!);
      count(c.request.method, doc.id, "public");
      return {
        title: doc.title,
        updatedAt: new Date(doc.updatedAt).toISOString(),
        html,
        comments: doc.publicComments === true,
      };
    },
  );

  // One PDF per state of a document and paper, shared by everyone who asks (and by requests that
  // come while it is being made): readers of a link cannot make the server lay out pages over and over.
  const pdfs = new Map<string, Promise<Uint8Array>>();
  r.get(
    "/api/v1/public/:slug/export",
    "A published document as a PDF, with its last outputs (?format=pdf&paper=a4|letter; no sign-in)",
    "none",
    { params: SlugParamsSchema, query: PublicExportQuerySchema, responses: { 200: pdfContent }, errors: [503] },
    async (c) => {
      if ((c.query.format ?? "pdf") !== "pdf") throw invalid("a published document downloads as format=pdf");
      const paper = paperOf(c.query.paper);
      const doc = d.documents.publicBySlug(c.params.slug!);
      if (!d.pdf) throw new AppError("unavailable", "the PDF export is not available on this server");
      const key = `${doc.id}\u0000${paper}\u0000${Bun.hash(doc.content).toString(36)}\u0000${d.notebooks.outputsStamp(doc.id)}`;
      let made = pdfs.get(key);
      if (!made) {
        for (const k of [...pdfs.keys()]) if (k.startsWith(`${doc.id}\u0000${paper}\u0000`)) pdfs.delete(k);
        if (pdfs.size >= PAGES_KEPT) pdfs.delete(pdfs.keys().next().value!);
        made = d.pdf(doc, d.notebooks.resultsFor(doc.id, parsePymd(doc.content)), paper);
        pdfs.set(key, made);
        const mine = made;
        made.catch(() => pdfs.get(key) === mine && pdfs.delete(key));
      }
      return pdfResponse(c, doc.title, () => made!);
    },
  );

  r.get(
    "/api/v1/public/:slug/comments",
    "A published document's comments, when its owner shows them on the public page (404 otherwise)",
    "none",
    { params: SlugParamsSchema, responses: { 200: CommentThreadListSchema } },
    (c): CommentThreadListJson => {
      const doc = d.documents.publicBySlug(c.params.slug!);
      if (!doc.publicComments || !d.publicComments) throw notFound("This page shows no comments");
      return { threads: d.publicComments(doc.id) };
    },
  );

  const embedCsp = embedContentSecurityPolicy(d.embedOrigins);
  // The source, for running the notebook in the reader's browser (its code is on the page already).
  r.get(
    "/api/v1/public/:slug/source",
    "A published document's PyMD source, to run it in the reader's browser (no sign-in)",
    "none",
    {
      params: SlugParamsSchema,
      responses: { 200: { content: { "text/plain": Type.String() }, description: "The PyMD source" } },
    },
    (c) => {
      const doc = d.documents.publicBySlug(c.params.slug!);
      return new Response(doc.content, {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" },
      });
    },
  );
  r.get(
    "/embed/:slug",
    "A published document as a page to embed in an iframe (the sites of --embed-origins may frame it)",
    "none",
    { params: SlugParamsSchema, responses: { 200: embedContent } },
    async (c) => {
      const { doc, html } = await render(c.params.slug!);
      count(c.request.method, doc.id, "embed");
      return new Response(embedPage(doc.title, html), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-cache",
          "content-security-policy": embedCsp,
        },
      });
    },
  );

  r.get(
    "/api/v1/embed/settings",
    "Which origins may frame embeds of published documents",
    "user",
    { responses: { 200: EmbedSettingsSchema } },
    (): EmbedSettingsJson => ({ embedOrigins: [...d.embedOrigins] }),
  );
}
