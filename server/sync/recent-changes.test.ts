// Answers built from the recent changes equal Automerge's own, byte for byte and state for state,
// through random sessions of editors (concurrent edits, batched changes, reconnects, changes made
// on the server, reloads); and they are refused where the recent changes cannot tell.
import { beforeAll, describe, expect, test } from "bun:test";
import { A, loadAutomerge } from "./automerge.ts";
import { bloomOf, bloomReader, generateFromRecent, RecentChanges } from "./recent-changes.ts";
import { syncStateKey } from "./sync-answers.ts";
import { splitChunks, decodeChunk } from "./change-chunks.ts";

type Doc = { content: string };
beforeAll(loadAutomerge);

/** A sync state as one string with every object's keys in order (sent hashes are a set). */
function canon(s: A.SyncState): string {
  const sortDeep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortDeep);
    if (v && typeof v === "object")
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(sortDeep(JSON.parse(syncStateKey(s))));
}

/** What the server does with a message: takes it in, and records the changes it did not hold. */
function receive(
  server: A.Doc<Doc>,
  recent: RecentChanges,
  state: A.SyncState,
  message: Uint8Array,
): [A.Doc<Doc>, A.SyncState] {
  const decoded = A.decodeSyncMessage(message);
  const chunks = splitChunks(decoded.changes);
  const changes = chunks.every((c) => c.type === "change") ? chunks.flatMap(decodeChunk) : null;
  const fresh = changes?.filter((c) => !A.hasHeads(server, [c.hash!])) ?? null;
  const before = A.getHeads(server);
  const [doc, next] = A.receiveSyncMessage(server, state, message);
  const after = A.getHeads(doc);
  if (A.getMissingDeps(doc, []).length > 0) recent.reset(after, false);
  else if (before.join() !== after.join()) {
    if (fresh)
      recent.record(
        fresh.map((c) => ({ hash: c.hash!, deps: c.deps })),
        (h) => A.getBackend(doc).getChangeByHash(h),
        after,
      );
    else recent.reset(after);
  }
  return [doc, next];
}

describe("Bloom filters", () => {
  test("are made as Automerge makes them and hold what was put in", () => {
    let d = A.from<Doc>({ content: "x" });
    const peer = A.load<Doc>(A.save(d));
    // a peer in sync at the first change, then the document moves on by 1, 2, … changes
    let s = A.initSyncState();
    let ps = A.initSyncState();
    let p = peer;
    for (let i = 0; i < 4; i++) {
      let m: Uint8Array | null;
      [s, m] = A.generateSyncMessage(d, s);
      if (m) [p, ps] = A.receiveSyncMessage(p, ps, m);
      [ps, m] = A.generateSyncMessage(p, ps);
      if (m) [d, s] = A.receiveSyncMessage(d, s, m);
    }
    const shared = A.getHeads(d);
    const hashes: string[] = [];
    for (let n = 1; n <= 12; n++) {
      d = A.change(d, (x) => A.splice(x, ["content"], 0, 0, `${n}`));
      hashes.push(A.getHeads(d)[0]!);
      const [, m] = A.generateSyncMessage(d, A.decodeSyncState(A.encodeSyncState(s)));
      const have = A.decodeSyncMessage(m!).have[0]!;
      expect(have.lastSync).toEqual(shared);
      expect([...bloomOf(hashes)]).toEqual([...have.bloom]);
      const has = bloomReader(have.bloom)!;
      for (const h of hashes) expect(has(h)).toBe(true);
    }
    expect(bloomOf([]).length).toBe(0);
    expect(bloomReader(new Uint8Array(0))!(hashes[0]!)).toBe(false);
    // bytes that are not a filter are not read
    expect(bloomReader(Uint8Array.from([5, 10]))).toBeNull();
    expect(bloomReader(Uint8Array.from([1, 10, 7, 1]))).toBeNull();
  });
});

