// What the host lets through of a run's output, block by block, as a small reducer: each frame the
// runner sends is either passed on, dropped (its block already reached its cap), replaced by one
// "truncated" notice (this frame takes the block over its cap), or ends the run (the bytes on the
// wire, escapes and framing included, went over the host's hard cap).
import type { RunnerFrame } from "../protocol/run-frames.ts";

/** What one block has sent so far. */
export interface BlockAccount {
  /** Bytes of output as the reader sees them (text, or a display's data). */
  logical: number;
  /** Bytes on the wire. */
  raw: number;
  truncated: boolean;
}

export interface OutputCaps {
  /** The per-block output a reader gets (--run-output). */
  logical: number;
  /** The wire bytes a block may send before the run is killed. */
  raw: number;
}

export type Verdict =
  | { kind: "pass" }
  | { kind: "drop" }
  | { kind: "truncate"; limitBytes: number }
  | { kind: "kill"; message: string };

/** The bytes of output a frame shows a reader. */
export function outputSize(f: RunnerFrame): number {
  if (f.type === "stdout" || f.type === "stderr") return Buffer.byteLength(f.text);
  if (f.type === "display") return f.data.length;
  return 0;
}

/** Accounts one frame of `block` that took `rawBytes` on the wire, and says what to do with it. */
export function accountFrame(
  accounts: Map<number, BlockAccount>,
  block: number,
  f: RunnerFrame,
  rawBytes: number,
  caps: OutputCaps,
): Verdict {
  let acct = accounts.get(block);
  if (!acct) accounts.set(block, (acct = { logical: 0, raw: 0, truncated: false }));
  acct.raw += rawBytes;
  if (acct.raw > caps.raw)
    return { kind: "kill", message: `the run was killed: block output went over the host's ${caps.raw}-byte cap` };
  switch (f.type) {
    case "truncated":
      // the runner's own notice: once per block, whoever noticed first
      if (acct.truncated) return { kind: "drop" };
      acct.truncated = true;
      return { kind: "pass" };
    case "stdout":
    case "stderr":
    case "display":
      if (acct.truncated) return { kind: "drop" };
      acct.logical += outputSize(f);
      if (acct.logical > caps.logical) {
        acct.truncated = true;
        return { kind: "truncate", limitBytes: caps.logical };
      }
      return { kind: "pass" };
    default:
      return { kind: "pass" };
  }
}
