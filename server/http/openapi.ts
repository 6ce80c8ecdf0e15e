// The OpenAPI document, generated from the registered routes, and a script-free page to browse it.
import type { RouteInfo } from "./router.ts";

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: { type: "object" },
        requestId: { type: "string" },
      },
    },
  },
};

const documentSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    title: { type: "string", minLength: 1, maxLength: 200 },
    content: { type: "string", description: "PyMD source, at most 5 MB" },
    ownerId: { type: "string" },
    isPublic: { type: "boolean" },
    publicSlug: { type: ["string", "null"] },
    tags: { type: "array", maxItems: 20, items: { type: "string", maxLength: 40 } },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
    deletedAt: { type: ["string", "null"], format: "date-time" },
    role: { enum: ["owner", "editor", "commenter", "viewer"] },
    publicComments: { type: "boolean", description: "the public page shows the open comments (owner only)" },
    folderId: { type: ["string", "null"], description: "in listings: your folder for it" },
    favorite: { type: "boolean", description: "in listings: one of your favourites" },
  },
};

export function buildOpenApi(routes: RouteInfo[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (!r.path.startsWith("/api/") && r.path !== "/metrics") continue;
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const op: Record<string, unknown> = {
      summary: r.summary,
      parameters: params,
      responses: {
        "200": { description: "Success" },
        "4XX": {
          description: "Client error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
    if (r.auth === "user" || r.auth === "admin") op.security = [{ cookie: [] }, { bearer: [] }];
    if (r.auth === "admin") op.description = "Admins only.";
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "pymd API",
      version,
      description:
        "JSON over HTTP. Errors are {error: {code, message}}. Authenticate with the session cookie or Authorization: Bearer <token>.",
    },
    paths,
    components: {
      schemas: { Error: errorSchema, Document: documentSchema },
      securitySchemes: {
        cookie: { type: "apiKey", in: "cookie", name: "pymd_session" },
        bearer: { type: "http", scheme: "bearer" },
      },
    },
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderApiBrowser(routes: RouteInfo[], version: string): string {
  const rows = [...routes]
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
    .map(
      (r) =>
        `<tr><td><code class="m m-${esc(r.method.toLowerCase())}">${esc(r.method)}</code></td><td><code>${esc(r.path)}</code></td><td>${esc(r.summary)}</td><td>${esc(r.auth)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>pymd API ${esc(version)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2430;background:#fff}
@media (prefers-color-scheme:dark){body{color:#dde3ea;background:#14171c}td,th{border-color:#2b313a!important}}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e7ec;padding:.4rem .6rem;text-align:left;vertical-align:top}
.m{font-weight:600}.m-get{color:#1a7f37}.m-post{color:#0969da}.m-patch,.m-put{color:#9a6700}.m-delete{color:#cf222e}
</style></head><body><h1>pymd API <small>${esc(version)}</small></h1>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Authenticate with the session cookie or <code>Authorization: Bearer &lt;token&gt;</code>. Errors are <code>{"error": {"code", "message"}}</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Auth</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
