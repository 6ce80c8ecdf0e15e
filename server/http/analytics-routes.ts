// A document's analytics for its owner: views of its public page and embed, and its runs.
import type { DocumentAnalytics } from "../documents/document-analytics.ts";
import type { Router } from "./router.ts";
import { IdParamsSchema } from "../../protocol/api-schemas.ts";
import { DocumentAnalyticsSchema } from "../../protocol/api-schemas-admin.ts";

export function registerAnalyticsRoutes(r: Router, d: { analytics: DocumentAnalytics }): void {
  r.get(
    "/api/v1/documents/:id/analytics",
    "Views of the public page and the embed, and runs, per day for 30 days and in all (the owner only)",
    "user",
    { params: IdParamsSchema, responses: { 200: DocumentAnalyticsSchema } },
    (c) => d.analytics.forOwner(c.user(), c.params.id!),
  );
}
