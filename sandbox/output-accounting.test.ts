// The host's output accounting on its own: frames pass until a block reaches its cap, the frame
// that crosses it becomes one "truncated" notice, later output of that block is dropped (other
// blocks keep their own allowance), the runner's own notice counts once, and wire bytes over the
// hard cap end the run.
import { describe, expect, test } from "bun:test";
import type { RunnerFrame } from "../protocol/run-frames.ts";
import { accountFrame, outputSize, type BlockAccount } from "./output-accounting.ts";

const out = (block: number, text: string): RunnerFrame => ({ type: "stdout", runId: "r", block, text }) as RunnerFrame;
const caps = { logical: 10, raw: 100 };

describe("output accounting", () => {
  test("passes output up to the cap, truncates once at it, then drops that block's output", () => {
    const acc = new Map<number, BlockAccount>();
    const verdicts = ["12345", "6789", "0", "X", "more"].map(
      (t) => accountFrame(acc, 1, out(1, t), t.length + 20, { logical: 10, raw: 1000 }).kind,
    );
    expect(verdicts).toEqual(["pass", "pass", "pass", "truncate", "drop"]);
    expect(acc.get(1)).toEqual({ logical: 11, raw: 5 * 20 + 15, truncated: true });
    // another block has its own allowance
    expect(accountFrame(acc, 2, out(2, "fine"), 24, caps)).toEqual({ kind: "pass" });
    // non-output frames of a truncated block still pass (its end must reach the reader)
    expect(
      accountFrame(
        acc,
        1,
        { type: "block-done", runId: "r", block: 1, status: "ok", durationMs: 1 } as RunnerFrame,
        10,
        { logical: 10, raw: 1000 },
      ),
    ).toEqual({ kind: "pass" });
  });

  test("the truncate verdict carries the limit; the runner's own notice counts once", () => {
    const acc = new Map<number, BlockAccount>();
    expect(accountFrame(acc, 0, out(0, "x".repeat(11)), 30, caps)).toEqual({ kind: "truncate", limitBytes: 10 });
    expect(
      accountFrame(acc, 0, { type: "truncated", runId: "r", block: 0, limitBytes: 10 } as RunnerFrame, 30, caps),
    ).toEqual({ kind: "drop" });
    const fresh = new Map<number, BlockAccount>();
    expect(
      accountFrame(fresh, 0, { type: "truncated", runId: "r", block: 0, limitBytes: 10 } as RunnerFrame, 30, caps),
    ).toEqual({ kind: "pass" });
    expect(accountFrame(fresh, 0, out(0, "late"), 10, caps)).toEqual({ kind: "drop" });
  });

  test("wire bytes over the hard cap end the run, even for dropped output", () => {
    const acc = new Map<number, BlockAccount>();
    expect(accountFrame(acc, 3, out(3, "x".repeat(11)), 60, caps).kind).toBe("truncate");
    expect(accountFrame(acc, 3, out(3, "y"), 30, caps).kind).toBe("drop");
    expect(accountFrame(acc, 3, out(3, "z"), 11, caps)).toEqual({
      kind: "kill",
      message: "the run was killed: block output went over the host's 100-byte cap",
    });
  });

  test("a reader's bytes: UTF-8 text, or a display's data", () => {
    expect(outputSize(out(0, "é€"))).toBe(5);
    expect(outputSize({ type: "display", runId: "r", block: 0, mime: "image/png", data: "QUJD" } as RunnerFrame)).toBe(
      4,
    );
    expect(outputSize({ type: "block-start", runId: "r", block: 0 } as RunnerFrame)).toBe(0);
  });
});
