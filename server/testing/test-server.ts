// Starts a real pymd server on a temporary data directory for integration tests, with helpers
// to create users and make signed-in requests.
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../config/config.ts";
import { silentLogger } from "../log/logger.ts";
import { startServer, type RunningServer } from "../app.ts";
import type { Role } from "../store/users-store.ts";
import type { RouteInfo, RouteSchema } from "../http/router.ts";
import { findRoute, firstMismatch, isOtherContent, routeResponses } from "../http/route-schema.ts";

/** How many responses the test clients checked against their route's schema, in this process. */
export const schemaChecks = { checked: 0 };
/** With PYMD_SCHEMA_CHECKS_LOG=<file>, each checked response's route and status is appended to that file. */
const checksLog = process.env.PYMD_SCHEMA_CHECKS_LOG;

/**
 * Checks a response body against the schema its route declares for its status; throws naming
 * the route, the status and the first mismatch. Routes without a schema are not checked.
 */
export function checkResponse(
  routes: RouteInfo[],
  method: string,
  path: string,
  status: number,
  contentType: string,
  body: unknown,
): void {
  const pathname = new URL(path, "http://x").pathname;
  const route = findRoute(routes, method, pathname);
  if (!route?.schema) return;
  const where = `${route.method} ${route.path} → ${status}`;
  const spec = routeResponses(route as RouteInfo & { schema: RouteSchema });
  const declared = spec.get(String(status)) ?? (status >= 500 ? spec.get("5XX") : undefined);
  if (!declared) throw new Error(`${where}: the route declares no response for this status`);
  const s = declared.schema;
  schemaChecks.checked++;
  if (checksLog) appendFileSync(checksLog, `${where}\n`);
  if (s === null) {
    if (body !== null) throw new Error(`${where}: a body was sent where the route declares none`);
    return;
  }
  if (isOtherContent(s)) {
    const type = contentType.split(";")[0]!.trim();
    if (!(type in s.content)) throw new Error(`${where}: content type ${type} is not one the route declares`);
    return;
  }
  if (!contentType.startsWith("application/json")) throw new Error(`${where}: expected JSON, got ${contentType}`);
  const mismatch = firstMismatch(s, body);
  if (mismatch) throw new Error(`${where}: the body does not match its schema at ${mismatch}`);
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Creates a user and returns a client signed in as them. */
  userClient(name: string, role?: Role): Promise<TestClient>;
  anonymous(): TestClient;
  close(): Promise<void>;
}

export interface TestClient {
  name: string;
  userId: string | null;
  cookie: string | null;
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the few fields it checks of each answer
  json<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export const TEST_PASSWORD = "correct horse battery";

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "pymd-test-"));
  const config = { ...loadConfig({}, {}), port: 0, host: "127.0.0.1", dataDir, ...overrides };
  const server = await startServer(config, silentLogger);
  const base = server.url;

  // Reads a copy of each answer and checks it against its route's schema before the test sees it.
  const checked = async (method: string, path: string, res: Response): Promise<Response> => {
    const type = res.headers.get("content-type") ?? "";
    const text = type.startsWith("application/json") || res.status === 204 ? await res.clone().text() : null;
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path} → ${res.status}: the body is not valid JSON`);
      }
    }
    checkResponse(
      server.routes,
      method,
      path,
      res.status,
      type,
      // a redirect without a body (the single sign-on routes) counts as none, like a 204
      text === null && res.status !== 204 && !(res.status >= 300 && res.status < 400 && type === "") ? undefined : body,
    );
    return res;
  };

  const client = (name: string, userId: string | null, cookie: string | null): TestClient => {
    const req = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const h: Record<string, string> = { ...headers };
      if (cookie) h.cookie = cookie;
      let payload: BodyInit | undefined;
      if (body !== undefined) {
        if (
          typeof body === "string" ||
          body instanceof FormData ||
          body instanceof Uint8Array ||
          body instanceof Blob ||
          body instanceof ReadableStream
        )
          payload = body as BodyInit;
        else {
          payload = JSON.stringify(body);
          h["content-type"] ??= "application/json";
        }
      }
      return fetch(base + path, { method, headers: h, body: payload, redirect: "manual" }).then((res) =>
        checked(method, path, res),
      );
    };
    return {
      name,
      userId,
      cookie,
      req,
      async json(method, path, body) {
        const res = await req(method, path, body);
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null };
      },
    };
  };

  return {
    ...server,
    dataDir,
    anonymous: () => client("anonymous", null, null),
    async userClient(name, role = "user") {
      const u = await server.services.accounts.addUser(name, TEST_PASSWORD, role);
      const res = await fetch(base + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: name, password: TEST_PASSWORD }),
      });
      if (res.status !== 200) throw new Error(`login of ${name} failed: ${res.status}`);
      const setCookie = res.headers.get("set-cookie") ?? "";
      const cookie = setCookie.split(";")[0]!;
      return client(name, u.id, cookie);
    },
    async close() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
