// Fixed-window attempt counters in memory, keyed by account or client address.

export interface RateLimitResult {
  allowed: boolean;
  retryAfterSeconds: number;
}

export class RateLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Would one more attempt be allowed? Does not count it. */
  check(key: string): RateLimitResult {
    const t = this.now();
    const e = this.hits.get(key);
    if (!e || e.resetAt <= t) return { allowed: true, retryAfterSeconds: 0 };
    if (e.count < this.max) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((e.resetAt - t) / 1000)) };
  }

  /** Attempts counted for the key in its current window. */
  used(key: string): number {
    const e = this.hits.get(key);
    return e && e.resetAt > this.now() ? e.count : 0;
  }

  record(key: string): void {
    const t = this.now();
    const e = this.hits.get(key);
    if (!e || e.resetAt <= t) this.hits.set(key, { count: 1, resetAt: t + this.windowMs });
    else e.count++;
    if (this.hits.size > 100_000) this.sweep();
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.hits) if (e.resetAt <= t) this.hits.delete(k);
  }
}
