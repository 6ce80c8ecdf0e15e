// The binary collaboration frames: snapshot parts round-trip through the cap, and the sync state
// built from heads is the one Automerge itself encodes.
import { describe, expect, test } from "bun:test";
import { A, loadAutomerge } from "./automerge.ts";
import {
  decodeBinaryFrame,
  encodeSnapshotFrames,
  encodeSnapshotRequest,
  encodeSyncFrame,
  SnapshotParts,
  syncStateAtHeads,
} from "../../protocol/collab-frames.ts";

await loadAutomerge();
const DOC = "abcdefghijklmnop";

describe("collab frames", () => {
  test("a snapshot over the frame cap travels in parts and is put back together", () => {
    const saved = crypto.getRandomValues(new Uint8Array(10_000));
    const frames = encodeSnapshotFrames(DOC, saved, 1024);
    expect(frames.length).toBe(10);
    expect(frames.every((f) => f.length <= 1024)).toBe(true);
    const parts = new SnapshotParts();
    let whole: Uint8Array | null = null;
    for (const f of frames) {
      const d = decodeBinaryFrame(f);
      if ("error" in d || d.type !== "snapshot") throw new Error("not a snapshot frame");
      expect(whole).toBeNull();
      whole = parts.add(d);
    }
    expect(whole).toEqual(saved);
    // A part out of order abandons the snapshot rather than splicing two together.
    const again = new SnapshotParts();
    const d0 = decodeBinaryFrame(frames[0]!) as { part: number; parts: number; data: Uint8Array };
    const d2 = decodeBinaryFrame(frames[2]!) as { part: number; parts: number; data: Uint8Array };
    expect(again.add(d0)).toBeNull();
    expect(again.add(d2)).toBeNull();
  });

  test("the frame cap is the receiver's choice; a snapshot request carries nothing", () => {
    const big = encodeSyncFrame(DOC, new Uint8Array(5 * 1024 * 1024));
    expect(decodeBinaryFrame(big, 4 * 1024 * 1024)).toEqual({ error: "frame too large" });
    expect((decodeBinaryFrame(big) as { type: string }).type).toBe("sync");
    expect(decodeBinaryFrame(encodeSnapshotRequest(DOC))).toEqual({ type: "snapshot-request", doc: DOC });
    const padded = new Uint8Array(18);
    padded.set(encodeSnapshotRequest(DOC));
    expect("error" in decodeBinaryFrame(padded)).toBe(true);
  });

  test("a sync state at given heads encodes as Automerge's own", () => {
    const base = A.from<{ content: string }>({ content: "x" });
    const y = A.change(A.clone(base, "aaaa"), (d) => A.splice(d, ["content"], 0, 0, "y"));
    const z = A.change(A.clone(base, "bbbb"), (d) => A.splice(d, ["content"], 1, 0, "z"));
    let a = A.merge(A.merge(A.clone(base, "cccc"), y), z);
    let b = A.init<{ content: string }>();
    let sa = A.initSyncState();
    let sb = A.initSyncState();
    for (let i = 0; i < 5; i++) {
      let m: Uint8Array | null;
      [sa, m] = A.generateSyncMessage(a, sa);
      if (m) [b, sb] = A.receiveSyncMessage(b, sb, m);
      [sb, m] = A.generateSyncMessage(b, sb);
      if (m) [a, sa] = A.receiveSyncMessage(a, sa, m);
    }
    expect(A.getHeads(a).length).toBeGreaterThan(1);
    expect(syncStateAtHeads(A.getHeads(a))).toEqual(A.encodeSyncState(sa));
  });
});
