// Sign-in throttling that slows whoever is guessing, not the account's owner: failures count per
// (account, address) pair with an exponential back-off, and per address in a window. Guesses at
// one account spread over many addresses meet a back-off per account too, but only for browsers
// that have not signed in to that account before: one that has (it holds a device cookie, see
// devices-store.ts) is never held back by failures made elsewhere.
import { addressKey } from "./ip-ranges.ts";
import { RateLimiter, type RateLimitResult } from "./rate-limiter.ts";

/** Failures one address may make against one account before each further attempt waits. */
export const PAIR_FREE_FAILURES = 5;
/** The wait after the free failures doubles from one second up to this. */
export const PAIR_MAX_BACKOFF_MS = 15 * 60_000;
/** A pair's failures are forgotten this long after its back-off ended. */
const PAIR_FORGET_MS = 15 * 60_000;
/** Failed sign-ins one address (an IPv4 address or an IPv6 /64) may make per window, over all accounts. */
export const ADDRESS_MAX_FAILURES = 30;
export const ADDRESS_WINDOW_MS = 15 * 60_000;

/** Failures against one account from browsers unknown to it, over all addresses, before each further attempt from one waits. */
export const ACCOUNT_FREE_FAILURES = 20;

export const backoffMs = (failures: number, free = PAIR_FREE_FAILURES) =>
  failures < free ? 0 : Math.min(PAIR_MAX_BACKOFF_MS, 1000 * 2 ** Math.min(30, failures - free));

/** Where an attempt comes from: its address, and whether the browser has signed in to this account before. */
export interface Attempt {
  address: string;
  knownDevice: boolean;
}

interface Failures {
  failures: number;
  lastAt: number;
}

export class LoginThrottle {
  private readonly pairs = new Map<string, Failures>();
  /** Failures per account from browsers unknown to it. */
  private readonly unknown = new Map<string, Failures>();
  private readonly addresses: RateLimiter;
  /** Attempts being verified right now, per pair, account and address: concurrent guesses count before they fail. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    this.addresses = new RateLimiter(ADDRESS_MAX_FAILURES, ADDRESS_WINDOW_MS, now);
  }

  private pairKey(account: string, address: string): string {
    return `${account.toLowerCase()}\u0000${addressKey(address)}`;
  }

  private keysOf(account: string, at: Attempt): string[] {
    const keys = [`p\u0000${this.pairKey(account, at.address)}`, `a\u0000${addressKey(at.address)}`];
    if (!at.knownDevice) keys.push(`u\u0000${account.toLowerCase()}`);
    return keys;
  }

  /** A back-off over `table[key]` after `free` failures; attempts still being checked count as failures. */
  private backoff(table: Map<string, Failures>, key: string, busy: number, free: number): RateLimitResult {
    let e = table.get(key);
    const t = this.now();
    if (e && t - e.lastAt > backoffMs(e.failures, free) + PAIR_FORGET_MS) {
      table.delete(key);
      e = undefined;
    }
    const failures = e?.failures ?? 0;
    // Guesses sent at once count as failures while they are checked: the free ones cannot be multiplied.
    if (failures + busy < free) return { allowed: true, retryAfterSeconds: 0 };
    if (busy > 0) return { allowed: false, retryAfterSeconds: 1 };
    const until = e!.lastAt + backoffMs(failures, free);
    if (t >= until) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - t) / 1000)) };
  }

  /** May this attempt at this account go ahead now? Does not count it (begin() does). */
  check(account: string, at: Attempt): RateLimitResult & { scope?: "address" | "pair" | "account" } {
    const ak = addressKey(at.address);
    const byAddress = this.addresses.check(ak);
    if (!byAddress.allowed) return { ...byAddress, scope: "address" };
    if (this.addresses.used(ak) + this.pending(`a\u0000${ak}`) >= ADDRESS_MAX_FAILURES)
      return { allowed: false, retryAfterSeconds: 1, scope: "address" };
    const pk = this.pairKey(account, at.address);
    const byPair = this.backoff(this.pairs, pk, this.pending(`p\u0000${pk}`), PAIR_FREE_FAILURES);
    if (!byPair.allowed) return { ...byPair, scope: "pair" };
    if (at.knownDevice) return byPair;
    const uk = account.toLowerCase();
    const byAccount = this.backoff(this.unknown, uk, this.pending(`u\u0000${uk}`), ACCOUNT_FREE_FAILURES);
    return byAccount.allowed ? byAccount : { ...byAccount, scope: "account" };
  }

  /** Marks an attempt as being checked; call the returned function once it has failed or succeeded. */
  begin(account: string, at: Attempt): () => void {
    const keys = this.keysOf(account, at);
    for (const k of keys) this.inFlight.set(k, this.pending(k) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const k of keys) {
        const n = this.pending(k) - 1;
        if (n > 0) this.inFlight.set(k, n);
        else this.inFlight.delete(k);
      }
    };
  }

  private pending(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  private count(table: Map<string, Failures>, key: string): void {
    const e = table.get(key);
    if (e) {
      e.failures++;
      e.lastAt = this.now();
    } else table.set(key, { failures: 1, lastAt: this.now() });
    if (table.size > 100_000) this.sweep(table);
  }

  failed(account: string, at: Attempt): void {
    this.addresses.record(addressKey(at.address));
    this.count(this.pairs, this.pairKey(account, at.address));
    if (!at.knownDevice) this.count(this.unknown, account.toLowerCase());
  }

  /**
   * A correct password clears that pair's failures (the address's count stays: it may be
   * spraying). The account's count from unknown browsers stays when the owner signs in from a
   * known one: whoever is guessing elsewhere goes on waiting.
   */
  succeeded(account: string, at: Attempt): void {
    this.pairs.delete(this.pairKey(account, at.address));
    if (!at.knownDevice) this.unknown.delete(account.toLowerCase());
  }

  /** Forgets an address's failures (its pairs and its window). */
  resetAddress(address: string): void {
    const k = addressKey(address);
    this.addresses.reset(k);
    for (const key of this.pairs.keys()) if (key.endsWith(`\u0000${k}`)) this.pairs.delete(key);
  }

  /** Forgets the failures made against an account from unknown browsers. */
  resetAccount(account: string): void {
    this.unknown.delete(account.toLowerCase());
  }

  private sweep(table: Map<string, Failures>): void {
    const t = this.now();
    for (const [k, e] of table)
      if (t - e.lastAt > backoffMs(e.failures) + PAIR_MAX_BACKOFF_MS + PAIR_FORGET_MS) table.delete(k);
  }
}
