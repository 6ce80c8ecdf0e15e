// The audit log through the real server and its SQLite file: sign-ins (and failed ones, with the
// name tried and the address), sign-out, password change and reset, tokens, shares, publishing,
// trash and restore, each with actor, address, target and outcome; the admin route's filters and
// its answers to everyone else; rows that cannot be changed; retention; and `pymd audit`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AuditLog, DAY_MS } from "../auth/audit-log.ts";
import { IpRanges } from "../auth/ip-ranges.ts";
import { silentLogger } from "../log/logger.ts";
import { AuditStore, type AuditRecord } from "../store/audit-store.ts";
import { databasePath } from "../store/database.ts";
import { startTestServer, TEST_PASSWORD, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let admin: TestClient;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  // requests come from 127.0.0.1, trusted here, so X-Forwarded-For names the address recorded
  srv = await startTestServer({ trustedProxy: IpRanges.parse("127.0.0.1/32") });
  admin = await srv.userClient("root", "admin");
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
});
afterAll(() => srv.close());

const from = (ip: string) => ({ "x-forwarded-for": ip, "content-type": "application/json" });
async function audit(query = ""): Promise<AuditRecord[]> {
  const r = await admin.json("GET", `/api/v1/admin/audit${query}`);
  expect(r.status).toBe(200);
  return r.body.records as AuditRecord[];
}
const latest = async (action: string) => (await audit(`?action=${action}&limit=1`))[0]!;

