// Accounts under attack, through the real server: a password change or reset revokes tokens and
// sessions and closes their sockets; sign-in throttling slows a stranger, not the owner; and
// X-Forwarded-For names the client only when a trusted proxy sent it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { IpRanges } from "../auth/ip-ranges.ts";
import { databasePath } from "../store/database.ts";
import { startTestServer, TEST_PASSWORD, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;

beforeAll(async () => {
  // The tests reach the server from 127.0.0.1, a trusted proxy here, so X-Forwarded-For picks the address.
  srv = await startTestServer({ trustedProxy: IpRanges.parse("127.0.0.1/32") });
});
afterAll(() => srv.close());

const login = (username: string, password: string, from?: string) =>
  fetch(srv.url + "/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", ...(from ? { "x-forwarded-for": from } : {}) },
    body: JSON.stringify({ username, password }),
  });

const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const wsUrl = () => srv.url.replace("http", "ws") + "/api/v1/ws";

async function signedIn(username: string, from = "192.0.2.1") {
  const res = await login(username, TEST_PASSWORD, from);
  expect(res.status).toBe(200);
  return cookieOf(res);
}

async function tokenFor(cookie: string, name = "script"): Promise<string> {
  const res = await fetch(srv.url + "/api/v1/tokens", {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe("a password change revokes what the old password made", () => {
  test("own change: API tokens answer 401 and cannot mint tokens, other sessions end, their sockets close; this session stays", async () => {
    await srv.services.accounts.addUser("pat", TEST_PASSWORD, "user");
    const here = await signedIn("pat");
    const elsewhere = await signedIn("pat", "198.51.100.9");
    const token = await tokenFor(elsewhere);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: bearer(token) })).status).toBe(200);
    const tokenSocket = await Peer.open(wsUrl(), bearer(token));
    const cookieSocket = await Peer.open(wsUrl(), { cookie: elsewhere });
    const ownSocket = await Peer.open(wsUrl(), { cookie: here });
    await tokenSocket.next("hello");

    const res = await fetch(srv.url + "/api/v1/auth/password", {
      method: "POST",
      headers: { cookie: here, "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: "a brand new secret" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sessionsEnded: number; tokensRevoked: number; message: string };
    expect(body).toMatchObject({ sessionsEnded: 1, tokensRevoked: 1 });
    expect(body.message).toContain("API token(s) revoked");

    const me = await fetch(srv.url + "/api/v1/auth/me", { headers: bearer(token) });
    expect(me.status).toBe(401);
    const mint = await fetch(srv.url + "/api/v1/tokens", {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ name: "again" }),
    });
    expect(mint.status).toBe(401);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie: elsewhere } })).status).toBe(401);
    expect((await tokenSocket.waitClosed())?.code).toBe(4401);
    expect((await cookieSocket.waitClosed())?.code).toBe(4401);
    // the session that changed the password keeps working, socket and all
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie: here } })).status).toBe(200);
    expect(ownSocket.closed).toBeNull();
    ownSocket.ws.close();
    expect((await login("pat", TEST_PASSWORD, "192.0.2.1")).status).toBe(401);
    expect((await login("pat", "a brand new secret", "192.0.2.1")).status).toBe(200);
  }, 30_000);

  test("a wrong current password changes nothing and is throttled like a sign-in", async () => {
    await srv.services.accounts.addUser("quinn", TEST_PASSWORD, "user");
    const cookie = await signedIn("quinn", "192.0.2.20");
    const token = await tokenFor(cookie);
    const change = (current: string) =>
      fetch(srv.url + "/api/v1/auth/password", {
        method: "POST",
        headers: { cookie, "content-type": "application/json", "x-forwarded-for": "192.0.2.20" },
        body: JSON.stringify({ currentPassword: current, newPassword: "whatever it would be" }),
      });
    const wrong = await change("not my password");
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      "the current password is wrong",
    );
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: bearer(token) })).status).toBe(200);
    let last = 0;
    for (let i = 0; i < 8; i++) last = (await change("still not it")).status;
    expect(last).toBe(429);
  }, 30_000);

  test("an admin's reset ends every session and token of the user", async () => {
    await srv.services.accounts.addUser("root2", TEST_PASSWORD, "admin");
    await srv.services.accounts.addUser("rae", TEST_PASSWORD, "user");
    const admin = await signedIn("root2", "192.0.2.30");
    const rae = await signedIn("rae", "192.0.2.31");
    const token = await tokenFor(rae);
    const socket = await Peer.open(wsUrl(), bearer(token));
    const res = await fetch(srv.url + "/api/v1/users/rae/password", {
      method: "PUT",
      headers: { cookie: admin, "content-type": "application/json" },
      body: JSON.stringify({ password: "reset by the admin" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sessionsEnded: 1, tokensRevoked: 1 });
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie: rae } })).status).toBe(401);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: bearer(token) })).status).toBe(401);
    expect((await socket.waitClosed())?.code).toBe(4401);
    expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie: admin } })).status).toBe(200);
    const weak = await fetch(srv.url + "/api/v1/users/rae/password", {
      method: "PUT",
      headers: { cookie: admin, "content-type": "application/json" },
      body: JSON.stringify({ password: "short" }),
    });
    expect(weak.status).toBe(400);
  });

  test("revocation by another process (the pymd user CLI) closes the socket too", async () => {
    await srv.services.accounts.addUser("sol", TEST_PASSWORD, "user");
    const token = await tokenFor(await signedIn("sol", "192.0.2.40"));
    const socket = await Peer.open(wsUrl(), bearer(token));
    await socket.next("hello");
    // What `pymd user passwd` does, through its own connection to the database file.
    const other = new Database(databasePath(srv.dataDir));
    try {
      other.query("DELETE FROM api_tokens WHERE user_id = ?").run(srv.services.users.byUsername("sol")!.id);
    } finally {
      other.close();
    }
    expect((await socket.waitClosed(10_000))?.code).toBe(4401);
  }, 20_000);
});

