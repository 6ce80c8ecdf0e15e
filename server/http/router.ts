// The small routing surface route modules register on; http-app.ts implements it with Elysia.
import type { TSchema } from "@sinclair/typebox";
import type { Ctx } from "./request-context.ts";

export type Handler = (c: Ctx) => unknown | Promise<unknown>;

/** A response that is not JSON: its media types, each with the schema of its body. */
export interface OtherContent {
  content: Record<string, TSchema>;
  description?: string;
}

/**
 * What a route takes and answers. params, query and a JSON body are checked before the handler
 * runs; `bodyContent` describes a body that is not JSON (not checked). `responses` maps each
 * success status to the schema of its JSON body (null: no body); the error statuses are added
 * by route-schema.ts, with those in `errors` besides.
 */
export interface RouteSchema {
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  bodyContent?: Record<string, TSchema>;
  responses: Record<number, TSchema | OtherContent | null>;
  errors?: number[];
}

export interface RouteInfo {
  method: string;
  path: string;
  summary: string;
  /** "bearer": open to anyone; the handler checks a bearer credential of its own (not an API token). */
  auth: "none" | "user" | "admin" | "optional" | "bearer";
  schema?: RouteSchema;
}

export interface AddRoute {
  (path: string, summary: string, auth: RouteInfo["auth"], h: Handler): void;
  (path: string, summary: string, auth: RouteInfo["auth"], schema: RouteSchema, h: Handler): void;
}

export interface Router {
  get: AddRoute;
  post: AddRoute;
  put: AddRoute;
  patch: AddRoute;
  delete: AddRoute;
  /** Every route registered so far, for the OpenAPI document. */
  readonly routes: RouteInfo[];
}
