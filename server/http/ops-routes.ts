// Operational routes: liveness, readiness, Prometheus metrics, the OpenAPI document and its browser.
import type { Database } from "../store/database.ts";
import { createHash, timingSafeEqual } from "node:crypto";
import { AppError, forbidden } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { Metrics } from "../log/metrics.ts";
import type { RouteInfo, Router } from "./router.ts";
import { buildOpenApi, renderApiBrowser } from "./openapi.ts";
import { Type } from "@sinclair/typebox";
import { HealthSchema, OpenApiDocumentSchema, ReadySchema } from "../../protocol/api-schemas-admin.ts";

export interface OpsRouteDeps {
  db: Database;
  metrics: Metrics;
  /** --metrics-token: the bearer credential a scraper presents; null lets only admins read metrics. */
  metricsToken: string | null;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Whether the request carries the metrics token (compared in constant time). */
function hasMetricsToken(request: Request, token: string | null): boolean {
  if (token === null) return false;
  const m = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

export function registerOpsRoutes(r: Router, d: OpsRouteDeps): void {
  r.get("/api/v1/health", "Liveness: 200 while the process runs", "none", { responses: { 200: HealthSchema } }, () => ({
    status: "ok",
    version: VERSION,
  }));
  r.get(
    "/api/v1/ready",
    'Readiness: 200 when the database answers, else 503 with {status: "unavailable", error}',
    "none",
    { responses: { 200: ReadySchema } },
    () => {
      try {
        d.db.query("SELECT 1").get();
        return { status: "ready" };
      } catch {
        return Response.json(
          { status: "unavailable", error: { code: "unavailable", message: "database not answering" } },
          { status: 503 },
        );
      }
    },
  );
  r.get(
    "/metrics",
    "Prometheus metrics: the metrics token as a Bearer credential (--metrics-token), or a signed-in admin",
    "bearer",
    {
      responses: {
        200: { content: { "text/plain": Type.String() }, description: "The Prometheus text format (version 0.0.4)" },
      },
      errors: [401, 403],
    },
    (c) => {
      if (!hasMetricsToken(c.request, d.metricsToken)) {
        if (!c.auth) {
          throw new AppError(
            "unauthenticated",
            d.metricsToken === null
              ? "Metrics are for admins; give a scraper the token set with --metrics-token (PYMD_METRICS_TOKEN)"
              : "Send the metrics token: Authorization: Bearer <token>",
          );
        }
        if (c.auth.user.role !== "admin") throw forbidden("Only admins or the metrics token can read metrics");
      }
      return new Response(d.metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    },
  );
  let spec: string | null = null;
  const specOf = (routes: RouteInfo[]) => (spec ??= JSON.stringify(buildOpenApi(routes, VERSION)));
  r.get(
    "/api/v1/openapi.json",
    "This API's OpenAPI 3.1 document",
    "none",
    { responses: { 200: OpenApiDocumentSchema } },
    () => new Response(specOf(r.routes), { headers: { "content-type": "application/json" } }),
  );
  r.get(
    "/api/docs",
    "Browse the API",
    "none",
    { responses: { 200: { content: { "text/html": Type.String() }, description: "A page listing every route" } } },
    () =>
      new Response(renderApiBrowser(r.routes, VERSION), { headers: { "content-type": "text/html; charset=utf-8" } }),
  );
}
