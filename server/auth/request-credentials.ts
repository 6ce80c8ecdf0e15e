// What a request carries to say who it speaks for: the session cookie or a bearer API token, and
// the origin a same-site request comes from. Shared by the HTTP app and the WebSocket endpoints.
import type { SessionManager, Authenticated } from "./sessions.ts";

export const SESSION_COOKIE = "pymd_session";

export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (!out.has(k)) out.set(k, part.slice(i + 1).trim());
  }
  return out;
}

/** The origin this server is reached at: the configured base URL, else what the request's Host says. */
export function expectedOrigin(request: Request, url: URL, baseUrl: URL | null): string {
  if (baseUrl) return baseUrl.origin;
  const host = request.headers.get("host") ?? url.host;
  return `${url.protocol}//${host}`;
}

export function sessionCookie(token: string, expiresAt: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`;
}

/**
 * Who a request speaks for: a bearer API token when the Authorization header is present (an
 * invalid one is "invalid-token", never a fallback to the cookie), else the session cookie.
 */
export function authenticateRequest(
  request: Request,
  sessions: SessionManager,
): { auth: Authenticated | null; cookieToken: string | null } | "invalid-token" {
  const authz = request.headers.get("authorization");
  if (authz !== null) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    const a = m ? sessions.validateApiToken(m[1]!) : null;
    return a ? { auth: a, cookieToken: null } : "invalid-token";
  }
  const token = parseCookies(request.headers.get("cookie")).get(SESSION_COOKIE) ?? null;
  return { auth: token ? sessions.validateSession(token) : null, cookieToken: token };
}

/**
 * Who a WebSocket upgrade speaks for, or why it is refused. Browsers send cookies with any page's
 * WebSocket, so a cookie connection must come from the server's own origin; a bearer token carries
 * no ambient credentials.
 */
export function authenticateUpgrade(
  request: Request,
  sessions: SessionManager,
  baseUrl: URL | null,
): Authenticated | string {
  const origin = request.headers.get("origin");
  if (
    !request.headers.has("authorization") &&
    origin !== null &&
    origin !== expectedOrigin(request, new URL(request.url), baseUrl)
  ) {
    return "cross-origin WebSocket refused";
  }
  const who = authenticateRequest(request, sessions);
  if (who === "invalid-token") return "invalid API token";
  return who.auth ?? "sign in first";
}
