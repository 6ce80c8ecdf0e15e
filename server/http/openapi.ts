// The OpenAPI document, generated from the registered routes, and a script-free page to browse it.
import type { TSchema } from "@sinclair/typebox";
import { ErrorSchema } from "../../protocol/api-schemas.ts";
import { isOtherContent, routeResponses } from "./route-schema.ts";
import type { RouteInfo, RouteSchema } from "./router.ts";

/** A TypeBox schema as plain JSON Schema: TypeBox's symbol keys dropped, the Error schema by reference. */
function jsonSchema(s: TSchema): unknown {
  if (s === ErrorSchema) return { $ref: "#/components/schemas/Error" };
  return JSON.parse(JSON.stringify(s, (k, v) => (k === "$id" ? undefined : v)));
}

const errorComponent = JSON.parse(JSON.stringify(ErrorSchema, (k, v) => (k === "$id" ? undefined : v)));

const security = (auth: RouteInfo["auth"]) =>
  auth === "user" || auth === "admin"
    ? [{ cookie: [] }, { bearer: [] }]
    : auth === "optional"
      ? [{ cookie: [] }, { bearer: [] }, {}]
      : auth === "bearer"
        ? [{ metricsToken: [] }, { cookie: [] }, { bearer: [] }]
        : [];

const HTTP_SUCCESS: Record<string, string> = { "200": "Success", "201": "Created", "204": "Done; no body" };

function operation(r: RouteInfo): Record<string, unknown> {
  const pathParams = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const paramSchema = (name: string, where: TSchema | undefined) =>
    where?.properties?.[name] ? jsonSchema(where.properties[name]) : { type: "string" };
  const parameters: Record<string, unknown>[] = pathParams.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: paramSchema(name, r.schema?.params),
  }));
  const q = r.schema?.query;
  if (q?.properties) {
    for (const [name, prop] of Object.entries(q.properties as Record<string, TSchema>)) {
      parameters.push({
        name,
        in: "query",
        required: (q.required ?? []).includes(name),
        ...(prop.description ? { description: prop.description } : {}),
        schema: jsonSchema(prop),
      });
    }
  }
  const op: Record<string, unknown> = { summary: r.summary, operationId: `${r.method.toLowerCase()} ${r.path}` };
  if (parameters.length) op.parameters = parameters;
  if (r.schema?.body || r.schema?.bodyContent) {
    const content: Record<string, unknown> = {};
    if (r.schema.body) content["application/json"] = { schema: jsonSchema(r.schema.body) };
    for (const [type, schema] of Object.entries(r.schema.bodyContent ?? {}))
      content[type] = { schema: jsonSchema(schema) };
    op.requestBody = { required: true, content };
  }
  const responses: Record<string, unknown> = {};
  if (r.schema) {
    for (const [status, spec] of routeResponses(r as RouteInfo & { schema: RouteSchema })) {
      const s = spec.schema;
      if (s === null) responses[status] = { description: spec.description };
      else if (isOtherContent(s))
        responses[status] = {
          description: s.description ?? spec.description,
          content: Object.fromEntries(Object.entries(s.content).map(([t, x]) => [t, { schema: jsonSchema(x) }])),
        };
      else
        responses[status] = {
          description: spec.description,
          content: { "application/json": { schema: jsonSchema(s) } },
        };
    }
  } else {
    responses["200"] = { description: HTTP_SUCCESS["200"] };
    responses["4XX"] = {
      description: "Client error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  op.responses = responses;
  op.security = security(r.auth);
  if (r.auth === "admin") op.description = "Admins only.";
  return op;
}

export function buildOpenApi(routes: RouteInfo[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (!r.path.startsWith("/api/") && r.path !== "/metrics") continue;
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
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
      schemas: { Error: errorComponent },
      securitySchemes: {
        cookie: {
          type: "apiKey",
          in: "cookie",
          name: "pymd_session",
          description: "The session cookie set by sign-in",
        },
        bearer: { type: "http", scheme: "bearer", description: "An API token (Settings → API tokens)" },
        metricsToken: { type: "http", scheme: "bearer", description: "The --metrics-token, for /metrics" },
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