describe("revoking one credential closes what it opened", () => {
  test("a revoked API token's socket and a signed-out session's socket close; others stay", async () => {
    await srv.services.accounts.addUser("yara", TEST_PASSWORD, "user");
    const cookie = await signedIn("yara", "192.0.2.50");
    const other = await signedIn("yara", "192.0.2.51");
    const token = await tokenFor(cookie);
    const tokenId = srv.services.sessionsStore.tokensForUser(srv.services.users.byUsername("yara")!.id)[0]!.id;
    const byToken = await Peer.open(wsUrl(), bearer(token));
    const byCookie = await Peer.open(wsUrl(), { cookie });
    const byOther = await Peer.open(wsUrl(), { cookie: other });
    await byOther.next("hello");
    expect((await fetch(srv.url + `/api/v1/tokens/${tokenId}`, { method: "DELETE", headers: { cookie } })).status).toBe(
      204,
    );
    expect((await byToken.waitClosed())?.code).toBe(4401);
    expect((await fetch(srv.url + "/api/v1/auth/logout", { method: "POST", headers: { cookie } })).status).toBe(204);
    expect((await byCookie.waitClosed())?.code).toBe(4401);
    expect(byOther.closed).toBeNull();
    byOther.ws.close();
  }, 30_000);
});

describe("sign-in throttling slows the attacker, not the owner", () => {
  test("a stranger's many failures do not lock the owner out of their own address", async () => {
    await srv.services.accounts.addUser("tess", TEST_PASSWORD, "user");
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await login("tess", `guess number ${i}`, "203.0.113.66")).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses).toContain(429);
    // The stranger is still backing off, even with the right password…
    const stranger = await login("tess", TEST_PASSWORD, "203.0.113.66");
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get("retry-after"))).toBeGreaterThan(0);
    // …while the owner, from an address that has not been failing, signs in.
    expect((await login("tess", TEST_PASSWORD, "198.51.100.77")).status).toBe(200);
  }, 30_000);

  test("an address spraying many accounts is limited; others are not", async () => {
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await login(`nobody${i}`, "some password", "203.0.113.99")).status;
    expect(last).toBe(429);
    await srv.services.accounts.addUser("uma", TEST_PASSWORD, "user");
    expect((await login("uma", TEST_PASSWORD, "203.0.113.99")).status).toBe(429);
    expect((await login("uma", TEST_PASSWORD, "203.0.113.100")).status).toBe(200);
  }, 60_000);

  test("guesses at one account from many addresses: a browser that signed in before gets in, an unknown one waits", async () => {
    await srv.services.accounts.addUser("yasmin", TEST_PASSWORD, "user");
    await srv.services.accounts.addUser("zoltan", TEST_PASSWORD, "user");
    const deviceOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith("pymd_device="));
    const signIn = (username: string, password: string, address: string, cookie?: string) =>
      fetch(srv.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": address, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ username, password }),
      });
    // The owner signed in from this browser last week: it holds a device cookie, for sign-in only.
    const first = await signIn("yasmin", TEST_PASSWORD, "192.0.2.200");
    expect(first.status).toBe(200);
    const device = deviceOf(first)!;
    expect(device).toMatch(/^pymd_device=[a-z0-9]{32}; Path=\/api\/v1\/auth; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const yaraDevice = device.split(";")[0]!;
    // signing in again from it gives no new one
    expect(deviceOf(await signIn("yasmin", TEST_PASSWORD, "192.0.2.200", yaraDevice))).toBeUndefined();
    const zekeDevice = deviceOf(await signIn("zoltan", TEST_PASSWORD, "192.0.2.201"))!.split(";")[0]!;
    // A botnet: two guesses from each of 15 addresses, each within its own free failures.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await signIn("yasmin", `guess ${i}`, `100.64.7.${Math.floor(i / 2)}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toContain(429);
    // From a browser the account does not know, even the right password waits, and is told why.
    const unknown = await signIn("yasmin", TEST_PASSWORD, "198.51.100.200");
    expect(unknown.status).toBe(429);
    expect(Number(unknown.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      "browser you have signed in with before",
    );
    // Another account's device cookie, or a made-up one, is no better.
    expect((await signIn("yasmin", TEST_PASSWORD, "198.51.100.201", zekeDevice)).status).toBe(429);
    expect((await signIn("yasmin", TEST_PASSWORD, "198.51.100.202", "pymd_device=" + "x".repeat(500))).status).toBe(
      429,
    );
    // The owner's own browser signs in, from any address.
    const owner = await signIn("yasmin", TEST_PASSWORD, "198.51.100.203", yaraDevice);
    expect(owner.status).toBe(200);
    // Other accounts are not affected.
    expect((await signIn("zoltan", TEST_PASSWORD, "198.51.100.204")).status).toBe(200);
    // The known browsers are stored as hashes only.
    const db = new Database(databasePath(srv.dataDir), { readonly: true });
    try {
      const ids = db
        .query<{ id: string }, []>("SELECT id FROM known_devices")
        .all()
        .map((r) => r.id);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect(ids).not.toContain(yaraDevice.split("=")[1]);
      expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);

  test("IPv6 addresses of one /64 share a limit", async () => {
    await srv.services.accounts.addUser("vic", TEST_PASSWORD, "user");
    for (let i = 0; i < 31; i++) await login(`ghost6-${i}`, "some password", `2001:db8:aa:bb::${(i + 1).toString(16)}`);
    expect((await login("vic", TEST_PASSWORD, "2001:db8:aa:bb::ffff")).status).toBe(429);
    expect((await login("vic", TEST_PASSWORD, "2001:db8:aa:cc::1")).status).toBe(200);
  }, 60_000);
});

