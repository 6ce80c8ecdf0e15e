// Single sign-on against a real OpenID Connect provider (oidc-provider) on loopback, through its
// own login and consent pages: first sign-in creates the account with the role its groups map
// to, later ones find it by the provider's subject; a group not allowed, a tampered or replayed ID
// token, a forged state, a sign-in finished in another browser, a token outside the tolerated
// clock, an account that has a password, only pre-created accounts, password sign-in off but for
// admins, and a provider that is down — each a clear message on the sign-in page, recorded in
// the audit log, with nobody signed in.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TEST_PASSWORD, startTestServer, type TestServer } from "../testing/test-server.ts";
import {
  freePort,
  startTestProvider,
  TEST_CLIENT,
  walkSignIn,
  type TestProvider,
} from "../testing/oidc-test-provider.ts";
import type { Config } from "../config/config.ts";

const PEOPLE = {
  "sub-alice": {
    preferred_username: "alice",
    email: "alice@team.example",
    email_verified: true,
    groups: ["team", "pymd-admins"],
  },
  "sub-bob": {
    preferred_username: "bob@team.example",
    email: "bob@team.example",
    email_verified: true,
    groups: ["team"],
  },
  "sub-rita": { preferred_username: "rita", groups: ["team", "readers"] },
  "sub-mallory": { preferred_username: "mallory", groups: ["outsiders"] },
  "sub-owen": { preferred_username: "owen", groups: ["team"] },
  "sub-pat": { preferred_username: "pat", groups: ["team"] },
};

let provider: TestProvider;
const servers: TestServer[] = [];
let main: TestServer;

/** A pymd server using the provider (its redirect URI is registered before it starts). */
async function pymdWith(port: number, overrides: Partial<Config> = {}): Promise<TestServer> {
  const srv = await startTestServer({
    port,
    oidcIssuer: new URL(provider.issuer),
    oidcClientId: TEST_CLIENT.id,
    oidcClientSecret: TEST_CLIENT.secret,
    oidcName: "Team SSO",
    oidcAllowedGroups: ["team"],
    oidcAdminGroups: ["pymd-admins"],
    oidcViewerGroups: ["readers"],
    ...overrides,
  });
  servers.push(srv);
  return srv;
}

const ports = [freePort(), freePort(), freePort(), freePort()];
const callbackOf = (port: number) => `http://127.0.0.1:${port}/api/v1/auth/sso/callback`;

beforeAll(async () => {
  provider = await startTestProvider(freePort(), ports.map(callbackOf), PEOPLE);
  main = await pymdWith(ports[0]!);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await provider.close();
});

const me = async (srv: TestServer, session: string | null) => {
  const r = await fetch(srv.url + "/api/v1/auth/me", { headers: session ? { cookie: `pymd_session=${session}` } : {} });
  return {
    status: r.status,
    body: r.status === 200 ? ((await r.json()) as { user: { username: string; role: string } }) : null,
  };
};
const ssoError = (u: URL) => u.searchParams.get("sso_error");
const lastLogin = (srv: TestServer) => srv.services.auditStore.list({ action: "auth.login", limit: 1 })[0]!;

