// Operational routes: liveness, readiness, Prometheus metrics, the OpenAPI document and its browser.
import type { Database } from "bun:sqlite";
import { VERSION } from "../version.ts";
import type { Metrics } from "./metrics.ts";
import type { RouteInfo, Router } from "./router.ts";
import { buildOpenApi, renderApiBrowser } from "./openapi.ts";

export interface OpsRouteDeps {
  db: Database;
  metrics: Metrics;
}

export function registerOpsRoutes(r: Router, d: OpsRouteDeps): void {
  r.get("/api/v1/health", "Liveness: 200 while the process runs", "none", () => ({ status: "ok", version: VERSION }));
  r.get("/api/v1/ready", "Readiness: 200 when the database answers", "none", () => {
    try {
      d.db.query("SELECT 1").get();
      return { status: "ready" };
    } catch {
      return Response.json({ status: "unavailable", error: { code: "unavailable", message: "database not answering" } }, { status: 503 });
    }
  });
  r.get("/metrics", "Prometheus metrics", "none", () => new Response(d.metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));
  let spec: string | null = null;
  const specOf = (routes: RouteInfo[]) => (spec ??= JSON.stringify(buildOpenApi(routes, VERSION)));
  r.get("/api/v1/openapi.json", "This API's OpenAPI 3.1 document", "none", () => new Response(specOf(r.routes), { headers: { "content-type": "application/json" } }));
  r.get("/api/docs", "Browse the API", "none", () => new Response(renderApiBrowser(r.routes, VERSION), { headers: { "content-type": "text/html; charset=utf-8" } }));
}
