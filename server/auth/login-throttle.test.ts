// The back-off per (account, address), per account for unknown browsers, and the window per address, on a fake clock.
import { describe, expect, test } from "bun:test";
import {
  ACCOUNT_FREE_FAILURES,
  ADDRESS_MAX_FAILURES,
  backoffMs,
  LoginThrottle,
  PAIR_FREE_FAILURES,
  PAIR_MAX_BACKOFF_MS,
  type Attempt,
} from "./login-throttle.ts";

const from = (address: string, knownDevice = false): Attempt => ({ address, knownDevice });

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
      expect(t.check("alice", from("203.0.113.1")).allowed).toBe(true);
      t.failed("alice", from("203.0.113.1"));
    }
    const v = t.check("alice", from("203.0.113.1"));
    expect(v).toEqual({ allowed: false, retryAfterSeconds: 1, scope: "pair" });
    expect(t.check("Alice", from("203.0.113.1")).allowed).toBe(false);
    expect(t.check("alice", from("198.51.100.1")).allowed).toBe(true);
    now += 1000;
    expect(t.check("alice", from("203.0.113.1")).allowed).toBe(true);
    t.failed("alice", from("203.0.113.1"));
    expect(t.check("alice", from("203.0.113.1")).retryAfterSeconds).toBe(2);
    t.succeeded("alice", from("203.0.113.1"));
    expect(t.check("alice", from("203.0.113.1")).allowed).toBe(true);
  });

  test("an address's failures over all accounts are capped per window, then forgotten", () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < ADDRESS_MAX_FAILURES; i++) t.failed(`user${i}`, from("203.0.113.2"));
    expect(t.check("someone", from("203.0.113.2")).allowed).toBe(false);
    expect(t.check("someone", from("203.0.113.3")).allowed).toBe(true);
    now += 15 * 60_000 + 1;
    expect(t.check("someone", from("203.0.113.2")).allowed).toBe(true);
  });

  test("guesses sent at once count while they are checked, so the free failures cannot be multiplied", () => {
    const t = new LoginThrottle(() => 0);
    const inFlight = [];
    for (let i = 0; i < PAIR_FREE_FAILURES; i++) {
      expect(t.check("bob", from("203.0.113.4")).allowed).toBe(true);
      inFlight.push(t.begin("bob", from("203.0.113.4")));
    }
    expect(t.check("bob", from("203.0.113.4"))).toEqual({ allowed: false, retryAfterSeconds: 1, scope: "pair" });
    // the owner elsewhere is not affected
    expect(t.check("bob", from("198.51.100.4")).allowed).toBe(true);
    for (const release of inFlight) {
      t.failed("bob", from("203.0.113.4"));
      release();
    }
    expect(t.check("bob", from("203.0.113.4")).allowed).toBe(false);
  });

  test("guesses at one account from many addresses wait per account, but a browser that signed in before does not", () => {
    let now = 5_000_000;
    const t = new LoginThrottle(() => now);
    // each address stays within its own free failures
    for (let i = 0; i < ACCOUNT_FREE_FAILURES; i++) {
      const address = `203.0.113.${10 + Math.floor(i / 2)}`;
      expect(t.check("carol", from(address)).allowed).toBe(true);
      t.failed("carol", from(address));
    }
    const fresh = t.check("carol", from("198.51.100.50"));
    expect(fresh).toEqual({ allowed: false, retryAfterSeconds: 1, scope: "account" });
    // the owner's browser, known to the account, is not held back; nor is another account
    expect(t.check("carol", from("198.51.100.50", true)).allowed).toBe(true);
    expect(t.check("dave", from("198.51.100.50")).allowed).toBe(true);
    // the wait doubles with each further failure, up to the cap
    now += 1000;
    t.failed("carol", from("198.51.100.51"));
    expect(t.check("carol", from("198.51.100.52")).retryAfterSeconds).toBe(2);
    for (let i = 0; i < 40; i++) t.failed("carol", from(`192.0.2.${i}`));
    expect(t.check("carol", from("198.51.100.53")).retryAfterSeconds).toBe(PAIR_MAX_BACKOFF_MS / 1000);
    // failures from a known browser count for its pair only
    for (let i = 0; i < 3; i++) t.failed("erin", from("198.51.100.60", true));
    for (let i = 0; i < ACCOUNT_FREE_FAILURES - 1; i++) t.failed("erin", from(`192.0.2.${100 + (i % 50)}`));
    expect(t.check("erin", from("198.51.100.61")).allowed).toBe(true);
    // guesses in flight from unknown browsers count against the account too
    const pending = t.begin("erin", from("198.51.100.62"));
    expect(t.check("erin", from("198.51.100.63"))).toEqual({ allowed: false, retryAfterSeconds: 1, scope: "account" });
    pending();
    // a sign-in with the right password from an unknown browser clears the account's count
    t.succeeded("carol", from("198.51.100.70"));
    expect(t.check("carol", from("198.51.100.71")).allowed).toBe(true);
  });
});
