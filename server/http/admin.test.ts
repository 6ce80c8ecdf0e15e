// The admin page's API through the real server: accounts with their usage; a new account's
// one-time set-password link (it works once, a weak password does not use it up, it signs the
// person in); role, disable and enable (the last admin stays); a reset link that ends the old
// sessions; delete with transfer; the server's status; refusals for everyone else; audit records.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, TEST_PASSWORD, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let admin: TestClient;
let user: TestClient;
beforeAll(async () => {
  srv = await startTestServer();
  admin = await srv.userClient("boss", "admin");
  user = await srv.userClient("worker");
});
afterAll(() => srv.close());

const secretOf = (link: string) => new URL(link).hash.slice(1);
const anon = (method: string, path: string, body?: unknown) =>
  fetch(srv.url + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
const login = (username: string, password: string) => anon("POST", "/api/v1/auth/login", { username, password });
const lastAudit = (action: string) => srv.services.auditStore.list({ action, limit: 1 })[0]!;

describe("admin API", () => {
  test("a new account gets a one-time link: a weak password does not use it up, a good one signs in once", async () => {
    const made = await admin.json("POST", "/api/v1/admin/users", { username: "newbie", role: "user" });
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({ username: "newbie", role: "user" });
    expect(made.body.link).toStartWith(srv.url + "/set-password#");
    expect(Date.parse(made.body.linkExpiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
    expect(lastAudit("user.add")).toMatchObject({ actor: { username: "boss" }, target: "newbie", outcome: "ok" });
    // no password yet: nothing signs in
    expect((await login("newbie", "")).status).toBe(401);

    const token = secretOf(made.body.link);
    expect(await (await anon("GET", `/api/v1/auth/password-link?token=${token}`)).json()).toEqual({
      username: "newbie",
    });
    const weak = await anon("POST", "/api/v1/auth/password-link", { token, password: "short" });
    expect(weak.status).toBe(400);
    const set = await anon("POST", "/api/v1/auth/password-link", { token, password: "newbie's own password" });
    expect(set.status).toBe(200);
    const cookie = set.headers.get("set-cookie")!.split(";")[0]!;
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie } })).status).toBe(200);
    expect(lastAudit("auth.password.set")).toMatchObject({ actor: { username: "newbie" }, detail: { method: "link" } });
    // used once
    const again = await anon("POST", "/api/v1/auth/password-link", { token, password: "another password here" });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe(
      "This link is unknown, used or expired; ask an administrator for a new one",
    );
    expect((await anon("GET", `/api/v1/auth/password-link?token=${token}`)).status).toBe(404);
    expect((await login("newbie", "newbie's own password")).status).toBe(200);
  });

  test("an account for single sign-on gets no link; bad names and roles are refused", async () => {
    const sso = await admin.json("POST", "/api/v1/admin/users", { username: "ssoperson", sso: true });
    expect(sso).toMatchObject({ status: 201, body: { link: null } });
    for (const body of [
      { username: "has space" },
      { username: "x", role: "king" },
      { username: "worker" },
      [],
      "text",
    ]) {
      const r = await admin.json("POST", "/api/v1/admin/users", body);
      expect([400, 409, 415]).toContain(r.status);
      expect(typeof r.body.error.message).toBe("string");
    }
  });

  test("role, disable and enable; the last admin stays; a reset link ends the old sessions", async () => {
    expect((await admin.json("PATCH", "/api/v1/admin/users/worker", { role: "viewer" })).body.user.role).toBe("viewer");
    expect((await admin.json("PATCH", "/api/v1/admin/users/worker", { disabled: true })).body.user.disabled).toBe(true);
    expect((await user.json("GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await login("worker", TEST_PASSWORD)).status).toBe(401);
    expect(
      (await admin.json("PATCH", "/api/v1/admin/users/worker", { disabled: false, role: "user" })).body.user,
    ).toMatchObject({
      disabled: false,
      role: "user",
    });
    expect(
      srv.services.auditStore.list({ user: "worker", action: "user.", outcome: "ok" }).map((r) => r.action),
    ).toEqual(["user.enable", "user.role", "user.disable", "user.role"]);
    // the earlier attempt to create a second "worker" is there too, as a failure
    expect(srv.services.auditStore.list({ user: "worker", action: "user.add" })[0]).toMatchObject({
      outcome: "failed",
      detail: { error: "conflict" },
    });
    const last = await admin.json("PATCH", "/api/v1/admin/users/boss", { role: "user" });
    expect(last.status).toBe(409);
    expect(lastAudit("user.role")).toMatchObject({ target: "boss", outcome: "failed", detail: { error: "conflict" } });
    expect((await admin.json("PATCH", "/api/v1/admin/users/worker", {})).status).toBe(400);
    expect((await admin.json("PATCH", "/api/v1/admin/users/nobody", { role: "user" })).status).toBe(404);

    const signedIn = (await login("worker", TEST_PASSWORD)).headers.get("set-cookie")!.split(";")[0]!;
    const reset = await admin.json("POST", "/api/v1/admin/users/worker/password-link");
    expect(reset.status).toBe(200);
    expect(lastAudit("auth.password.link")).toMatchObject({ target: "worker" });
    expect(
      (
        await anon("POST", "/api/v1/auth/password-link", {
          token: secretOf(reset.body.link),
          password: "worker's new password",
        })
      ).status,
    ).toBe(200);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie: signedIn } })).status).toBe(401);
    expect((await login("worker", "worker's new password")).status).toBe(200);
  });

  test("usage per user, delete with transfer, and the server's status", async () => {
    const owner = await srv.userClient("leaver");
    for (const t of ["one", "two"])
      expect((await owner.json("POST", "/api/v1/documents", { title: t, content: "# hi\n" })).status).toBe(201);
    const list = await admin.json("GET", "/api/v1/admin/users");
    const leaver = list.body.users.find((u: { username: string }) => u.username === "leaver");
    expect(leaver).toMatchObject({
      hasPassword: true,
      usage: { documents: 2, storageBytes: 0, executionsToday: 0, kernels: 0, terminals: 0 },
    });
    expect(list.body.users.find((u: { username: string }) => u.username === "ssoperson").hasPassword).toBe(false);

    expect((await admin.json("DELETE", "/api/v1/admin/users/leaver")).status).toBe(409);
    const del = await admin.json("DELETE", "/api/v1/admin/users/leaver?transferTo=worker");
    expect(del).toMatchObject({ status: 200, body: { transferred: 2 } });
    expect(lastAudit("user.delete")).toMatchObject({
      target: "leaver",
      outcome: "ok",
      detail: { transferTo: "worker", transferred: 2 },
    });
    expect((await admin.json("DELETE", "/api/v1/admin/users/boss")).status).toBe(400);

    const status = await admin.json("GET", "/api/v1/admin/status");
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      version: expect.any(String),
      users: expect.any(Number),
      openDocuments: 0,
      kernels: 0,
      terminals: 0,
    });
    expect(status.body.database.bytes).toBeGreaterThan(0);
    expect(status.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(["nsjail", "bwrap", "unavailable", "none"]).toContain(status.body.sandbox.backend);
    expect(status.body.sandbox.limits.maxOutputBytesPerBlock).toBe(1024 * 1024);
  });

  test("only admins", async () => {
    const someone = await srv.userClient("someone");
    for (const [method, path] of [
      ["GET", "/api/v1/admin/users"],
      ["POST", "/api/v1/admin/users"],
      ["PATCH", "/api/v1/admin/users/worker"],
      ["POST", "/api/v1/admin/users/worker/password-link"],
      ["DELETE", "/api/v1/admin/users/worker"],
      ["GET", "/api/v1/admin/status"],
    ] as const) {
      expect((await someone.json(method, path, method === "GET" || method === "DELETE" ? undefined : {})).status).toBe(
        403,
      );
      expect((await anon(method, path)).status).toBe(401);
    }
  });
});