describe("audit log", () => {
  test("sign-in, a failed one with the name tried, and sign-out, with method and address", async () => {
    const bad = await fetch(srv.url + "/api/v1/auth/login", {
      method: "POST",
      headers: from("198.51.100.7"),
      body: JSON.stringify({ username: "alice", password: "wrong wrong" }),
    });
    expect(bad.status).toBe(401);
    const failed = (await audit("?action=auth.login&outcome=failed"))[0]!;
    expect(failed).toMatchObject({
      action: "auth.login",
      outcome: "failed",
      address: "198.51.100.7",
      actor: { id: null, username: "alice" },
      detail: { method: "password" },
    });

    const ok = await fetch(srv.url + "/api/v1/auth/login", {
      method: "POST",
      headers: from("198.51.100.8"),
      body: JSON.stringify({ username: "alice", password: TEST_PASSWORD }),
    });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get("set-cookie")!.split(";")[0]!;
    expect(await latest("auth.login")).toMatchObject({
      outcome: "ok",
      address: "198.51.100.8",
      actor: { id: alice.userId, username: "alice" },
      detail: { method: "password" },
    });

    expect(
      (await fetch(srv.url + "/api/v1/auth/logout", { method: "POST", headers: { ...from("198.51.100.9"), cookie } }))
        .status,
    ).toBe(204);
    expect(await latest("auth.logout")).toMatchObject({
      outcome: "ok",
      address: "198.51.100.9",
      actor: { username: "alice" },
    });
  });

  test("password change (a wrong current password is a failure) and an admin's reset name their target", async () => {
    const carol = await srv.userClient("carol");
    const wrong = await carol.json("POST", "/api/v1/auth/password", {
      currentPassword: "not it at all",
      newPassword: "a brand new passphrase",
    });
    expect(wrong.status).toBe(400);
    expect(await latest("auth.password.change")).toMatchObject({
      outcome: "failed",
      target: "carol",
      actor: { username: "carol" },
      detail: { error: "validation_failed" },
    });
    const right = await carol.json("POST", "/api/v1/auth/password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "a brand new passphrase",
    });
    expect(right.status).toBe(200);
    expect(await latest("auth.password.change")).toMatchObject({ outcome: "ok", target: "carol" });

    expect(
      (await admin.json("PUT", "/api/v1/users/carol/password", { password: "the admin's choice here" })).status,
    ).toBe(200);
    expect(await latest("auth.password.reset")).toMatchObject({
      outcome: "ok",
      target: "carol",
      actor: { username: "root" },
    });
  });

  test("tokens, shares, publishing, trash and restore", async () => {
    const t = await alice.json("POST", "/api/v1/tokens", { name: "backup script" });
    expect(t.status).toBe(201);
    expect(await latest("token.create")).toMatchObject({
      actor: { username: "alice" },
      detail: { token: t.body.id, name: "backup script" },
    });
    expect((await alice.req("DELETE", `/api/v1/tokens/${t.body.id}`)).status).toBe(204);
    expect(await latest("token.revoke")).toMatchObject({ actor: { username: "alice" }, detail: { token: t.body.id } });

    const id = (await alice.json("POST", "/api/v1/documents", { title: "Shared", content: "# hi\n" })).body
      .id as string;
    expect(
      (await alice.json("PUT", `/api/v1/documents/${id}/members`, { members: [{ username: "bob", role: "viewer" }] }))
        .status,
    ).toBe(200);
    expect(await latest("document.share")).toMatchObject({
      outcome: "ok",
      target: id,
      actor: { username: "alice" },
      detail: { members: ["bob:viewer"] },
    });
    // bob may read it but not share it: the attempt is recorded as denied
    const denied = await bob.json("PUT", `/api/v1/documents/${id}/members`, { members: [] });
    expect(denied.status).toBe(403);
    expect(await latest("document.share")).toMatchObject({
      outcome: "denied",
      target: id,
      actor: { username: "bob" },
      detail: { error: "forbidden" },
    });

    expect((await alice.json("PATCH", `/api/v1/documents/${id}`, { isPublic: true })).status).toBe(200);
    expect(await latest("document.publish")).toMatchObject({ outcome: "ok", target: id });
    expect((await alice.json("PATCH", `/api/v1/documents/${id}`, { isPublic: false })).status).toBe(200);
    expect(await latest("document.unpublish")).toMatchObject({ outcome: "ok", target: id });
    // a title change is not a security event
    const before = (await audit()).length;
    expect((await alice.json("PATCH", `/api/v1/documents/${id}`, { title: "Renamed" })).status).toBe(200);
    expect((await audit()).length).toBe(before);

    expect((await alice.req("DELETE", `/api/v1/documents/${id}`)).status).toBe(204);
    expect(await latest("document.delete")).toMatchObject({ outcome: "ok", target: id, actor: { username: "alice" } });
    expect((await alice.json("POST", `/api/v1/documents/${id}/restore`)).status).toBe(200);
    expect(await latest("document.restore")).toMatchObject({ outcome: "ok", target: id });
  });

  test("the admin route filters by user, action prefix, outcome and time, pages, and refuses everyone else", async () => {
    const all = await audit("?limit=1000");
    expect(all.length).toBeGreaterThan(10);
    // newest first
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((a, b) => b - a));
    const bobs = await audit("?user=bob");
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((r) => r.actor?.username === "bob" || r.target === "bob")).toBe(true);
    const auth = await audit("?action=auth.");
    expect(new Set(auth.map((r) => r.action))).toEqual(
      new Set(["auth.login", "auth.logout", "auth.password.change", "auth.password.reset"]),
    );
    expect((await audit("?outcome=denied")).every((r) => r.outcome === "denied")).toBe(true);
    expect(await audit(`?since=${Date.now() + 60_000}`)).toEqual([]);
    expect((await audit(`?until=2000-01-01`)).length).toBe(0);
    // pages: `next` is the id to pass as before=
    const page = await admin.json("GET", "/api/v1/admin/audit?limit=3");
    expect(page.body.records).toHaveLength(3);
    const rest = await admin.json("GET", `/api/v1/admin/audit?limit=3&before=${page.body.next}`);
    expect(rest.body.records[0].id).toBeLessThan(page.body.records[2].id);
    expect(page.body.retentionDays).toBe(365);

    for (const q of [
      "?since=yesterday",
      "?outcome=maybe",
      "?limit=0",
      "?limit=5000",
      "?action=DROP TABLE",
      "?before=x",
    ]) {
      const r = await admin.json("GET", `/api/v1/admin/audit${q}`);
      expect(r.status).toBe(400);
      expect(typeof r.body.error.message).toBe("string");
    }
    expect((await alice.json("GET", "/api/v1/admin/audit")).status).toBe(403);
    expect((await srv.anonymous().json("GET", "/api/v1/admin/audit")).status).toBe(401);
  });

  test("rows cannot be changed in the database file, and retention drops only the old ones", () => {
    const db = new Database(databasePath(srv.dataDir));
    try {
      expect(() => db.query("UPDATE audit_log SET outcome = 'ok' WHERE outcome = 'failed'").run()).toThrow(
        "append-only",
      );
      const store = new AuditStore(db, () => Date.now() - 400 * DAY_MS);
      store.insert({ action: "auth.login", actorName: "ancient", outcome: "ok" });
      const log = new AuditLog(new AuditStore(db), silentLogger, 365);
      const count = () => (db.query("SELECT COUNT(*) AS n FROM audit_log").get() as { n: number }).n;
      const n = count();
      expect(log.purge()).toBe(1);
      expect(count()).toBe(n - 1);
      expect(new AuditLog(new AuditStore(db), silentLogger, 0).purge(Date.now() + 1000 * DAY_MS)).toBe(0);
    } finally {
      db.close();
    }
  });

  test("pymd audit prints and filters the same records; account changes on the command line are recorded", () => {
    const main = join(import.meta.dir, "..", "main.ts");
    const pymd = (...args: string[]) => {
      const r = Bun.spawnSync([process.execPath, main, ...args, "--data-dir", srv.dataDir], {
        env: { PATH: process.env.PATH ?? "/usr/bin", HOME: srv.dataDir },
      });
      return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
    };
    expect(pymd("user", "role", "bob", "viewer").code).toBe(0);
    const json = pymd("audit", "--action", "user.", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)[0]).toMatchObject({
      action: "user.role",
      target: "bob",
      actor: { id: null, username: "(command line)" },
      detail: { role: "viewer" },
    });
    const text = pymd("audit", "--user", "alice", "--since", "1h", "--limit", "5");
    expect(text.code).toBe(0);
    expect(text.out.split("\n")[0]).toContain("ACTION");
    expect(text.out).toContain("document.restore");
    expect(text.out.trim().split("\n").length).toBe(6);
    const bad = pymd("audit", "--outcome", "maybe");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--outcome must be one of ok, failed, denied");
  });
});
