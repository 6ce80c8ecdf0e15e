// Starts a real pymd server on a temporary data directory for integration tests, with helpers
// to create users and make signed-in requests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../config/config.ts";
import { silentLogger } from "../log/logger.ts";
import { startServer, type RunningServer } from "../app.ts";
import type { Role } from "../store/users-store.ts";

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
      return fetch(base + path, { method, headers: h, body: payload, redirect: "manual" });
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
