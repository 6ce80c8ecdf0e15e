// Sign-in, sessions, cookies, rate limits, CSRF, API tokens and settings through the real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, TEST_PASSWORD, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let alice: TestClient;

const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  fetch(srv.url + "/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password }),
  });

beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
});
afterAll(() => srv.close());

describe("login and sessions", () => {
  test("login sets an HttpOnly, SameSite=Lax session cookie and returns the user", async () => {
    const res = await login("alice", TEST_PASSWORD);
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^pymd_session=[a-z2-7]{32};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Secure");
    const body = (await res.json()) as { user: { username: string; role: string } };
    expect(body.user).toMatchObject({ username: "alice", role: "user" });
    expect(JSON.stringify(body)).not.toContain("password");
  });

  test("the token is stored only as a SHA-256 hash", async () => {
    const res = await login("alice", TEST_PASSWORD);
    const token = /pymd_session=([a-z2-7]+)/.exec(res.headers.get("set-cookie")!)![1]!;
    const rows = srv.services.db.query<{ id: string }, []>("SELECT id FROM sessions").all();
    expect(rows.some((r) => r.id === token)).toBe(false);
    const hash = new Bun.CryptoHasher("sha256").update(token).digest("hex");
    expect(rows.some((r) => r.id === hash)).toBe(true);
  });

  test("wrong password and unknown user get the same 401 message", async () => {
    const a = await login("alice", "wrong password!");
    const b = await login("nobody-here", "wrong password!");
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    const ma = ((await a.json()) as { error: { message: string } }).error.message;
    const mb = ((await b.json()) as { error: { message: string } }).error.message;
    expect(ma).toBe(mb);
  });

  test("me, logout, and the cookie stops working after logout", async () => {
    const res = await login("alice", TEST_PASSWORD);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const me = await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    const out = await fetch(srv.url + "/api/v1/auth/logout", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie } })).status).toBe(401);
  });

  test("a near-expiry session is extended (sliding expiry) and the cookie re-sent", async () => {
    const res = await login("alice", TEST_PASSWORD);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const token = cookie.split("=")[1]!;
    const id = new Bun.CryptoHasher("sha256").update(token).digest("hex");
    const soon = Date.now() + 24 * 3600 * 1000;
    srv.services.db.query("UPDATE sessions SET expires_at = ? WHERE id = ?").run(soon, id);
    const me = await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.headers.get("set-cookie")).toContain("pymd_session=");
    const after = srv.services.db
      .query<{ e: number }, [string]>("SELECT expires_at AS e FROM sessions WHERE id = ?")
      .get(id)!.e;
    expect(after).toBeGreaterThan(soon + 20 * 24 * 3600 * 1000);
    srv.services.db.query("UPDATE sessions SET expires_at = ? WHERE id = ?").run(Date.now() - 1, id);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie } })).status).toBe(401);
  });

  test("disabling a user ends their sessions at once", async () => {
    const dave = await srv.userClient("dave");
    expect((await dave.req("GET", "/api/v1/auth/me")).status).toBe(200);
    srv.services.accounts.setDisabled("dave", true);
    expect((await dave.req("GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await login("dave", TEST_PASSWORD)).status).toBe(401);
  });
});

describe("rate limits", () => {
  test("failed logins from one address back off with 429 and Retry-After, even for the right password from there", async () => {
    await srv.services.accounts.addUser("erin", TEST_PASSWORD, "user");
    let last: Response | null = null;
    for (let i = 0; i < 11; i++) last = await login("erin", "not the password", { "x-test": String(i) });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await last!.json()) as { error: { message: string } }).error.message).toContain("from your address");
    // The guessing address waits out its back-off, right password or not.
    expect((await login("erin", TEST_PASSWORD)).status).toBe(429);
    srv.services.accounts.throttle.resetAddress("127.0.0.1");
  });

  test("failed sign-ins per client address are limited across accounts", async () => {
    srv.services.accounts.throttle.resetAddress("127.0.0.1");
    let status = 0;
    for (let i = 0; i < 31; i++) status = (await login(`ghost${i}`, "whatever-pass")).status;
    expect(status).toBe(429);
    srv.services.accounts.throttle.resetAddress("127.0.0.1");
  }, 60_000);
});

