// The back-off per (account, address) and the window per address, on a fake clock.
import { describe, expect, test } from "bun:test";
import { ADDRESS_MAX_FAILURES, backoffMs, LoginThrottle, PAIR_FREE_FAILURES, PAIR_MAX_BACKOFF_MS } from "./login-throttle.ts";

describe("LoginThrottle", () => {
  test("free failures, then a doubling wait up to the cap", () => {
    expect(backoffMs(PAIR_FREE_FAILURES - 1)).toBe(0);
    expect(backoffMs(PAIR_FREE_FAILURES)).toBe(1000);
    expect(backoffMs(PAIR_FREE_FAILURES + 3)).toBe(8000);
    expect(backoffMs(100)).toBe(PAIR_MAX_BACKOFF_MS);
  });

  test("a pair waits; the same account from elsewhere does not; the wait passes; success clears it", () => {
    let now = 1_000_000;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < PAIR_FREE_FAILURES; i++) {
      expect(t.check("alice", "203.0.113.1").allowed).toBe(true);
      t.failed("alice", "203.0.113.1");
    }
    const v = t.check("alice", "203.0.113.1");
    expect(v).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(t.check("Alice", "203.0.113.1").allowed).toBe(false);
    expect(t.check("alice", "198.51.100.1").allowed).toBe(true);
    now += 1000;
    expect(t.check("alice", "203.0.113.1").allowed).toBe(true);
    t.failed("alice", "203.0.113.1");
    expect(t.check("alice", "203.0.113.1").retryAfterSeconds).toBe(2);
    t.succeeded("alice", "203.0.113.1");
    expect(t.check("alice", "203.0.113.1").allowed).toBe(true);
  });

  test("an address's failures over all accounts are capped per window, then forgotten", () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < ADDRESS_MAX_FAILURES; i++) t.failed(`user${i}`, "203.0.113.2");
    expect(t.check("someone", "203.0.113.2").allowed).toBe(false);
    expect(t.check("someone", "203.0.113.3").allowed).toBe(true);
    now += 15 * 60_000 + 1;
    expect(t.check("someone", "203.0.113.2").allowed).toBe(true);
  });

  test("guesses sent at once count while they are checked, so the free failures cannot be multiplied", () => {
    const t = new LoginThrottle(() => 0);
    const inFlight = [];
    for (let i = 0; i < PAIR_FREE_FAILURES; i++) {
      expect(t.check("bob", "203.0.113.4").allowed).toBe(true);
      inFlight.push(t.begin("bob", "203.0.113.4"));
    }
    expect(t.check("bob", "203.0.113.4")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // the owner elsewhere is not affected
    expect(t.check("bob", "198.51.100.4").allowed).toBe(true);
    for (const release of inFlight) {
      t.failed("bob", "203.0.113.4");
      release();
    }
    expect(t.check("bob", "203.0.113.4").allowed).toBe(false);
  });
});