describe("answers from the recent changes", () => {
  for (const seedStart of [3, 11, 29]) {
    test(`equal Automerge's in a random session of editors (seed ${seedStart})`, () => {
      // xorshift: a small deterministic random source whose successive draws are not correlated
      let seed = seedStart;
      const rand = (n: number) => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      let server = A.from<Doc>({ content: "start\n" });
      let recent = new RecentChanges(A.getHeads(server));
      const peers = Array.from({ length: 5 }, () => ({
        doc: A.load<Doc>(A.save(server)),
        mine: A.initSyncState(),
        theirs: A.initSyncState(),
        toServer: [] as Uint8Array[],
        fromServer: [] as Uint8Array[],
      }));
      let built = 0;
      let refused = 0;
      const answer = (q: (typeof peers)[number]) => {
        const heads = A.getHeads(server);
        const fast = generateFromRecent(recent, heads, q.theirs, (h) => A.hasHeads(server, [h]));
        const real = A.generateSyncMessage(server, q.theirs);
        if (fast) {
          built++;
          expect(fast[1] === null ? null : [...fast[1]]).toEqual(real[1] === null ? null : [...real[1]]);
          expect(canon(fast[0])).toBe(canon(real[0]));
        } else refused++;
        // the next answer starts from the fast state when there was one: both must stay usable
        q.theirs = fast ? fast[0] : real[0];
        const out = fast ? fast[1] : real[1];
        if (out) q.fromServer.push(out);
      };
      for (let step = 0; step < 2500; step++) {
        const p = peers[rand(peers.length)]!;
        switch (rand(400) === 0 ? 4 + rand(3) : rand(4)) {
          case 0: {
            // an edit, sometimes several before the next message (they travel together)
            for (let k = 1 + (rand(4) === 0 ? rand(3) : 0); k > 0; k--)
              p.doc = A.change(p.doc, (x) =>
                rand(5) === 0 && x.content.length > 2
                  ? A.splice(x, ["content"], rand(x.content.length - 1), 1, "")
                  : A.splice(x, ["content"], rand(x.content.length + 1), 0, `${step % 10}`),
              );
            break;
          }
          case 1: {
            const [s1, m] = A.generateSyncMessage(p.doc, p.mine);
            p.mine = s1;
            if (m) p.toServer.push(m);
            break;
          }
          case 2: {
            const m = p.toServer.shift();
            if (!m) break;
            [server, p.theirs] = receive(server, recent, p.theirs, m);
            for (const q of peers) answer(q);
            break;
          }
          case 3: {
            const m = p.fromServer.shift();
            if (m) [p.doc, p.mine] = A.receiveSyncMessage(p.doc, p.mine, m);
            break;
          }
          case 4: {
            // the peer reconnects: both sides start a new conversation
            p.mine = A.initSyncState();
            p.theirs = A.initSyncState();
            p.toServer = [];
            p.fromServer = [];
            break;
          }
          case 5: {
            // a change made on the server (a REST write): the recent changes start again
            server = A.change(server, (x) => A.splice(x, ["content"], 0, 0, "+"));
            recent.reset(A.getHeads(server));
            for (const q of peers) answer(q);
            break;
          }
          case 6: {
            // the server loads the document again (a resting document wakes)
            server = A.load<Doc>(A.save(server));
            recent = new RecentChanges(A.getHeads(server));
            break;
          }
        }
      }
      // everything delivered: all converge
      for (let round = 0; round < 30; round++)
        for (const p of peers) {
          for (const m of p.fromServer.splice(0)) [p.doc, p.mine] = A.receiveSyncMessage(p.doc, p.mine, m);
          const [s1, m] = A.generateSyncMessage(p.doc, p.mine);
          p.mine = s1;
          if (m) p.toServer.push(m);
          for (const x of p.toServer.splice(0)) {
            [server, p.theirs] = receive(server, recent, p.theirs, x);
            for (const q of peers) answer(q);
          }
        }
      expect(new Set(peers.map((p) => p.doc.content))).toEqual(new Set([server.content]));
      // many answers are built without Automerge; some (a newcomer, concurrent edits the window
      // cannot place) are not
      expect(built).toBeGreaterThan(300);
      expect(refused).toBeGreaterThan(0);
    }, 300_000);
  }

  test("are refused where the recent changes cannot tell", () => {
    let server = A.from<Doc>({ content: "abc" });
    const recent = new RecentChanges(A.getHeads(server));
    // a newcomer (nothing shared yet) is Automerge's to answer
    expect(generateFromRecent(recent, A.getHeads(server), A.initSyncState())).toBeUndefined();
    // heads the window has not seen
    const other = A.change(A.clone(server), (x) => A.splice(x, ["content"], 0, 0, "z"));
    expect(generateFromRecent(recent, A.getHeads(other), A.initSyncState())).toBeUndefined();
    // changes applied out of the order they came in, or heads that do not follow: it starts again
    server = A.change(server, (x) => A.splice(x, ["content"], 0, 0, "1"));
    const h1 = A.getHeads(server)[0]!;
    recent.record([{ hash: h1, deps: ["00".repeat(32)] }], () => new Uint8Array([1]), ["ff".repeat(32)]);
    expect(recent.isAt(["ff".repeat(32)])).toBe(true);
    expect(recent.knows(h1)).toBe(false);
    expect(recent.since(["ff".repeat(32)])).toEqual([]);
  });
});