describe("CSRF", () => {
  test("a state-changing request from a foreign Origin is refused", async () => {
    const res = await alice.req("POST", "/api/v1/documents", { title: "x" }, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    const sameOrigin = await alice.req("POST", "/api/v1/documents", { title: "x" }, { origin: srv.url });
    expect(sameOrigin.status).toBe(201);
    const crossSite = await alice.req("DELETE", "/api/v1/documents/aaaaaaaaaaaaaaaa", undefined, {
      "sec-fetch-site": "cross-site",
    });
    expect(crossSite.status).toBe(403);
    const loginCsrf = await login("alice", TEST_PASSWORD, { origin: "https://evil.example" });
    expect(loginCsrf.status).toBe(403);
  });
});

describe("API tokens", () => {
  test("a token works wherever the cookie does, is shown once, and can be revoked", async () => {
    const created = await alice.json("POST", "/api/v1/tokens", { name: "script" });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toStartWith("pymd_");
    const list = await alice.json("GET", "/api/v1/tokens");
    expect(JSON.stringify(list.body)).not.toContain(token);
    const auth = { authorization: `Bearer ${token}` };
    const me = await fetch(srv.url + "/api/v1/auth/me", { headers: auth });
    expect(me.status).toBe(200);
    // Bearer calls carry no ambient credentials, so a foreign Origin does not matter.
    const made = await fetch(srv.url + "/api/v1/documents", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", origin: "https://elsewhere.example" },
      body: JSON.stringify({ title: "via token" }),
    });
    expect(made.status).toBe(201);
    expect((await alice.req("DELETE", `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: auth })).status).toBe(401);
    expect((await fetch(srv.url + "/api/v1/health", { headers: { authorization: "Bearer pymd_bogus" } })).status).toBe(
      401,
    );
  });
});

describe("settings", () => {
  test("defaults, valid patch, and every invalid value refused", async () => {
    const s = await alice.json("GET", "/api/v1/users/me/settings");
    const profile = { displayName: "", avatarColour: "", language: "auto", email: "", emailNotifications: true };
    expect(s.body).toEqual({
      theme: "system",
      editorFontSize: 14,
      tabSize: 4,
      wordWrap: true,
      lineNumbers: true,
      ...profile,
    });
    const p = await alice.json("PATCH", "/api/v1/users/me/settings", { theme: "dark", tabSize: 2, wordWrap: false });
    expect(p.body).toEqual({
      theme: "dark",
      editorFontSize: 14,
      tabSize: 2,
      wordWrap: false,
      lineNumbers: true,
      ...profile,
    });
    const named = await alice.json("PATCH", "/api/v1/users/me/settings", {
      displayName: "  Alice Liddell ",
      avatarColour: "#3366CC",
      language: "zh-TW",
    });
    expect(named.body).toMatchObject({ displayName: "Alice Liddell", avatarColour: "#3366cc", language: "zh-TW" });
    const bads = [
      { displayName: "x".repeat(65) },
      { displayName: "tab\there" },
      { displayName: 5 },
      { avatarColour: "red" },
      { avatarColour: "#12345" },
      { language: "fr" },
      { language: null },
      { email: "nope" },
      { emailNotifications: "yes" },
    ];
    for (const bad of [
      { theme: "blue" },
      { editorFontSize: 3 },
      { editorFontSize: 12.5 },
      { tabSize: 0 },
      { wordWrap: "yes" },
      { colour: "red" },
      [],
      ...bads,
    ]) {
      expect((await alice.req("PATCH", "/api/v1/users/me/settings", bad)).status).toBe(400);
    }
    expect((await alice.json("GET", "/api/v1/users/me/settings")).body.theme).toBe("dark");
  });
});

describe("operations", () => {
  test("security headers on every response, request id echoed", async () => {
    for (const path of ["/api/v1/health", "/", "/api/v1/nope", "/api/docs"]) {
      const res = await fetch(srv.url + path);
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'(?! 'unsafe-inline')/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBeTruthy();
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
  });

  test("metrics in Prometheus text format with routes, statuses, histogram and gauges (for admins)", async () => {
    await fetch(srv.url + "/api/v1/health");
    const admin = await srv.userClient("metrics-admin", "admin");
    const res = await admin.req("GET", "/metrics");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('pymd_http_requests_total{method="GET",route="/api/v1/health",status="200"}');
    expect(text).toContain("pymd_http_request_duration_seconds_bucket");
    expect(text).toMatch(/pymd_users \d+/);
    expect(text).toMatch(/pymd_documents \d+/);
    expect(text).toContain("pymd_websockets_open 0");
  });

  test("metrics answer nobody else without a metrics token", async () => {
    const anon = await fetch(srv.url + "/metrics");
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { message: string } }).error.message).toContain("--metrics-token");
    expect((await alice.req("GET", "/metrics")).status).toBe(403);
    expect(
      (await fetch(srv.url + "/metrics", { headers: { authorization: "Bearer some-guess-of-a-token" } })).status,
    ).toBe(401);
  });

  test("with --metrics-token, the token as a Bearer credential reads them and a wrong one does not", async () => {
    const token = "scrape-me-if-you-can-0123456789";
    const s2 = await startTestServer({ metricsToken: token });
    try {
      const ok = await fetch(s2.url + "/metrics", { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("pymd_process_uptime_seconds");
      const wrong = await fetch(s2.url + "/metrics", { headers: { authorization: `Bearer ${token}x` } });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain("metrics token");
      expect((await fetch(s2.url + "/metrics")).status).toBe(401);
      // the metrics token is no API token: it opens nothing else
      expect((await fetch(s2.url + "/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        401,
      );
    } finally {
      await s2.close();
    }
  });

  test("the OpenAPI document lists the API and the browser page renders it", async () => {
    const spec = (await (await fetch(srv.url + "/api/v1/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths)).toContain("/api/v1/documents/{id}");
    const page = await (await fetch(srv.url + "/api/docs")).text();
    expect(page).toContain("/api/v1/documents/:id/members");
    expect(page).not.toContain("<script");
  });
});

describe("behind an https base URL", () => {
  test("the cookie is Secure and CSRF checks compare against the base URL's origin", async () => {
    const s2 = await startTestServer({ baseUrl: new URL("https://notes.example.org") });
    try {
      await s2.services.accounts.addUser("hana", TEST_PASSWORD, "user");
      const res = await fetch(s2.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://notes.example.org" },
        body: JSON.stringify({ username: "hana", password: TEST_PASSWORD }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toContain("; Secure");
      expect(res.headers.get("strict-transport-security")).toBeTruthy();
      const foreign = await fetch(s2.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", origin: s2.url },
        body: JSON.stringify({ username: "hana", password: TEST_PASSWORD }),
      });
      expect(foreign.status).toBe(403);
    } finally {
      await s2.close();
    }
  });
});
