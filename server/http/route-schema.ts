// A route's declared schemas put to use: the full table of its response statuses (the success
// statuses it declares and the error statuses it may answer), request checks that become the
// API's 400 errors, and finding the route a method and path reach.
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ErrorSchema } from "../../protocol/api-schemas.ts";
import { AppError } from "../errors.ts";
import type { OtherContent, RouteInfo, RouteSchema } from "./router.ts";

if (!FormatRegistry.Has("date-time"))
  FormatRegistry.Set("date-time", (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v));

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "The request is malformed or fails validation",
  401: "Sign in first, or the API token is invalid",
  403: "Not allowed (or a cross-origin request refused)",
  404: "No such thing, or not one you can read",
  409: "Conflicts with the current state",
  413: "The request body is too large",
  415: "The request body has the wrong media type",
  429: "Too many requests; retry after the Retry-After header",
};

export type ResponseSpec = { schema: TSchema | OtherContent | null; description: string };

export const isOtherContent = (s: TSchema | OtherContent | null): s is OtherContent =>
  s !== null && typeof (s as OtherContent).content === "object" && !("type" in s) && !("anyOf" in s);

/** Every status a route with a schema answers, each with the schema of its body; "5XX" stands for server errors. */
export function routeResponses(r: RouteInfo & { schema: RouteSchema }): Map<string, ResponseSpec> {
  const s = r.schema;
  const out = new Map<string, ResponseSpec>();
  for (const [status, schema] of Object.entries(s.responses)) {
    out.set(status, { schema, description: schema === null ? "Done; no body" : "Success" });
  }
  const errors = new Set<number>(s.errors ?? []);
  if (s.params || s.query || s.body || s.bodyContent) errors.add(400);
  if (r.auth === "user" || r.auth === "admin") errors.add(401).add(403);
  if (r.auth === "admin" || ["POST", "PUT", "PATCH", "DELETE"].includes(r.method)) errors.add(403);
  if (r.path.includes(":")) errors.add(404);
  if (s.body || s.bodyContent) errors.add(413).add(415);
  for (const e of [...errors].sort((a, b) => a - b)) {
    out.set(String(e), { schema: ErrorSchema, description: ERROR_DESCRIPTIONS[e] ?? "Client error" });
  }
  out.set("5XX", { schema: ErrorSchema, description: "Server error (storage full or unavailable, or a fault)" });
  return out;
}

/** The first place `value` differs from `schema`, as "path: message", or null when it conforms. */
export function firstMismatch(schema: TSchema, value: unknown): string | null {
  if (Value.Check(schema, value)) return null;
  const e = Value.Errors(schema, value).First();
  return e ? `${e.path || "/"}: ${e.message}` : "/: does not match";
}

/** Checks part of a request against its declared schema: a 400 naming the first field that does not conform. */
export function checkRequestPart(where: "params" | "query" | "body", schema: TSchema, value: unknown): void {
  if (Value.Check(schema, value)) return;
  if (
    where === "body" &&
    schema.type === "object" &&
    (typeof value !== "object" || value === null || Array.isArray(value))
  )
    throw new AppError("validation_failed", "request body must be a JSON object");
  const e = Value.Errors(schema, value).First();
  const field = e?.path.split("/")[1] ?? "";
  const label = where === "body" ? "request body" : where === "query" ? "query" : "path parameter";
  throw new AppError(
    "validation_failed",
    `${label}${e?.path ? ` field ${e.path.slice(1)}` : ""}: ${e?.message ?? "does not match"}`,
    field ? { details: { [field]: "invalid" } } : undefined,
  );
}

const patterns = new WeakMap<RouteInfo, RegExp>();
const patternOf = (r: RouteInfo): RegExp => {
  let p = patterns.get(r);
  if (!p) {
    const src = r.path
      .split("/")
      .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    p = new RegExp(`^${src}$`);
    patterns.set(r, p);
  }
  return p;
};

/** The route a request reaches: a literal path segment wins over a parameter, as in the router. */
export function findRoute(routes: RouteInfo[], method: string, pathname: string): RouteInfo | undefined {
  const rank = (r: RouteInfo) => (r.path.match(/:|\*/g) ?? []).length;
  return routes
    .filter((r) => r.method === method.toUpperCase() && patternOf(r).test(pathname))
    .sort((a, b) => rank(a) - rank(b))[0];
}
