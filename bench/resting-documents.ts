// Server memory for documents held open by idle tabs: 200 documents of 10 KB are opened one after
// another, each joined by a connection that then stays quiet, in a fresh process per mode: with
// resting (every document left alone for the rest time rests as its saved bytes) and without.
// Prints figures; never fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const N = Number(process.env.BENCH_DOCS ?? 200);
if (process.argv[2] === "child") {
  const rest = process.argv[3] === "rest";
  const { openServices } = await import("../server/app.ts");
  const { silentLogger } = await import("../server/log/logger.ts");
  const { SyncStore } = await import("../server/store/sync-store.ts");
  const { loadAutomerge } = await import("../server/sync/automerge.ts");
  const { CollabDocuments } = await import("../server/sync/collab-documents.ts");
  await loadAutomerge();
  const dir = mkdtempSync(join(tmpdir(), "pymd-bench-rest-"));
  const s = openServices(dir);
  const u = await s.accounts.addUser("ann", "a long enough password", "user");
  const collab = new CollabDocuments(new SyncStore(s.db), {
    log: silentLogger,
    maxTextBytes: 5 * 1024 * 1024,
    usernameOf: () => null,
    restMs: 3_600_000,
  });
  const rss = () => process.memoryUsage().rss / 1e6;
  Bun.gc(true);
  const before = rss();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const id = s.documents.create(u, { title: `d${i}`, content: `# line ${i} of text\n`.repeat(10_000 / 20) }).id;
    collab.join(id, { id: `p${i}`, userId: u.id, username: "ann", sendBinary: () => {}, send: () => {} } as never);
    await new Promise((r) => setImmediate(r));
    // the documents opened so far have been left alone for the rest time
    if (rest) collab.restIdle(Date.now() + 3_600_000);
  }
  const openMs = performance.now() - t0;
  Bun.gc(true);
  const after = rss();
  // the first use of a resting document loads it again: an anchor needs its Automerge copy
  const ids = s.documents.list(u, { limit: "20" }).documents.map((d: { id: string }) => d.id);
  const wakes: number[] = [];
  for (const id of ids) {
    const w0 = performance.now();
    collab.anchorAt(id, 0, 1);
    wakes.push(performance.now() - w0);
  }
  wakes.sort((a, b) => a - b);
  const wakeMs = wakes[Math.floor(wakes.length / 2)] ?? 0;
  console.log(
    JSON.stringify({
      rest,
      before,
      after,
      perDocKb: ((after - before) * 1024) / N,
      openMs,
      wakeMs,
      resting: collab.restingCount,
    }),
  );
  collab.closeAll();
  s.db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

console.log(`${N} documents of 10 KB held open by a quiet connection each (one process per mode)`);
for (const mode of ["stay", "rest", "stay", "rest"]) {
  const p = Bun.spawn([process.execPath, import.meta.path, "child", mode], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const r = JSON.parse(out.trim().split("\n").at(-1)!);
  console.log(
    `  ${r.rest ? "resting  " : "in memory"}: server RSS ${r.before.toFixed(0)} → ${r.after.toFixed(0)} MB (+${r.perDocKb.toFixed(0)} KB per document), ${r.resting} resting; opening them took ${(r.openMs / 1000).toFixed(1)} s; first use of one afterwards: median ${r.wakeMs.toFixed(1)} ms`,
  );
}
