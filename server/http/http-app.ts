// Builds the Elysia application: request ids, logging, metrics, authentication, CSRF checks,
// security headers and error mapping around every route. The only module that knows Elysia's HTTP side.
import { Elysia } from "elysia";
import { AppError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { SessionManager } from "../auth/sessions.ts";
import { authenticateRequest, expectedOrigin, sessionCookie } from "../auth/request-credentials.ts";
import { errorResponseParts } from "./error-status.ts";
import { storageFailure } from "../store/storage-errors.ts";
import { applySecurityHeaders } from "./security-headers.ts";
import type { Metrics } from "../log/metrics.ts";
import { readBodyText, readJsonBody, Reply, MAX_BODY_BYTES, type Ctx } from "./request-context.ts";
import type { Handler, RouteInfo, RouteSchema, Router } from "./router.ts";
import { checkRequestPart } from "./route-schema.ts";
import { clientAddress, IpRanges } from "../auth/ip-ranges.ts";

export interface HttpAppDeps {
  log: Logger;
  metrics: Metrics;
  sessions: SessionManager;
  baseUrl: URL | null;
  /** Reverse proxies whose X-Forwarded-For names the client (--trusted-proxy). */
  trustedProxies?: IpRanges;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let requestCounter = 0;
const requestPrefix = Math.random().toString(36).slice(2, 8);
const nextRequestId = () => `${requestPrefix}-${(++requestCounter).toString(36)}`;

export function createHttpApp(deps: HttpAppDeps) {
  const https = deps.baseUrl?.protocol === "https:";
  const app = new Elysia({ normalize: false });
  const routes: RouteInfo[] = [];

  const finish = (res: Response, started: number, method: string, route: string, requestId: string, log: Logger) => {
    applySecurityHeaders(res.headers, { https });
    res.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observeRequest(method, route, res.status, seconds);
    if (res.status >= 500) log.error("request failed", { status: res.status, ms: Math.round(seconds * 1000) });
    else log.info("request", { status: res.status, ms: +(seconds * 1000).toFixed(2) });
    return res;
  };

  const toResponse = (out: unknown, cookies: string[]): Response => {
    let res: Response;
    if (out instanceof Response) res = out;
    else if (out instanceof Reply) {
      res =
        out.body === null || out.body === undefined
          ? new Response(null, { status: out.status, headers: out.headers })
          : Response.json(out.body, { status: out.status, headers: out.headers });
    } else if (out === undefined || out === null) res = new Response(null, { status: 204 });
    else res = Response.json(out);
    for (const c of cookies) res.headers.append("set-cookie", c);
    return res;
  };

  const wrap =
    (method: string, path: string, auth: RouteInfo["auth"], handler: Handler, schema?: RouteSchema) =>
    async ({
      request,
      params,
      server,
    }: {
      request: Request;
      params: Record<string, string>;
      server: { requestIP(r: Request): { address: string } | null } | null;
    }) => {
      const started = performance.now();
      const requestId = request.headers.get("x-request-id")?.match(/^[\w.-]{1,64}$/)?.[0] ?? nextRequestId();
      const url = new URL(request.url);
      const log = deps.log.child({ requestId, method, path: url.pathname });
      const cookies: string[] = [];
      try {
        const found = authenticateRequest(request, deps.sessions);
        // A "bearer" route reads a bearer credential of its own (the metrics token) from the header.
        if (found === "invalid-token" && auth !== "bearer") throw new AppError("unauthenticated", "Invalid API token");
        const who = found === "invalid-token" ? { auth: null, cookieToken: null } : found;
        const a = who.auth;
        if (UNSAFE.has(method) && !a?.tokenId) {
          // Bearer-token calls carry no ambient credentials, so only cookie or anonymous requests need the check.
          const origin = request.headers.get("origin");
          const fetchSite = request.headers.get("sec-fetch-site");
          if (origin !== null ? origin !== expectedOrigin(request, url, deps.baseUrl) : fetchSite === "cross-site") {
            throw new AppError("forbidden", "Cross-origin request refused");
          }
        }
        if (a?.refreshedExpiresAt && who.cookieToken)
          cookies.push(sessionCookie(who.cookieToken, a.refreshedExpiresAt, https));
        const query: Record<string, string | undefined> = {};
        for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
        const ctx: Ctx = {
          request,
          url,
          params: decodeParams(params),
          query,
          requestId,
          ip: clientAddress(
            server?.requestIP(request)?.address ?? "unknown",
            request.headers.get("x-forwarded-for"),
            deps.trustedProxies ?? IpRanges.NONE,
          ),
          log,
          auth: a,
          user() {
            if (!a) throw new AppError("unauthenticated", "Sign in first");
            return a.user;
          },
          admin() {
            const u = this.user();
            if (u.role !== "admin") throw new AppError("forbidden", "Only admins can do that");
            return u;
          },
          json: async () => {
            const body = await readJsonBody(request);
            if (schema?.body) checkRequestPart("body", schema.body, body);
            return body;
          },
          text: (max = MAX_BODY_BYTES) => readBodyText(request, max),
          setCookie: (c) => cookies.push(c),
          cookies,
        };
        if (auth === "user") ctx.user();
        if (auth === "admin") ctx.admin();
        if (schema?.params) checkRequestPart("params", schema.params, ctx.params);
        if (schema?.query) checkRequestPart("query", schema.query, ctx.query);
        const out = await handler(ctx);
        return finish(toResponse(out, cookies), started, method, path, requestId, log);
      } catch (err) {
        if (storageFailure(err))
          log.error("storage failure", {
            err: err instanceof Error ? err.message : String(err),
            code: String((err as { code?: unknown }).code),
          });
        else if (!(err instanceof AppError))
          log.error("unhandled error", { err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        const p = errorResponseParts(err, requestId);
        return finish(
          toResponse(Response.json(p.body, { status: p.status, headers: p.headers }), cookies),
          started,
          method,
          path,
          requestId,
          log,
        );
      }
    };

  const add =
    (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE") =>
    (path: string, summary: string, auth: RouteInfo["auth"], ...rest: [Handler] | [RouteSchema, Handler]) => {
      const [schema, h] = rest.length === 1 ? [undefined, rest[0]] : rest;
      routes.push({ method, path, summary, auth, ...(schema ? { schema } : {}) });
      app.route(method, path, wrap(method, path, auth, h, schema) as never, { parse: "none" } as never);
    };

  const router: Router = {
    get: add("GET"),
    post: add("POST"),
    put: add("PUT"),
    patch: add("PATCH"),
    delete: add("DELETE"),
    routes,
  };

  const notFoundHandler = wrap("ANY", "unmatched", "none", (c) => {
    throw new AppError("not_found", `No route for ${c.request.method} ${c.url.pathname}`);
  });

  app.onError(({ code, request, server }) => {
    if (code === "NOT_FOUND") return notFoundHandler({ request, params: {}, server: server as never });
    const p = errorResponseParts(new AppError("bad_request", "Malformed request"), "none");
    const res = Response.json(p.body, { status: 400 });
    applySecurityHeaders(res.headers, { https });
    return res;
  });

  return { app, router };
}

function decodeParams(params: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw new AppError("bad_request", `malformed path parameter ${k}`);
    }
  }
  return out;
}
