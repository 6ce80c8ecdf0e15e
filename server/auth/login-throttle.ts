// Sign-in throttling that slows whoever is guessing, not the account's owner: failures count per
// (account, address) pair with an exponential back-off, and per address in a window. No number of
// failures from elsewhere locks an account for the address its owner signs in from.
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

export const backoffMs = (failures: number) =>
  failures < PAIR_FREE_FAILURES ? 0 : Math.min(PAIR_MAX_BACKOFF_MS, 1000 * 2 ** (failures - PAIR_FREE_FAILURES));

export class LoginThrottle {
  private readonly pairs = new Map<string, { failures: number; lastAt: number }>();
  private readonly addresses: RateLimiter;
  /** Attempts being verified right now, per pair and per address: concurrent guesses count before they fail. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    this.addresses = new RateLimiter(ADDRESS_MAX_FAILURES, ADDRESS_WINDOW_MS, now);
  }

  private pairKey(account: string, address: string): string {
    return `${account.toLowerCase()}\u0000${addressKey(address)}`;
  }

  /** May this address try this account now? Does not count the attempt (begin() does). */
  check(account: string, address: string): RateLimitResult {
    const ak = addressKey(address);
    const byAddress = this.addresses.check(ak);
    if (!byAddress.allowed) return byAddress;
    if (this.addresses.used(ak) + this.pending(`a\u0000${ak}`) >= ADDRESS_MAX_FAILURES) return { allowed: false, retryAfterSeconds: 1 };
    const key = this.pairKey(account, address);
    const busy = this.pending(key);
    let e = this.pairs.get(key);
    const t = this.now();
    if (e && t - e.lastAt > backoffMs(e.failures) + PAIR_FORGET_MS) {
      this.pairs.delete(key);
      e = undefined;
    }
    const failures = e?.failures ?? 0;
    // Guesses sent at once count as failures while they are checked: the free ones cannot be multiplied.
    if (failures + busy < PAIR_FREE_FAILURES) return { allowed: true, retryAfterSeconds: 0 };
    if (busy > 0) return { allowed: false, retryAfterSeconds: 1 };
    const until = e!.lastAt + backoffMs(failures);
    if (t >= until) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - t) / 1000)) };
  }

  /** Marks an attempt as being checked; call the returned function once it has failed or succeeded. */
  begin(account: string, address: string): () => void {
    const keys = [this.pairKey(account, address), `a\u0000${addressKey(address)}`];
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

  failed(account: string, address: string): void {
    this.addresses.record(addressKey(address));
    const key = this.pairKey(account, address);
    const e = this.pairs.get(key);
    if (e) {
      e.failures++;
      e.lastAt = this.now();
    } else this.pairs.set(key, { failures: 1, lastAt: this.now() });
    if (this.pairs.size > 100_000) this.sweep();
  }

  /** A correct password clears that pair's failures (the address's count stays: it may be spraying). */
  succeeded(account: string, address: string): void {
    this.pairs.delete(this.pairKey(account, address));
  }

  /** Forgets an address's failures (its pairs and its window). */
  resetAddress(address: string): void {
    const k = addressKey(address);
    this.addresses.reset(k);
    for (const key of this.pairs.keys()) if (key.endsWith(`\u0000${k}`)) this.pairs.delete(key);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.pairs) if (t - e.lastAt > backoffMs(e.failures) + PAIR_FORGET_MS) this.pairs.delete(k);
  }
}
