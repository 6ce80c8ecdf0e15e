// Server-side cost of one edit in the collaboration layer, in process, with no network: an editor's
// sync message applied (receiveSync) and the flush that stores it and answers the peers, on a
// 10 KB and a 1 MB document. BENCH_PYMD_ROOT=/path runs another checkout's code (before/after).
// Prints figures; never fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, collabModules, fmt, summary } from "./bench-kit.ts";

const { root, openServices, silentLogger, SyncStore, A, CollabDocuments, decodeBinaryFrame } = await collabModules();

const turn = () => new Promise<void>((r) => setImmediate(r));
const EDITS = Number(process.env.BENCH_EDITS ?? 200);
console.log(
  `collaboration, one edit on the server (in process${root !== ROOT ? `, code from ${root}` : ""}; 2 peers, ${EDITS} edits)`,
);
for (const bytes of [10_000, 1_000_000]) {
  const dir = mkdtempSync(join(tmpdir(), "pymd-bench-edit-"));
  const s = openServices(dir);
  const u = await s.accounts.addUser("ann", "a long enough password", "user");
  const id = s.documents.create(u, { title: "x", content: "# line of text\n".repeat(bytes / 15) }).id;
  const collab = new CollabDocuments(new SyncStore(s.db), {
    log: silentLogger,
    maxTextBytes: 5 * 1024 * 1024,
    usernameOf: () => null,
  });
  const frames: (Uint8Array | null)[] = [null, null];
  const peers = [0, 1].map((i) => ({
    id: `p${i}`,
    userId: u.id,
    username: "ann",
    sendBinary: (f: Uint8Array) => void (frames[i] = f),
    send: () => {},
  }));
  for (const p of peers) collab.join(id, p);
  await turn();
  // The editor starts from the server's own copy, then settles the sync conversation.
  let doc = A.clone<{ content: string }>(
    (collab as unknown as { docs: Map<string, { doc: never }> }).docs.get(id)!.doc,
  );
  let sync = A.initSyncState();
  const exchange = async (): Promise<number> => {
    const [s2, m] = A.generateSyncMessage(doc, sync);
    sync = s2;
    let t = 0;
    if (m) {
      const t0 = performance.now();
      collab.receiveSync(id, "p0", m, "owner");
      t = performance.now() - t0;
    }
    await turn();
    await turn();
    const f = frames[0];
    frames[0] = null;
    if (f) {
      const d = decodeBinaryFrame(f);
      if (!("error" in d) && d.type === "sync") [doc, sync] = A.receiveSyncMessage(doc, sync, d.message);
    }
    return t;
  };
  for (let i = 0; i < 5; i++) await exchange();
  const self = collab as unknown as { flush(o: unknown): void };
  const flush = self.flush.bind(collab);
  const flushes: number[] = [];
  self.flush = (o: unknown) => {
    const t0 = performance.now();
    flush(o);
    flushes.push(performance.now() - t0);
  };
  const receives: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    doc = A.change(doc, (d) => A.splice(d, ["content"], (i * 97) % 1000, 0, "x"));
    receives.push(await exchange());
  }
  const r = summary(receives);
  const f = summary(flushes.length ? flushes : [0]);
  console.log(
    `  ${bytes === 10_000 ? "10 KB" : "1 MB "} document: receiveSync p50 ${fmt(r.p50)} (p99 ${fmt(r.p99)}), flush p50 ${fmt(f.p50)} (p99 ${fmt(f.p99)}) per edit`,
  );
  collab.closeAll();
  s.db.close();
  rmSync(dir, { recursive: true, force: true });
}
