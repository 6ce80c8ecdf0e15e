// HTTP routes that render PyMD: ad-hoc content, validation, and stored documents, plus the rendered
// exports. One rule per role: whoever may run a notebook over the WebSocket (owners, editors) has it
// executed in the sandbox here; viewers get the stored outputs and never start an execution.
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { AppError, forbidden, invalid } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import { checkContent, safeFileName } from "../documents/document-rules.ts";
import type { Executions, ExecutionOutcome } from "../runtime/executions.ts";
import {
  renderFragment,
  renderHtmlPage,
  renderMarkdown,
  renderMarkdownOnly,
  renderPdf,
  PAGE_CSP,
  type Paper,
} from "../render/index.ts";
import type { Ctx } from "./request-context.ts";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { createWorkspaceDir } from "../../sandbox/workspace-dir.ts";
import { downloadType, pathKey } from "../files/file-paths.ts";
import { referencedFiles } from "../files/references.ts";
import type { WorkspaceFiles } from "../files/workspace-files.ts";
import type { Router } from "./router.ts";
import { contentDisposition } from "./document-routes.ts";
import { canEdit } from "../../protocol/api-types.ts";
import { readersCannot } from "../documents/document-rules.ts";

import { commentsHtml, commentsMarkdown } from "../documents/comments-export.ts";
import type { CommentThreadJson } from "../../protocol/api-types.ts";
import type { UserRow } from "../store/users-store.ts";
import { IdParamsSchema } from "../../protocol/api-schemas.ts";
import {
  DocumentRenderSchema,
  RenderBodySchema,
  RenderQuerySchema,
  RenderSchema,
  ValidateBodySchema,
  ValidateSchema,
} from "../../protocol/api-schemas-content.ts";
export interface RenderRouteDeps {
  documents: DocumentsService;
  executions: Executions;
  /** The document's workspace: the export's working directory, and its images embedded. */
  files?: WorkspaceFiles;
  /** The document's stored outputs placed on its blocks: what a viewer is shown instead of a run. */
  storedResults(docId: string, source: string): Map<number, BlockResult>;
  /** The document's comment threads, for exports that ask for them (?comments=1). */
  commentsFor?(user: UserRow, docId: string): CommentThreadJson[];
}

/** A stored-outputs stand-in for a run: nothing executed, the last outputs shown. */
const storedOutcome = (results: Map<number, BlockResult>): ExecutionOutcome => ({
  results,
  events: [],
  durationMs: 0,
  hostError: null,
});

type Format = "html" | "markdown";

function formatOf(raw: unknown, dflt: Format = "html"): Format {
  if (raw === undefined) return dflt;
  if (raw === "html") return "html";
  if (raw === "markdown" || raw === "md") return "markdown";
  throw invalid("format must be html or markdown");
}

