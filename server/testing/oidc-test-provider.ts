// A real OpenID Connect provider for tests (the certified `oidc-provider` package) on loopback,
// behind a pass-through proxy that can tamper with its token answers; and a browser-like walk
// through its own login and consent pages.
import Provider from "oidc-provider";
import type { Server } from "node:http";

export interface TestPerson {
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  groups?: string[];
}

/** How the proxy changes the provider's token answer: nothing, the ID token's signature, or an ID token of an earlier sign-in. */
export type Tamper = "none" | "signature" | "replay";

export interface TestProvider {
  issuer: string;
  tamper: Tamper;
  close(): Promise<void>;
}

export const TEST_CLIENT = { id: "pymd-test", secret: "pymd-test-client-secret-0123456789" };

export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Starts the provider on `port` (its issuer; a proxy there forwards to the provider itself). */
export async function startTestProvider(
  port: number,
  redirectUris: string[],
  people: Record<string, TestPerson>,
): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT.id,
        client_secret: TEST_CLIENT.secret,
        redirect_uris: redirectUris,
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: { openid: ["sub"], profile: ["preferred_username", "groups"], email: ["email", "email_verified"] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, ...(people[id] ?? {}) }) }),
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  } as never);
  provider.proxy = true;
  const inner = await new Promise<Server>((resolve) => {
    const s = provider.listen(0, "127.0.0.1", () => resolve(s));
  });
  const innerUrl = `http://127.0.0.1:${(inner.address() as { port: number }).port}`;
  let lastIdToken: string | null = null;
  const state: TestProvider = {
    issuer,
    tamper: "none",
    close: async () => {
      proxy.stop(true);
      await new Promise<void>((r) => inner.close(() => r()));
    },
  };
  const proxy = Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(req) {
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      headers.set("x-forwarded-host", `127.0.0.1:${port}`);
      headers.set("x-forwarded-proto", "http");
      const res = await fetch(innerUrl + url.pathname + url.search, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer(),
        redirect: "manual",
      });
      if (url.pathname !== "/token" || !res.ok)
        return new Response(res.body, { status: res.status, headers: res.headers });
      const body = (await res.json()) as { id_token?: string };
      const real = body.id_token ?? null;
      if (real && state.tamper === "signature") {
        const [h, p, sig] = real.split(".");
        body.id_token = `${h}.${p}.${sig!.startsWith("A") ? "B" : "A"}${sig!.slice(1)}`;
      } else if (real && state.tamper === "replay" && lastIdToken) body.id_token = lastIdToken;
      if (real) lastIdToken = real;
      const out = new Headers(res.headers);
      out.delete("content-length");
      out.delete("content-encoding");
      return new Response(JSON.stringify(body), { status: res.status, headers: out });
    },
  });
  return state;
}

/** A cookie jar per origin, good enough for a walk through a login. */
class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();
  take(origin: string, res: Response): void {
    const m = this.cookies.get(origin) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === "") m.delete(name);
      else m.set(name, value);
    }
    this.cookies.set(origin, m);
  }
  header(origin: string): string {
    return [...(this.cookies.get(origin) ?? new Map())].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get(origin: string, name: string): string | undefined {
    return this.cookies.get(origin)?.get(name);
  }
}

export interface WalkResult {
  /** Where pymd's callback sent the browser in the end (the sign-in page with ?sso_error=, or the next page). */
  landedAt: URL;
  /** pymd's session cookie when the sign-in worked. */
  session: string | null;
  /** The provider's redirect to pymd's callback, before pymd saw it. */
  callback: URL | null;
}

/**
 * Signs in at pymd through the provider as a browser would: pymd's start, the provider's login
 * page (as `login`) and consent page, back to pymd's callback. `rewrite` may change the callback
 * URL before it is followed (a forged state).
 */
export async function walkSignIn(
  pymdUrl: string,
  login: string,
  opts: { next?: string; rewrite?: (u: URL) => URL; skipCookie?: boolean } = {},
): Promise<WalkResult> {
  const jar = new Jar();
  const pymd = new URL(pymdUrl).origin;
  let url = new URL(`/api/v1/auth/sso/start${opts.next ? `?next=${encodeURIComponent(opts.next)}` : ""}`, pymdUrl);
  let method = "GET";
  let body: URLSearchParams | undefined;
  let callback: URL | null = null;
  for (let hop = 0; hop < 30; hop++) {
    if (url.origin === pymd && url.pathname === "/api/v1/auth/sso/callback" && !callback) {
      callback = url;
      if (opts.rewrite) url = opts.rewrite(url);
    }
    const headers: Record<string, string> = {
      cookie:
        opts.skipCookie && url.origin === pymd && url.pathname.endsWith("/callback") ? "" : jar.header(url.origin),
    };
    if (body) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(url, { method, headers, body, redirect: "manual" });
    jar.take(url.origin, res);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      const to = new URL(location, url);
      if (to.origin === pymd && !to.pathname.startsWith("/api/")) {
        return { landedAt: to, session: jar.get(pymd, "pymd_session") ?? null, callback };
      }
      url = to;
      method = "GET";
      body = undefined;
      continue;
    }
    const html = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (res.status !== 200 || !form)
      throw new Error(`the walk stopped at ${url.href}: ${res.status} ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi))
      fields.set(m[1]!, m[2]!);
    if (/name="login"/.test(form[2]!)) {
      fields.set("login", login);
      fields.set("password", "any password");
    }
    url = new URL(form[1]!.replace(/&amp;/g, "&"), url);
    method = "POST";
    body = fields;
  }
  throw new Error("the sign-in walk did not end");
}