describe("X-Forwarded-For", () => {
  test("from a trusted proxy, the rightmost untrusted hop is the client; what the client wrote to its left is ignored", async () => {
    await srv.services.accounts.addUser("wes", TEST_PASSWORD, "user");
    // The attacker's real address (appended by the proxy) is 203.0.113.5; it wrote fresh fake ones before it.
    for (let i = 0; i < 12; i++) await login("wes", "wrong guess", `10.9.9.${i}, 203.0.113.5`);
    expect((await login("wes", TEST_PASSWORD, "10.1.1.1, 203.0.113.5")).status).toBe(429);
    expect((await login("wes", TEST_PASSWORD, "203.0.113.6")).status).toBe(200);
  }, 30_000);

  test("from a peer that is not a trusted proxy, X-Forwarded-For is not believed", async () => {
    const plain = await startTestServer();
    try {
      await plain.services.accounts.addUser("xena", TEST_PASSWORD, "user");
      const at = (password: string, xff: string) =>
        fetch(plain.url + "/api/v1/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": xff },
          body: JSON.stringify({ username: "xena", password }),
        });
      // Each attempt claims a fresh address; all of them count against the real peer, 127.0.0.1.
      let last = 0;
      for (let i = 0; i < 12; i++) last = (await at("wrong guess", `198.51.100.${i}`)).status;
      expect(last).toBe(429);
      expect((await at(TEST_PASSWORD, "198.51.100.200")).status).toBe(429);
    } finally {
      await plain.close();
    }
  }, 30_000);
});
