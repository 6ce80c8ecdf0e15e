// Single sign-on routes: the browser is sent to the provider and comes back to the callback, which
// signs it in with the usual session cookie. Failures land on the sign-in page with a message.
import type { AuditLog } from "../auth/audit-log.ts";
import { SSO_STATE_COOKIE, SsoError, ssoStateCookie, type SsoSignIn } from "../auth/oidc.ts";
import type { SessionManager } from "../auth/sessions.ts";
import { AppError } from "../errors.ts";
import { parseCookies, sessionCookie } from "../auth/request-credentials.ts";
import type { Ctx } from "./request-context.ts";
import type { Router } from "./router.ts";
import { SsoCallbackQuerySchema, SsoStartQuerySchema } from "../../protocol/api-schemas-auth.ts";

export const SSO_START = "/api/v1/auth/sso/start";
export const SSO_CALLBACK = "/api/v1/auth/sso/callback";

const redirect = (location: string) =>
  new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
/** The sign-in page, showing `message`. */
const toSignIn = (message: string) => redirect(`/?sso_error=${encodeURIComponent(message.slice(0, 300))}`);

export function registerSsoRoutes(
  r: Router,
  d: { sso: SsoSignIn; sessions: SessionManager; audit: AuditLog; baseUrl: URL | null; https: boolean },
): void {
  const callbackUrl = (c: Ctx) => new URL(SSO_CALLBACK, d.baseUrl ?? c.url.origin).href;

  r.get(
    SSO_START,
    `Sign in with the single sign-on provider: redirects there (?next=/path to come back to)`,
    "none",
    { query: SsoStartQuerySchema, responses: { 302: null }, errors: [401] },
    async (c) => {
      try {
        const { url, state } = await d.sso.start(callbackUrl(c), c.query.next);
        c.setCookie(ssoStateCookie(state, d.https));
        return redirect(url);
      } catch (e) {
        if (e instanceof AppError) return toSignIn(e.message);
        throw e;
      }
    },
  );

  r.get(
    SSO_CALLBACK,
    "Where the single sign-on provider sends the browser back; signs it in and redirects to the page it came from (or to the sign-in page with ?sso_error=)",
    "none",
    { query: SsoCallbackQuerySchema, responses: { 302: null }, errors: [401] },
    async (c) => {
      c.setCookie(ssoStateCookie("", d.https));
      const cookieState = parseCookies(c.request.headers.get("cookie")).get(SSO_STATE_COOKIE) ?? null;
      try {
        const done = await d.sso.finish(c.url, callbackUrl(c), cookieState);
        const { token, expiresAt } = d.sessions.create(done.user.id, {
          address: c.ip,
          agent: c.request.headers.get("user-agent"),
          method: "sso",
        });
        c.setCookie(sessionCookie(token, expiresAt, d.https));
        if (done.created)
          d.audit.record(
            { user: done.user, address: c.ip },
            { action: "user.add", target: done.user.username, detail: { role: done.user.role, by: "single sign-on" } },
          );
        if (done.roleChanged)
          d.audit.record(
            { user: done.user, address: c.ip },
            {
              action: "user.role",
              target: done.user.username,
              detail: { role: done.user.role, by: "single sign-on groups" },
            },
          );
        d.audit.record(
          { user: done.user, address: c.ip },
          { action: "auth.login", detail: { method: "sso", provider: d.sso.label, linked: done.linked } },
        );
        c.log.info("login", { user: done.user.username, method: "sso" });
        return redirect(done.next);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        d.audit.record(
          { address: c.ip },
          {
            action: "auth.login",
            outcome: e instanceof SsoError ? "denied" : "failed",
            detail: { method: "sso", provider: d.sso.label, error: e.message.slice(0, 300) },
          },
        );
        return toSignIn(e.message);
      }
    },
  );
}
