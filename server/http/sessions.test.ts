// A user's own sessions through the real server: each listed with where and how it began and
// which one is this browser; signing out one of them (its socket closes) or all the others; no
// one else's session can be named; each recorded in the audit log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { IpRanges } from "../auth/ip-ranges.ts";
import { startTestServer, TEST_PASSWORD, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ trustedProxy: IpRanges.parse("127.0.0.1/32") });
  await srv.services.accounts.addUser("dana", TEST_PASSWORD, "user");
  await srv.services.accounts.addUser("eve", TEST_PASSWORD, "user");
});
afterAll(() => srv.close());

async function signIn(username: string, agent: string, address: string): Promise<string> {
  const r = await fetch(srv.url + "/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": agent, "x-forwarded-for": address },
    body: JSON.stringify({ username, password: TEST_PASSWORD }),
  });
  expect(r.status).toBe(200);
  return r.headers.get("set-cookie")!.split(";")[0]!;
}
const call = async (cookie: string, method: string, path: string) => {
  const r = await fetch(srv.url + path, { method, headers: { cookie } });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read a few fields of many answers
  return { status: r.status, body: r.status === 204 ? null : ((await r.json()) as any) };
};

type Listed = {
  id: string;
  agent: string | null;
  address: string | null;
  method: string | null;
  current: boolean;
  createdAt: string;
  expiresAt: string;
};

describe("your sessions", () => {
  test("listed with where and how they began; one signed out (its socket closes), then all the others", async () => {
    const laptop = await signIn("dana", "Laptop Firefox", "198.51.100.1");
    const phone = await signIn("dana", "Phone Safari", "198.51.100.2");
    const tablet = await signIn("dana", "Tablet Chrome", "198.51.100.3");
    const list = (await call(laptop, "GET", "/api/v1/auth/sessions")).body.sessions as Listed[];
    expect(list.map((s) => s.agent)).toEqual(["Tablet Chrome", "Phone Safari", "Laptop Firefox"]);
    expect(list.map((s) => s.current)).toEqual([false, false, true]);
    expect(list[1]).toMatchObject({ address: "198.51.100.2", method: "password" });
    expect(Date.parse(list[0]!.expiresAt)).toBeGreaterThan(Date.now());

    const phoneSocket = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: phone });
    expect((await call(laptop, "DELETE", `/api/v1/auth/sessions/${list[1]!.id}`)).status).toBe(204);
    expect((await phoneSocket.waitClosed())?.code).toBe(4401);
    expect((await call(phone, "GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await call(tablet, "GET", "/api/v1/auth/me")).status).toBe(200);
    expect(srv.services.auditStore.list({ action: "auth.session.end", limit: 1 })[0]).toMatchObject({
      actor: { username: "dana" },
      detail: { sessions: 1 },
    });

    const ended = await call(laptop, "POST", "/api/v1/auth/sessions/end-others");
    expect(ended).toMatchObject({ status: 200, body: { ended: 1, message: "1 other session(s) signed out." } });
    expect((await call(tablet, "GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await call(laptop, "GET", "/api/v1/auth/sessions")).body.sessions.map((s: Listed) => s.agent)).toEqual([
      "Laptop Firefox",
    ]);
  });

  test("someone else's session, a made-up id and anonymous callers get nothing", async () => {
    const dana = await signIn("dana", "Desk", "198.51.100.4");
    const eve = await signIn("eve", "Eve's", "198.51.100.5");
    const eves = (await call(eve, "GET", "/api/v1/auth/sessions")).body.sessions as Listed[];
    const r = await call(dana, "DELETE", `/api/v1/auth/sessions/${eves[0]!.id}`);
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe("No such session of yours");
    expect((await call(eve, "GET", "/api/v1/auth/me")).status).toBe(200);
    for (const id of ["nope", "0".repeat(64), "../../tokens"])
      expect((await call(dana, "DELETE", `/api/v1/auth/sessions/${id}`)).status).toBe(404);
    expect((await fetch(srv.url + "/api/v1/auth/sessions")).status).toBe(401);
    expect((await fetch(srv.url + "/api/v1/auth/sessions/end-others", { method: "POST" })).status).toBe(401);
  });
});
