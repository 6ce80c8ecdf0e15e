// HTTP routes that render PyMD: ad-hoc content, validation, and stored documents (executed in
// the sandbox for users who may read them), plus the rendered exports.
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { forbidden, invalid } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import { checkContent, safeFileName } from "../documents/document-rules.ts";
import type { Executions, ExecutionOutcome } from "../runtime/executions.ts";
import { renderFragment, renderHtmlPage, renderMarkdown, renderMarkdownOnly, PAGE_CSP } from "../render/index.ts";
import type { Ctx } from "./request-context.ts";
import type { Router } from "./router.ts";
import { contentDisposition } from "./document-routes.ts";

export interface RenderRouteDeps {
  documents: DocumentsService;
  executions: Executions;
}

type Format = "html" | "markdown";

function formatOf(raw: unknown, dflt: Format = "html"): Format {
  if (raw === undefined) return dflt;
  if (raw === "html") return "html";
  if (raw === "markdown" || raw === "md") return "markdown";
  throw invalid("format must be html or markdown");
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
  r.post("/api/v1/render", "Render PyMD content {content, format: html|markdown, execute?: true}", "user", async (c) => {
    const user = c.user();
    const body = (await c.json()) as Record<string, unknown> | null;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("body must be {content, format}");
    const content = checkContent(body.content);
    const format = formatOf(body.format);
    if (body.execute !== undefined && typeof body.execute !== "boolean") throw invalid("execute must be true or false");
    const execute = body.execute ?? true;
    if (execute && user.role === "viewer") throw forbidden("Viewers cannot run code");
    const outcome = execute ? await d.executions.runDocument(user.id, content) : null;
    return { format, output: await renderWith(content, outcome, format), blocks: blockSummary(outcome), durationMs: outcome?.durationMs ?? 0 };
  });

  r.post("/api/v1/render/validate", "Parse PyMD content and report problems with line numbers {content}", "user", async (c) => {
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
  });

  r.get("/api/v1/documents/:id/render", "Run a stored document in the sandbox and render it (?format=html|markdown)", "user", async (c) => {
    const user = c.user();
    const doc = d.documents.get(user, c.params.id!);
    const format = formatOf(c.query.format);
    const outcome = await d.executions.runDocument(user.id, doc.content);
    return { format, output: await renderWith(doc.content, outcome, format), blocks: blockSummary(outcome), durationMs: outcome.durationMs };
  });
  return r;
}

/** The rendered exports behind GET /documents/:id/export?format=html|md. */
export function renderedExport(d: RenderRouteDeps) {
  return async (c: Ctx, id: string, format: "html" | "md"): Promise<Response> => {
    const user = c.user();
    const doc = d.documents.get(user, id);
    const outcome = await d.executions.runDocument(user.id, doc.content);
    if (format === "html") {
      const page = await renderHtmlPage(doc.content, outcome.results, { title: doc.title });
      return new Response(page, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-disposition": contentDisposition(safeFileName(doc.title, "html")),
          // The exported page is also locked down when opened straight from the server.
          "content-security-policy": `${PAGE_CSP}; frame-ancestors 'none'`,
        },
      });
    }
    const md = await renderMarkdown(doc.content, outcome.results);
    return new Response(md, {
      headers: { "content-type": "text/markdown; charset=utf-8", "content-disposition": contentDisposition(safeFileName(doc.title, "md")) },
    });
  };
}
