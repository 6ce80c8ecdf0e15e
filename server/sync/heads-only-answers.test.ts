// Answers worked out from the heads alone equal Automerge's own answers for the real document, and
// are refused wherever the real document could answer differently.
import { beforeAll, describe, expect, test } from "bun:test";
import { A, loadAutomerge } from "./automerge.ts";
import { generateAtHeads, receiveAtHeads } from "./heads-only-answers.ts";
import { syncStateKey } from "./sync-answers.ts";
import { syncStateAtHeads } from "../../protocol/collab-frames.ts";

type Doc = { content: string };
beforeAll(loadAutomerge);

/** A document with some history: `heads` concurrent branches on top of a few changes. */
function documentWith(heads: number): A.Doc<Doc> {
  let d = A.from<Doc>({ content: "one\ntwo\n" });
  d = A.change(d, (x) => A.splice(x, ["content"], 4, 0, "and "));
  if (heads === 1) {
    expect(A.getHeads(d).length).toBe(1);
    return d;
  }
  // merge takes changes into its first argument: every branch starts from the same bytes
  const base = A.save(d);
  for (let i = 0; i < heads; i++)
    d = A.merge(
      d,
      A.change(A.load<Doc>(base), (x) => A.splice(x, ["content"], 0, 0, `${i}`)),
    );
  expect(A.getHeads(d).length).toBe(heads);
  return d;
}

const same = (a: [A.SyncState, Uint8Array | null], b: [A.SyncState, Uint8Array | null]) => {
  expect(syncStateKey(a[0])).toBe(syncStateKey(b[0]));
  expect(a[1] === null ? null : [...a[1]]).toEqual(b[1] === null ? null : [...b[1]]);
};

describe("answers from the heads alone", () => {
  for (const n of [1, 2, 3])
    test(`a quiet peer's whole conversation at ${n} head(s) is answered exactly as Automerge answers it`, () => {
      const server = documentWith(n);
      const heads = A.getHeads(server);
      // the peer took a snapshot: both sides start at its heads
      let peer = A.load<Doc>(A.save(server));
      let peerState = A.decodeSyncState(syncStateAtHeads(heads));
      let real = A.decodeSyncState(syncStateAtHeads(heads));
      let fromHeads = A.decodeSyncState(syncStateAtHeads(heads));
      let rounds = 0;
      for (let round = 0; round < 4; round++) {
        const a = A.generateSyncMessage(server, real);
        const b = generateAtHeads(heads, fromHeads);
        expect(b).toBeDefined();
        same(b!, a);
        [real, fromHeads] = [a[0], b![0]];
        if (a[1]) [peer, peerState] = A.receiveSyncMessage(peer, peerState, a[1]);
        const [ps, reply] = A.generateSyncMessage(peer, peerState);
        peerState = ps;
        if (!reply) continue;
        rounds++;
        const decoded = A.decodeSyncMessage(reply);
        const took = receiveAtHeads(heads, fromHeads, reply, decoded);
        const [after, realAfter] = A.receiveSyncMessage(server, real, reply);
        expect(took).toBeDefined();
        expect(syncStateKey(took!)).toBe(syncStateKey(realAfter));
        expect(A.getHeads(after)).toEqual(heads);
        [real, fromHeads] = [realAfter, took!];
      }
      expect(rounds).toBeGreaterThan(0);
      // in step at the end: neither side has anything more to say
      expect(A.generateSyncMessage(server, real)[1]).toBeNull();
      expect(generateAtHeads(heads, fromHeads)![1]).toBeNull();
    });

  test("a newcomer without the heads, a peer ahead, a change and a request are left to Automerge", () => {
    const server = documentWith(1);
    const heads = A.getHeads(server);
    // a newcomer is told about every change (a Bloom filter of them): that depends on the history
    expect(generateAtHeads(heads, A.initSyncState())).toBeUndefined();
    // a peer that has a change the server lacks
    let ahead = A.load<Doc>(A.save(server));
    ahead = A.change(ahead, (x) => A.splice(x, ["content"], 0, 0, "!"));
    const [, announce] = A.generateSyncMessage(ahead, A.decodeSyncState(syncStateAtHeads(heads)));
    const withChange = A.encodeSyncMessage({
      ...A.decodeSyncMessage(announce!),
      changes: [A.getLastLocalChange(ahead)!],
    });
    const decoded = A.decodeSyncMessage(withChange);
    expect(decoded.changes.length).toBe(1);
    expect(receiveAtHeads(heads, A.decodeSyncState(syncStateAtHeads(heads)), withChange, decoded)).toBeUndefined();
    // the same peer's heads without the change: still a hash the server does not hold
    const bare = A.encodeSyncMessage({ ...decoded, changes: [] });
    expect(
      receiveAtHeads(heads, A.decodeSyncState(syncStateAtHeads(heads)), bare, A.decodeSyncMessage(bare)),
    ).toBeUndefined();
    // a peer that asks for a change by its hash
    const need = A.encodeSyncMessage({ ...A.decodeSyncMessage(bare), heads, need: heads, have: [] });
    expect(
      receiveAtHeads(heads, A.decodeSyncState(syncStateAtHeads(heads)), need, A.decodeSyncMessage(need)),
    ).toBeUndefined();
    // a state that remembers older heads than the document's
    const older = A.getHeads(A.from<Doc>({ content: "x" }));
    expect(generateAtHeads(heads, A.decodeSyncState(syncStateAtHeads(older)))).toBeUndefined();
  });

  test("one document's answer is never another's: the hashes in the answer are each document's own", () => {
    const a = documentWith(1);
    const b = A.from<Doc>({ content: "something else entirely" });
    for (const d of [a, b]) {
      const heads = A.getHeads(d);
      const state = A.decodeSyncState(syncStateAtHeads(heads));
      same(generateAtHeads(heads, state)!, A.generateSyncMessage(d, state));
    }
  });
});