function rerunOf(raw: unknown): boolean {
  if (raw === undefined || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true" || raw === "") return true;
  throw invalid("rerun must be 1 or 0");
}

function blockSummary(o: ExecutionOutcome | null) {
  if (!o) return [];
  return [...o.results.values()].map((r) => ({ block: r.block, status: r.status, durationMs: r.durationMs }));
}

async function renderWith(source: string, o: ExecutionOutcome | null, format: Format): Promise<string> {
  if (format === "html") return renderFragment(source, o?.results);
  return o ? renderMarkdown(source, o.results) : renderMarkdownOnly(source);
}

export function registerRenderRoutes(r: Router, d: RenderRouteDeps): Router {
  r.post(
    "/api/v1/render",
    "Render PyMD content {content, format: html|markdown, execute?: true}",
    "user",
    { body: RenderBodySchema, responses: { 200: RenderSchema }, errors: [429] },
    async (c) => {
      const user = c.user();
      const body = (await c.json()) as Record<string, unknown> | null;
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw invalid("body must be {content, format}");
      const content = checkContent(body.content);
      const format = formatOf(body.format);
      if (body.execute !== undefined && typeof body.execute !== "boolean")
        throw invalid("execute must be true or false");
      const execute = body.execute ?? true;
      if (execute && user.role === "viewer") throw forbidden("Viewers cannot run code");
      const outcome = execute ? await d.executions.runDocument(user.id, content) : null;
      return {
        format,
        output: await renderWith(content, outcome, format),
        blocks: blockSummary(outcome),
        durationMs: outcome?.durationMs ?? 0,
      };
    },
  );

  r.post(
    "/api/v1/render/validate",
    "Parse PyMD content and report problems with line numbers {content}",
    "user",
    { body: ValidateBodySchema, responses: { 200: ValidateSchema } },
    async (c) => {
      c.user();
      const body = (await c.json()) as Record<string, unknown> | null;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("body must be {content}");
      const content = checkContent(body.content);
      const parsed = parsePymd(content);
      return {
        valid: parsed.problems.length === 0,
        problems: parsed.problems,
        blocks: parsed.blocks.map((b) => ({ kind: b.kind, startLine: b.startLine, endLine: b.endLine })),
      };
    },
  );

  r.get(
    "/api/v1/documents/:id/render",
    "Render a stored document (?format=html|markdown): run in the sandbox for owners and editors, with its stored outputs for viewers",
    "user",
    { params: IdParamsSchema, query: RenderQuerySchema, responses: { 200: DocumentRenderSchema }, errors: [429] },
    async (c) => {
      const user = c.user();
      const { doc, role } = d.documents.access(user, c.params.id!);
      const format = formatOf(c.query.format);
      const executed = canEdit(role);
      const outcome = executed
        ? await d.executions.runDocument(user.id, doc.content)
        : storedOutcome(d.storedResults(doc.id, doc.content));
      return {
        format,
        executed,
        output: await renderWith(doc.content, outcome, format),
        blocks: blockSummary(outcome),
        durationMs: outcome.durationMs,
      };
    },
  );
  return r;
}

/** The rendered exports behind GET /documents/:id/export?format=html|md. */
const EMBED_MAX_BYTES = 20 * 1024 * 1024;

/** Data URIs of the raster images the document references, so the exported page stands alone. */
async function embeddedImages(
  files: WorkspaceFiles,
  id: string,
  source: string,
  results: ReadonlyMap<number, BlockResult>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let total = 0;
  for (const key of referencedFiles(source, results)) {
    const entry = files.entry(id, key);
    if (entry?.kind !== "file") continue;
    const type = downloadType(entry.path);
    if (!type.startsWith("image/") || total + entry.size > EMBED_MAX_BYTES) continue;
    const bytes = await files.bytes(entry, EMBED_MAX_BYTES);
    if (!bytes) continue;
    total += entry.size;
    out.set(key, `data:${type};base64,${Buffer.from(bytes).toString("base64")}`);
  }
  return out;
}

/** A document's PDF with the workspace images it references. */
export async function documentPdf(
  files: WorkspaceFiles | undefined,
  id: string,
  title: string,
  source: string,
  results: ReadonlyMap<number, BlockResult>,
  paper: Paper,
): Promise<Uint8Array> {
  const embedded = files ? await embeddedImages(files, id, source, results) : new Map<string, string>();
  return renderPdf(source, results, {
    title,
    paper,
    fileUrl: (path, use) => (use === "img" ? (embedded.get(pathKey(path)) ?? null) : null),
  });
}

/** Runs the notebook for an owner's or editor's export, in its workspace; what it writes is kept, as after Run all. */
async function runForExport(
  d: RenderRouteDeps,
  id: string,
  ownerId: string,
  source: string,
  userId: string,
): Promise<ExecutionOutcome> {
  if (!d.files) return d.executions.runDocument(userId, source);
  const ws = createWorkspaceDir();
  try {
    const mirror = d.files.mirror(id, ownerId, ws);
    await mirror.syncIn();
    const outcome = await d.executions.runDocument(userId, source, undefined, undefined, {
      dir: ws.dir,
      maxBytes: d.files.limits.documentBytes,
    });
    await mirror.syncBack(userId);
    return outcome;
  } finally {
    ws.remove();
  }
}

/** The paper a PDF is laid out on (?paper=a4|letter, A4 by default). */
export function paperOf(raw: string | undefined): Paper {
  if (raw === undefined || raw === "a4" || raw === "A4") return "a4";
  if (raw === "letter" || raw === "us-letter") return "us-letter";
  throw invalid("paper must be a4 or letter");
}

/** A PDF download; a document the layout fails on is a clear 422 (the failure is logged). */
export async function pdfResponse(c: Ctx, title: string, make: () => Promise<Uint8Array>): Promise<Response> {
  let pdf: Uint8Array;
  try {
    pdf = await make();
  } catch (e) {
    if (e instanceof AppError) throw e;
    c.log.error("PDF export failed", { err: e instanceof Error ? e.message : String(e) });
    throw new AppError(
      "validation_failed",
      `This document could not be laid out as a PDF: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return new Response(pdf as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/pdf",
      "content-disposition": contentDisposition(safeFileName(title, "pdf")),
    },
  });
}

export function renderedExport(d: RenderRouteDeps) {
  return async (c: Ctx, id: string, format: "html" | "md" | "pdf"): Promise<Response> => {
    const user = c.user();
    const { doc, role } = d.documents.access(user, id);
    // An export shows the stored outputs (the last run of each block, as the editor shows them);
    // ?rerun=1 runs the notebook first, for those who may run it (never a viewer).
    const rerun = rerunOf(c.query.rerun);
    if (rerun && !canEdit(role))
      throw readersCannot(role, "cannot run code: export without rerun to get the stored outputs");
    const outcome = rerun
      ? await runForExport(d, id, doc.ownerId, doc.content, user.id)
      : storedOutcome(d.storedResults(doc.id, doc.content));
    // comments only when asked for
    const withComments = c.query.comments === "1" || c.query.comments === "true";
    if (c.query.comments !== undefined && !withComments && c.query.comments !== "0" && c.query.comments !== "false")
      throw invalid("comments must be 1 or 0");
    const threads = withComments && d.commentsFor ? d.commentsFor(user, id) : [];
    if (format === "pdf") {
      if (withComments) throw invalid("comments are in the HTML and Markdown exports, not the PDF");
      const paper = paperOf(c.query.paper);
      return pdfResponse(c, doc.title, () => documentPdf(d.files, id, doc.title, doc.content, outcome.results, paper));
    }
    if (format === "html") {
      const embedded = d.files
        ? await embeddedImages(d.files, id, doc.content, outcome.results)
        : new Map<string, string>();
      const rendered = await renderHtmlPage(doc.content, outcome.results, {
        title: doc.title,
        fileUrl: (path, use) => (use === "img" ? (embedded.get(pathKey(path)) ?? null) : null),
      });
      const page = threads.length
        ? rendered.replace(/<\/main>\s*<\/body>/, (end) => commentsHtml(threads) + end)
        : rendered;
      return new Response(page, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-disposition": contentDisposition(safeFileName(doc.title, "html")),
          // The exported page is also locked down when opened straight from the server.
          // the page's own policy (which allows its diagram scripts by hash, when it has any)
          "content-security-policy": `${/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(rendered)?.[1] ?? PAGE_CSP}; frame-ancestors 'none'`,
        },
      });
    }
    const md = (await renderMarkdown(doc.content, outcome.results)) + commentsMarkdown(threads);
    return new Response(md, {
      headers: {
        "content-type": "text/markdown; charset=utf-8",
        "content-disposition": contentDisposition(safeFileName(doc.title, "md")),
      },
    });
  };
}
