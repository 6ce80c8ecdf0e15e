// Single sign-on through an OpenID Connect provider (Keycloak, Authentik, Google, …): the
// authorization code flow with PKCE, state and nonce, through openid-client (discovery, the ID
// token's signature, issuer, audience and times checked against the provider's keys, with a
// clock tolerance). The browser that starts a sign-in holds its state in a cookie, so a sign-in
// cannot be finished in another browser (no login CSRF). A provider that is down is an error on
// the sign-in page; password sign-in keeps working.
import * as oidc from "openid-client";
import { AppError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Role, UserRow, UsersStore } from "../store/users-store.ts";
import type { SsoStore } from "../store/sso-store.ts";
import { Accounts, checkUsername } from "./accounts.ts";

export interface SsoConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string | null;
  /** Shown on the sign-in page as "Sign in with <name>". */
  name: string;
  scopes: string;
  usernameClaim: string;
  groupsClaim: string;
  /** Only people in one of these groups may sign in (empty: anyone the provider signs in). */
  allowedGroups: string[];
  /** Only people whose verified email is in one of these domains (empty: any). */
  allowedDomains: string[];
  /** Groups that make an account admin or viewer (checked at every sign-in; otherwise `user`). */
  roleGroups: { admin: string[]; viewer: string[] };
  /** auto: the first sign-in creates the account; existing: only accounts an admin made. */
  provisioning: "auto" | "existing";
  /** Seconds of clock difference tolerated in the ID token's times (default 60). */
  clockToleranceSeconds?: number;
  /** Seconds this server's clock is known to be behind the provider's (negative: ahead). */
  clockSkewSeconds?: number;
}

/** The cookie holding the state of a sign-in this browser started. */
export const SSO_STATE_COOKIE = "pymd_sso";
const PENDING_TTL_MS = 10 * 60_000;
const PENDING_MAX = 10_000;

interface Pending {
  verifier: string;
  nonce: string;
  next: string;
  expiresAt: number;
}

export interface SsoResult {
  user: UserRow;
  created: boolean;
  linked: boolean;
  roleChanged: boolean;
  next: string;
}

/** An error to show on the sign-in page (and record), never a stack trace. */
export class SsoError extends AppError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

/** Only a path on this server, so a sign-in never sends anyone elsewhere. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]{0,500}$/.test(next) ? next : "/";
}

/** A username from a claim: an email's local part, characters pymd does not allow turned into "-". */
export function usernameFrom(raw: unknown, claim: string): string {
  if (typeof raw !== "string" || raw.trim() === "")
    throw new SsoError(
      `The sign-in provider sent no ${claim} claim to name the account by; ask the administrator to map one (--oidc-username-claim)`,
    );
  let name = raw.trim();
  if (name.includes("@")) name = name.slice(0, name.indexOf("@"));
  name = name
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 32);
  try {
    return checkUsername(name);
  } catch {
    throw new SsoError(`The provider's ${claim} claim ${JSON.stringify(raw.slice(0, 64))} cannot be a pymd username`);
  }
}

const groupsOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((g): g is string => typeof g === "string") : typeof v === "string" ? [v] : [];

export class SsoSignIn {
  private config: oidc.Configuration | null = null;
  private discovering: Promise<oidc.Configuration> | null = null;
  private readonly pending = new Map<string, Pending>();

