// Server-side cost of one edit fanned out to many editors, in process, with no network: one
// editor's change is received, stored and sent to every other editor, and their acknowledgements
// are received, for 2, 10 and 50 editors of a 10 KB document. Every editor is a real Automerge
// replica in this process; only the server's calls are timed. BENCH_PYMD_ROOT=/path runs another
// checkout's code (before/after). Prints figures; never fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, collabModules, fmt, summary } from "./bench-kit.ts";

const { root, openServices, silentLogger, SyncStore, A, CollabDocuments, decodeBinaryFrame } = await collabModules();

type Doc = { content: string };
const turn = () => new Promise<void>((r) => setImmediate(r));
const EDITS = Number(process.env.BENCH_EDITS ?? 100);
console.log(
  `collaboration, one edit fanned out (in process${root !== ROOT ? `, code from ${root}` : ""}; 10 KB document, ${EDITS} edits, authors taking turns)`,
);
for (const n of (process.env.BENCH_EDITORS ?? "2,10,50").split(",").map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), "pymd-bench-fanout-"));
  const s = openServices(dir);
  const u = await s.accounts.addUser("ann", "a long enough password", "user");
  const id = s.documents.create(u, { title: "x", content: "# line of text\n".repeat(10_000 / 15) }).id;
  const collab = new CollabDocuments(new SyncStore(s.db), {
    log: silentLogger,
    maxTextBytes: 5 * 1024 * 1024,
    usernameOf: () => null,
  });
  const inbox: Uint8Array[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++)
    collab.join(id, {
      id: `p${i}`,
      userId: u.id,
      username: "ann",
      sendBinary: (f: Uint8Array) => void inbox[i]!.push(f),
      send: () => {},
    } as never);
  await turn();
  const server = (collab as unknown as { docs: Map<string, { doc: never }> }).docs.get(id)!.doc;
  const peers = Array.from({ length: n }, () => ({ doc: A.clone<Doc>(server), sync: A.initSyncState() }));
  let serverMs = 0;
  const timed = (f: () => void) => {
    const t0 = performance.now();
    f();
    serverMs += performance.now() - t0;
  };
  const self = collab as unknown as { flush(o: unknown): void };
  const flush = self.flush.bind(collab);
  self.flush = (o: unknown) => timed(() => flush(o));
  // every peer answers what it received and sends what it has, until nobody has anything to say
  const settle = async () => {
    for (let round = 0; round < 20; round++) {
      let said = false;
      for (let i = 0; i < n; i++) {
        const p = peers[i]!;
        for (const f of inbox[i]!.splice(0)) {
          const d = decodeBinaryFrame(f);
          if (!("error" in d) && d.type === "sync") [p.doc, p.sync] = A.receiveSyncMessage(p.doc, p.sync, d.message);
        }
        const [s2, m] = A.generateSyncMessage(p.doc, p.sync);
        p.sync = s2;
        if (m) {
          said = true;
          timed(() => collab.receiveSync(id, `p${i}`, m, "owner"));
        }
      }
      await turn();
      await turn();
      if (!said && inbox.every((b) => b.length === 0)) return;
    }
  };
  await settle();
  const perEdit: number[] = [];
  for (let e = 0; e < EDITS; e++) {
    const a = peers[e % n]!;
    a.doc = A.change(a.doc, (d) => A.splice(d, ["content"], (e * 97) % 1000, 0, "x"));
    serverMs = 0;
    await settle();
    perEdit.push(serverMs);
  }
  const want = peers[0]!.doc.content;
  const now = (collab as unknown as { docs: Map<string, { doc: Doc }> }).docs.get(id)!.doc.content;
  const same = now === want && peers.every((p) => p.doc.content === want);
  const r = summary(perEdit);
  console.log(
    `  ${String(n).padStart(2)} editors: server time per edit p50 ${fmt(r.p50)} (p99 ${fmt(r.p99)})${same ? "" : "  (replicas differ!)"}`,
  );
  collab.closeAll();
  s.db.close();
  rmSync(dir, { recursive: true, force: true });
}
