// Tests for the sandbox policy defaults and override validation.
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, PolicyError, resolveLimits } from "./policy.ts";

describe("resolveLimits", () => {
  test("defaults are the documented safe values", () => {
    const l = resolveLimits();
    expect(l.wallTimeMs).toBe(30_000);
    expect(l.memoryBytes).toBe(512 * 1024 * 1024);
    expect(l.maxProcesses).toBe(64);
    expect(l.tmpfsBytes).toBe(64 * 1024 * 1024);
    expect(l.maxOutputBytesPerBlock).toBe(1024 * 1024);
    expect(l).toEqual({ ...DEFAULT_LIMITS });
  });
  test("a partial override keeps the other defaults", () => {
    const l = resolveLimits({ wallTimeMs: 3000 });
    expect(l.wallTimeMs).toBe(3000);
    expect(l.cpuSeconds).toBe(DEFAULT_LIMITS.cpuSeconds);
  });
  test("errors name the field", () => {
    expect(() => resolveLimits({ memoryBytes: 10 })).toThrow(/memoryBytes must be between/);
    expect(() => resolveLimits({ wallTimeMs: 1.5 })).toThrow(/wallTimeMs must be a whole number/);
    expect(() => resolveLimits({ cpuSeconds: "5" as unknown as number })).toThrow(/cpuSeconds/);
    expect(() => resolveLimits({ bogus: 1 } as never)).toThrow(/unknown sandbox limit "bogus"/);
    try {
      resolveLimits({ maxProcesses: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError);
      expect((e as PolicyError).field).toBe("maxProcesses");
    }
  });
});
