// Shared sync answers give every peer exactly what Automerge would have given it alone, and never
// one peer's answer to a peer in another state or at other heads.
import { beforeAll, describe, expect, test } from "bun:test";
import { A, loadAutomerge } from "./automerge.ts";
import { SyncAnswers, syncStateKey } from "./sync-answers.ts";

type Doc = { content: string };
beforeAll(loadAutomerge);

/** A server copy and `n` replicas, each with the server's sync state for it, all in step. */
function setup(n: number) {
  let server = A.from<Doc>({ content: "hello world" });
  const peers = Array.from({ length: n }, () => ({
    doc: A.init<Doc>(),
    mine: A.initSyncState(),
    theirs: A.initSyncState(),
  }));
  for (let round = 0; round < 6; round++)
    for (const p of peers) {
      const [s1, m1] = A.generateSyncMessage(server, p.theirs);
      p.theirs = s1;
      if (m1) [p.doc, p.mine] = A.receiveSyncMessage(p.doc, p.mine, m1);
      const [s2, m2] = A.generateSyncMessage(p.doc, p.mine);
      p.mine = s2;
      if (m2) [server, p.theirs] = A.receiveSyncMessage(server, p.theirs, m2);
    }
  return { server, peers, set: (d: A.Doc<Doc>) => (server = d) };
}

const heads = (d: A.Doc<Doc>) => A.getHeads(d).join(",");

describe("shared sync answers", () => {
  test("peers in step get Automerge's own answer, computed once", () => {
    const w = setup(4);
    const server = A.change(w.server, (d) => A.splice(d, ["content"], 0, 0, "¡"));
    const answers = new SyncAnswers();
    const alone = w.peers.map((p) => A.generateSyncMessage(server, p.theirs));
    const shared = w.peers.map((p) => answers.generate(server, heads(server), p.theirs));
    for (let i = 0; i < w.peers.length; i++) {
      expect(shared[i]![1]).toEqual(alone[i]![1]);
      expect(syncStateKey(shared[i]![0])).toBe(syncStateKey(alone[i]![0]));
    }
    expect(shared[1]).toBe(shared[0]!);
    // the answer carries the change: a replica that takes it has the new text
    const [doc] = A.receiveSyncMessage(w.peers[0]!.doc, w.peers[0]!.mine, shared[0]![1]!);
    expect(doc.content).toBe("¡hello world");
  });

  test("a peer in another state gets its own answer, and new heads forget the old answers", () => {
    const w = setup(3);
    let server = A.change(w.server, (d) => A.splice(d, ["content"], 5, 0, ","));
    const answers = new SyncAnswers();
    const [afterFirst, msg] = answers.generate(server, heads(server), w.peers[0]!.theirs);
    // peer 0 was sent the change and is now in another state than peers 1 and 2
    const again = answers.generate(server, heads(server), afterFirst);
    expect(again).toEqual(A.generateSyncMessage(server, afterFirst));
    expect(again[1]).not.toEqual(msg);
    server = A.change(server, (d) => A.splice(d, ["content"], 0, 0, ">"));
    const next = answers.generate(server, heads(server), w.peers[1]!.theirs);
    expect(next[1]).toEqual(A.generateSyncMessage(server, w.peers[1]!.theirs)[1]);
    const [doc] = A.receiveSyncMessage(w.peers[1]!.doc, w.peers[1]!.mine, next[1]!);
    expect(doc.content).toBe(">hello, world");
  });

  test("identical acknowledgements are taken in once; a message with changes is always applied", () => {
    const w = setup(3);
    const server = A.change(w.server, (d) => A.splice(d, ["content"], 11, 0, "!"));
    const answers = new SyncAnswers();
    const h = heads(server);
    const acks = w.peers.map((p) => {
      const [theirs, m] = answers.generate(server, h, p.theirs);
      const [doc, mine] = A.receiveSyncMessage(p.doc, p.mine, m!);
      const [mine2, ack] = A.generateSyncMessage(doc, mine);
      p.doc = doc;
      p.mine = mine2;
      return { theirs, ack: ack! };
    });
    expect(acks[1]!.ack).toEqual(acks[0]!.ack);
    const alone = acks.map((a) => A.receiveSyncMessage(A.clone(server), a.theirs, a.ack)[1]);
    let cur = server;
    const shared = acks.map((a) => {
      const given = cur;
      const out = answers.receive(cur, h, a.theirs, a.ack, false);
      cur = out[0];
      return { given, out };
    });
    for (let i = 0; i < acks.length; i++) expect(syncStateKey(shared[i]!.out[1])).toBe(syncStateKey(alone[i]!));
    // the second and third came from memory: the document handed back is the one given
    expect(shared[1]!.out[1]).toBe(shared[0]!.out[1]);
    expect(shared[2]!.out[0]).toBe(shared[2]!.given);
    expect(heads(cur)).toBe(h);
    // a peer's edit goes through Automerge every time
    const p = w.peers[2]!;
    const edited = A.change(p.doc, (d) => A.splice(d, ["content"], 0, 0, "#"));
    const [, withChange] = A.generateSyncMessage(edited, p.mine);
    const [doc] = answers.receive(cur, h, p.theirs, withChange!, true);
    expect(doc.content).toBe("#hello world!");
  });
});
