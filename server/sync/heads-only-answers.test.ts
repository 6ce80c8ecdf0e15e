// Answers worked out from the heads alone equal Automerge's own answers for the real document, and
// are refused wherever the real document could answer differently.
import { beforeAll, describe, expect, test } from "bun:test";
import { A, loadAutomerge } from "./automerge.ts";
import { generateAtHeads, receiveAcknowledgement, receiveAtHeads } from "./heads-only-answers.ts";
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

  test("acknowledgements in a random session of editors are taken in exactly as Automerge takes them", () => {
    // a small deterministic random source
    let seed = 7;
    const rand = (n: number) => (((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) + n) % n;
    const canon = (s: A.SyncState) =>
      JSON.stringify(JSON.parse(syncStateKey(s)), Object.keys(JSON.parse(syncStateKey(s))).sort());
    let server = A.from<Doc>({ content: "start\n" });
    const peers = Array.from({ length: 4 }, () => ({
      doc: A.load<Doc>(A.save(server)),
      mine: A.initSyncState(),
      theirs: A.initSyncState(),
      toServer: [] as Uint8Array[],
      fromServer: [] as Uint8Array[],
    }));
    let taken = 0;
    // as the server does: whoever has news after a message gets it
    const tellEveryone = () => {
      for (const q of peers) {
        const [s2, out] = A.generateSyncMessage(server, q.theirs);
        q.theirs = s2;
        if (out) q.fromServer.push(out);
      }
    };
    for (let step = 0; step < 3000; step++) {
      const p = peers[rand(peers.length)]!;
      // edits are rarer than messages, as with people typing
      switch (rand(20) === 0 ? 0 : 1 + rand(3)) {
        case 0:
          p.doc = A.change(p.doc, (x) => A.splice(x, ["content"], rand(x.content.length + 1), 0, `${step % 10}`));
          break;
        case 1: {
          const [s1, m] = A.generateSyncMessage(p.doc, p.mine);
          p.mine = s1;
          if (m) p.toServer.push(m);
          break;
        }
        case 2: {
          const m = p.toServer.shift();
          if (!m) break;
          const decoded = A.decodeSyncMessage(m);
          const fast = receiveAcknowledgement(A.getHeads(server), p.theirs, decoded);
          const [next, real] = A.receiveSyncMessage(server, p.theirs, m);
          server = next;
          if (fast) {
            taken++;
            expect(canon(fast)).toBe(canon(real));
            // what Automerge says next from either state is the same, byte for byte
            const a = A.generateSyncMessage(server, fast);
            const b = A.generateSyncMessage(server, real);
            expect(a[1] === null ? null : [...a[1]]).toEqual(b[1] === null ? null : [...b[1]]);
            expect(canon(a[0])).toBe(canon(b[0]));
            p.theirs = fast;
          } else p.theirs = real;
          tellEveryone();
          break;
        }
        case 3: {
          const m = p.fromServer.shift();
          if (m) [p.doc, p.mine] = A.receiveSyncMessage(p.doc, p.mine, m);
          break;
        }
      }
    }
    // everything delivered: all converge, acknowledgements included
    for (let round = 0; round < 20; round++)
      for (const p of peers) {
        for (const m of p.fromServer.splice(0)) [p.doc, p.mine] = A.receiveSyncMessage(p.doc, p.mine, m);
        const [s1, m] = A.generateSyncMessage(p.doc, p.mine);
        p.mine = s1;
        if (m) p.toServer.push(m);
        for (const x of p.toServer.splice(0)) {
          const fast = receiveAcknowledgement(A.getHeads(server), p.theirs, A.decodeSyncMessage(x));
          const [next, real] = A.receiveSyncMessage(server, p.theirs, x);
          server = next;
          if (fast) expect(canon(fast)).toBe(canon(real));
          p.theirs = fast ?? real;
          tellEveryone();
        }
      }
    expect(new Set(peers.map((p) => p.doc.content))).toEqual(new Set([server.content]));
    expect(taken).toBeGreaterThan(20);
    // a message with changes, one that needs something and one at other heads are not acknowledgements
    const p = peers[0]!;
    p.doc = A.change(p.doc, (x) => A.splice(x, ["content"], 0, 0, "!"));
    const [, withNews] = A.generateSyncMessage(p.doc, p.mine);
    expect(receiveAcknowledgement(A.getHeads(server), p.theirs, A.decodeSyncMessage(withNews!))).toBeUndefined();
    const heads = A.getHeads(server);
    const needing = A.decodeSyncMessage(A.encodeSyncMessage({ heads, need: heads, have: [], changes: [] }));
    expect(receiveAcknowledgement(heads, p.theirs, needing)).toBeUndefined();
    // heads that are not the document's list as it is: another order, or one head twice
    const two = documentWith(2);
    const [h0, h1] = A.getHeads(two) as [string, string];
    const at = (hs: string[]) =>
      A.decodeSyncMessage(A.encodeSyncMessage({ heads: hs, need: [], have: [], changes: [] }));
    expect(receiveAcknowledgement([h0, h1], A.initSyncState(), at([h0, h1]))).toBeDefined();
    expect(receiveAcknowledgement([h0, h1], A.initSyncState(), at([h1, h0]))).toBeUndefined();
    expect(receiveAcknowledgement([h0, h1], A.initSyncState(), at([h0, h0]))).toBeUndefined();
    // thousands of Automerge calls: slow on a loaded machine, so the time limit is generous
  }, 300_000);
});
