// The small routing surface route modules register on; http-app.ts implements it with Elysia.
import type { Ctx } from "./request-context.ts";

export type Handler = (c: Ctx) => unknown | Promise<unknown>;

export interface RouteInfo {
  method: string;
  path: string;
  summary: string;
  /** "bearer": open to anyone; the handler checks a bearer credential of its own (not an API token). */
  auth: "none" | "user" | "admin" | "optional" | "bearer";
}

export interface Router {
  get(path: string, summary: string, auth: RouteInfo["auth"], h: Handler): void;
  post(path: string, summary: string, auth: RouteInfo["auth"], h: Handler): void;
  put(path: string, summary: string, auth: RouteInfo["auth"], h: Handler): void;
  patch(path: string, summary: string, auth: RouteInfo["auth"], h: Handler): void;
  delete(path: string, summary: string, auth: RouteInfo["auth"], h: Handler): void;
  /** Every route registered so far, for the OpenAPI document. */
  readonly routes: RouteInfo[];
}