describe("single sign-on", () => {
  test("the sign-in page is told about the provider", async () => {
    const s = (await (await fetch(main.url + "/api/v1/auth/status")).json()) as {
      sso: { name: string; startUrl: string };
      passwordLogin: boolean;
    };
    expect(s.sso).toEqual({ name: "Team SSO", startUrl: "/api/v1/auth/sso/start" });
    expect(s.passwordLogin).toBe(true);
  });

  test("a first sign-in creates the account with the role its groups map to; the next finds it by subject", async () => {
    const first = await walkSignIn(main.url, "sub-alice", { next: "/d/abc" });
    expect(ssoError(first.landedAt)).toBeNull();
    expect(first.landedAt.pathname).toBe("/d/abc");
    expect(await me(main, first.session)).toMatchObject({
      status: 200,
      body: { user: { username: "alice", role: "admin" } },
    });
    expect(lastLogin(main)).toMatchObject({
      outcome: "ok",
      actor: { username: "alice" },
      detail: { method: "sso", provider: "Team SSO", linked: true },
    });
    expect(main.services.auditStore.list({ action: "user.add", limit: 1 })[0]).toMatchObject({
      target: "alice",
      detail: { role: "admin", by: "single sign-on" },
    });
    const alice = main.services.users.byUsername("alice")!;
    expect(alice.passwordHash).toBe("");
    // an account made by single sign-on has no password to sign in with
    for (const password of ["", "anything at all"])
      expect(
        (
          await fetch(main.url + "/api/v1/auth/login", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: "alice", password }),
          })
        ).status,
      ).toBe(401);

    const again = await walkSignIn(main.url, "sub-alice");
    expect(again.landedAt.pathname).toBe("/");
    expect(await me(main, again.session)).toMatchObject({ status: 200, body: { user: { username: "alice" } } });
    expect(lastLogin(main).detail).toMatchObject({ linked: false });
    expect(main.services.users.list().filter((u) => u.username === "alice")).toHaveLength(1);
  });

  test("an email as the username claim names the account by its local part; the viewers' group makes a viewer", async () => {
    const bob = await walkSignIn(main.url, "sub-bob");
    expect(await me(main, bob.session)).toMatchObject({ body: { user: { username: "bob", role: "user" } } });
    const rita = await walkSignIn(main.url, "sub-rita");
    expect(await me(main, rita.session)).toMatchObject({ body: { user: { username: "rita", role: "viewer" } } });
  });

  test("someone outside the allowed groups is turned away", async () => {
    const r = await walkSignIn(main.url, "sub-mallory");
    expect(r.session).toBeNull();
    expect(ssoError(r.landedAt)).toBe("Your account at Team SSO is not in a group allowed to use this server");
    expect(main.services.users.byUsername("mallory")).toBeNull();
    expect(lastLogin(main)).toMatchObject({
      outcome: "denied",
      detail: { method: "sso", error: expect.stringContaining("not in a group") },
    });
  });

  test("a tampered ID token and one replayed from an earlier sign-in are refused", async () => {
    try {
      provider.tamper = "signature";
      const forged = await walkSignIn(main.url, "sub-owen");
      expect(forged.session).toBeNull();
      expect(ssoError(forged.landedAt)).toStartWith("The sign-in could not be verified");
      provider.tamper = "replay";
      const replayed = await walkSignIn(main.url, "sub-owen");
      expect(replayed.session).toBeNull();
      expect(ssoError(replayed.landedAt)).toStartWith("The sign-in could not be verified");
      expect(ssoError(replayed.landedAt)).toContain("nonce");
    } finally {
      provider.tamper = "none";
    }
    expect(main.services.users.byUsername("owen")).toBeNull();
  });

  test("a forged state and a sign-in finished in another browser are refused", async () => {
    const forged = await walkSignIn(main.url, "sub-owen", {
      rewrite: (u) => (u.searchParams.set("state", "made-up-state"), u),
    });
    expect(forged.session).toBeNull();
    expect(ssoError(forged.landedAt)).toBe("This sign-in is unknown or has expired; start it again");
    const elsewhere = await walkSignIn(main.url, "sub-owen", { skipCookie: true });
    expect(elsewhere.session).toBeNull();
    expect(ssoError(elsewhere.landedAt)).toBe("This sign-in was started in another browser; start it again here");
    expect(main.services.users.byUsername("owen")).toBeNull();
  });

  test("an ID token outside the tolerated clock difference is refused; a known skew is allowed for", async () => {
    const late = await pymdWith(ports[1]!, { oidcClockSkewSeconds: 2 * 3600 });
    const r = await walkSignIn(late.url, "sub-owen");
    expect(r.session).toBeNull();
    expect(ssoError(r.landedAt)).toStartWith("The sign-in could not be verified");
    expect(ssoError(r.landedAt)).toMatch(/exp|iat|timestamp/);
  });

  test("an account with a password is never taken over; pre-created accounts only, when configured", async () => {
    await main.services.accounts.addUser("pat", TEST_PASSWORD, "user");
    const r = await walkSignIn(main.url, "sub-pat");
    expect(r.session).toBeNull();
    expect(ssoError(r.landedAt)).toBe(
      "An account named pat already exists on this server with a password; an administrator can switch it to single sign-on with: pymd user sso pat",
    );
    // switched to single sign-on by an admin, it links
    main.services.accounts.switchToSso("pat");
    expect(await me(main, (await walkSignIn(main.url, "sub-pat")).session)).toMatchObject({
      body: { user: { username: "pat" } },
    });

    const closed = await pymdWith(ports[2]!, { oidcProvisioning: "existing" });
    const none = await walkSignIn(closed.url, "sub-owen");
    expect(ssoError(none.landedAt)).toBe(
      "There is no account for owen on this server; ask an administrator to create it with: pymd user add owen --sso",
    );
    closed.services.accounts.addSsoUser("owen", "user");
    expect(await me(closed, (await walkSignIn(closed.url, "sub-owen")).session)).toMatchObject({
      body: { user: { username: "owen" } },
    });
  });

  test("with password sign-in off only an admin may use a password; a provider that is down is a clear error", async () => {
    const srv = await pymdWith(ports[3]!, { passwordLogin: "off" });
    await srv.services.accounts.addUser("root", TEST_PASSWORD, "admin");
    await srv.services.accounts.addUser("carl", TEST_PASSWORD, "user");
    const login = (username: string) =>
      fetch(srv.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: TEST_PASSWORD }),
      });
    const carl = await login("carl");
    expect(carl.status).toBe(403);
    expect(((await carl.json()) as { error: { message: string } }).error.message).toBe(
      'Password sign-in is turned off on this server; use "Sign in with Team SSO"',
    );
    expect(carl.headers.get("set-cookie") ?? "").not.toContain("pymd_session=");

    await provider.close();
    const down = await walkSignIn(srv.url, "sub-alice");
    expect(ssoError(down.landedAt)).toBe(
      "The sign-in provider (Team SSO) could not be reached; try again later, or sign in with a password if you have one",
    );
    // the break-glass admin still gets in
    expect((await login("root")).status).toBe(200);
  });
});