  constructor(
    readonly settings: SsoConfig,
    private readonly deps: {
      users: UsersStore;
      accounts: Accounts;
      identities: SsoStore;
      log: Logger;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** The provider's configuration, discovered on first use (and again after a failure). */
  private async provider(): Promise<oidc.Configuration> {
    if (this.config) return this.config;
    this.discovering ??= (async () => {
      const s = this.settings;
      const insecure = s.issuer.protocol === "http:";
      try {
        const c = await oidc.discovery(
          s.issuer,
          s.clientId,
          { [oidc.clockTolerance]: s.clockToleranceSeconds ?? 60, [oidc.clockSkew]: s.clockSkewSeconds ?? 0 },
          s.clientSecret ? oidc.ClientSecretPost(s.clientSecret) : oidc.None(),
          // the ID token's signature is checked against the provider's published keys too, not
          // only trusted for having come over the connection to its token endpoint
          {
            execute: insecure
              ? [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks]
              : [oidc.enableNonRepudiationChecks],
            timeout: 10,
          },
        );
        this.config = c;
        return c;
      } finally {
        this.discovering = null;
      }
    })();
    try {
      return await this.discovering;
    } catch (e) {
      this.deps.log.warn("single sign-on provider did not answer", {
        issuer: this.settings.issuer.href,
        error: e instanceof Error ? e.message : String(e),
      });
      throw new AppError(
        "unavailable",
        `The sign-in provider (${this.settings.name}) could not be reached; try again later, or sign in with a password if you have one`,
      );
    }
  }

  /** Starts a sign-in: the provider's URL to send the browser to, and the state for its cookie. */
  async start(redirectUri: string, next: string | undefined): Promise<{ url: string; state: string }> {
    const config = await this.provider();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const t = this.now();
    for (const [k, p] of this.pending) if (p.expiresAt < t || this.pending.size >= PENDING_MAX) this.pending.delete(k);
    this.pending.set(state, { verifier, nonce, next: safeNext(next), expiresAt: t + PENDING_TTL_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /**
   * Finishes a sign-in from the provider's redirect: checks state (against this browser's
   * cookie), code, PKCE, nonce and ID token, then finds, links or creates the account.
   */
  async finish(callbackUrl: URL, redirectUri: string, cookieState: string | null): Promise<SsoResult> {
    const state = callbackUrl.searchParams.get("state");
    const providerError = callbackUrl.searchParams.get("error");
    const p = state ? this.pending.get(state) : undefined;
    if (state) this.pending.delete(state);
    if (providerError)
      throw new SsoError(
        `The sign-in provider refused: ${(callbackUrl.searchParams.get("error_description") ?? providerError).slice(0, 200)}`,
      );
    if (!state || !p || p.expiresAt < this.now())
      throw new SsoError("This sign-in is unknown or has expired; start it again");
    if (!cookieState || cookieState !== state)
      throw new SsoError("This sign-in was started in another browser; start it again here");
    const config = await this.provider();
    const current = new URL(redirectUri);
    current.search = callbackUrl.search;
    let claims: oidc.IDToken;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: p.verifier,
        expectedState: state,
        expectedNonce: p.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims()!;
      // many providers put profile claims (username, groups, email) in the userinfo answer only;
      // it must name the same subject as the verified ID token
      if (
        config.serverMetadata().userinfo_endpoint &&
        (claims[this.settings.usernameClaim] === undefined || claims[this.settings.groupsClaim] === undefined)
      ) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        claims = { ...info, ...claims } as oidc.IDToken;
      }
    } catch (e) {
      // openid-client's error wraps the check that failed, which names the claim (nonce, exp, iss, …)
      const inner = (e as { cause?: unknown })?.cause;
      const detail =
        (e instanceof Error ? e.message : String(e)) +
        (inner instanceof Error && inner.message !== (e as Error).message ? `: ${inner.message}` : "");
      this.deps.log.warn("single sign-on refused", { error: detail });
      throw new SsoError(`The sign-in could not be verified (${detail.slice(0, 160)}); start it again`);
    }
    return { ...this.account(claims, config.serverMetadata().issuer), next: p.next };
  }

  /** The account for verified claims: checks the allow-lists, then finds, links or creates it. */
  private account(claims: oidc.IDToken, issuer: string): Omit<SsoResult, "next"> {
    const s = this.settings;
    const groups = groupsOf(claims[s.groupsClaim]);
    if (s.allowedGroups.length && !groups.some((g) => s.allowedGroups.includes(g)))
      throw new SsoError(`Your account at ${s.name} is not in a group allowed to use this server`);
    if (s.allowedDomains.length) {
      const email = typeof claims.email === "string" ? claims.email.toLowerCase() : "";
      const domain = email.slice(email.lastIndexOf("@") + 1);
      if (!email.includes("@") || claims.email_verified === false || !s.allowedDomains.includes(domain))
        throw new SsoError(`Your email at ${s.name} is not in a domain allowed to use this server`);
    }
    const mapped: Role | null =
      s.roleGroups.admin.length || s.roleGroups.viewer.length
        ? groups.some((g) => s.roleGroups.admin.includes(g))
          ? "admin"
          : groups.some((g) => s.roleGroups.viewer.includes(g))
            ? "viewer"
            : "user"
        : null;
    const { users, accounts, identities } = this.deps;
    let created = false;
    let linked = false;
    let user: UserRow | null = null;
    const known = identities.userFor(issuer, claims.sub);
    if (known) user = users.byId(known);
    if (!user) {
      const name = usernameFrom(claims[s.usernameClaim], s.usernameClaim);
      const existing = users.byUsername(name);
      if (existing) {
        // only an account made for single sign-on (no password) links by name: a provider's
        // claim never takes over an account that has a password
        if (!Accounts.ssoOnly(existing))
          throw new SsoError(
            `An account named ${name} already exists on this server with a password; an administrator can switch it to single sign-on with: pymd user sso ${name}`,
          );
        if (identities.forUser(existing.id).some((i) => i.issuer === issuer))
          throw new SsoError(`The account ${name} already belongs to another person at ${s.name}`);
        user = existing;
      } else {
        if (s.provisioning === "existing")
          throw new SsoError(
            `There is no account for ${name} on this server; ask an administrator to create it with: pymd user add ${name} --sso`,
          );
        user = accounts.addSsoUser(name, mapped ?? "user");
        created = true;
      }
      identities.link(issuer, claims.sub, user.id);
      linked = true;
    }
    if (user.disabled) throw new SsoError(`The account ${user.username} is disabled on this server`);
    let roleChanged = false;
    if (mapped && mapped !== user.role && !created) {
      try {
        user = accounts.setRole(user.username, mapped);
        roleChanged = true;
      } catch (e) {
        // the last admin keeps the role; the provider's groups say otherwise and the log says so
        this.deps.log.warn("single sign-on role not applied", {
          user: user.username,
          role: mapped,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    return { user, created, linked, roleChanged };
  }

  /** What the sign-in page needs: the button's label. */
  get label(): string {
    return this.settings.name;
  }
}

/** The Set-Cookie of a started sign-in's state: sent back only to the callback, for 10 minutes ("" clears it). */
export function ssoStateCookie(state: string, secure: boolean): string {
  return `${SSO_STATE_COOKIE}=${state}; Path=/api/v1/auth/sso; HttpOnly; SameSite=Lax; Max-Age=${state ? PENDING_TTL_MS / 1000 : 0}${secure ? "; Secure" : ""}`;
}
