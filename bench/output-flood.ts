// Output floods: a block printing a 1 MiB list over a few seconds while a person watches it run —
// GET /api/v1/health latency (max, p99) throughout, until the last cell update arrived, the server's RSS (start, peak, end), the cell
// updates sent and how the output arrived; then three edit-and-run rounds of 5 blocks × 1 MB — the
// stored rows and bytes (from the SQLite file) and the RSS of three anonymous GETs of its public page.
// The server runs in this process (startTestServer) with a real jail.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { DATABASE_FILE } from "../server/store/database.ts";
import { startTestServer } from "../server/testing/test-server.ts";
import { Peer } from "../server/testing/ws-peer.ts";
import { fmt, summary } from "./bench-kit.ts";

const MB = 1024 * 1024;
const rss = () => process.memoryUsage().rss / MB;
const block = (code: string) => `# \`\`\`\n${code}\n# \`\`\``;
const source = (...codes: string[]) => ["# # Flood", ...codes.map(block), ""].join("\n");

const srv = await startTestServer({ runTimeoutSeconds: 120, runTotalTimeoutSeconds: 300 });
const alice = await srv.userClient("alice");
const peer = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
await peer.next("hello");

async function openDoc(content: string): Promise<string> {
  const id = (await alice.json("POST", "/api/v1/documents", { title: "Flood", content })).body.id as string;
  peer.send({ t: "join", doc: id });
  await peer.next("joined", (m) => m.doc === id);
  return id;
}

/** Runs the document while health is polled every 20 ms and RSS sampled; the figures of that run. */
async function measuredRun(doc: string) {
  const lat: number[] = [];
  let peak = rss();
  const start = peak;
  let cells = 0;
  let lastHtml = 0;
  let lastCellAt = performance.now();
  const onMessage = (e: MessageEvent) => {
    const m = JSON.parse(String(e.data));
    if (m.t === "cell" && m.doc === doc) {
      cells++;
      lastHtml = m.cell.html.length;
      lastCellAt = performance.now();
    }
  };
  peer.ws.addEventListener("message", onMessage as never);
  let running = true;
  const poll = (async () => {
    while (running) {
      const t0 = performance.now();
      const r = await fetch(srv.url + "/api/v1/health");
      await r.arrayBuffer();
      lat.push(performance.now() - t0);
      peak = Math.max(peak, rss());
      await Bun.sleep(20);
    }
  })();
  const t0 = performance.now();
  peer.send({ t: "run", doc, scope: "all" });
  const fin = await peer.next("run-finished", (m) => m.doc === doc, 600_000);
  const took = performance.now() - t0;
  // cells rendered after run-finished count too: measured until none came for 2 s
  while (performance.now() - lastCellAt < 2000) await Bun.sleep(100);
  const lastCell = lastCellAt - t0;
  running = false;
  await poll;
  peer.ws.removeEventListener("message", onMessage as never);
  return { fin, took, lastCell, lat: summary(lat), start, peak, end: rss(), cells, lastHtml };
}

console.log(
  "a block printing a 1 MiB list over about 2.5 s (75 lines of about 16 KB, --run-output 1024 KiB), one watcher:",
);
{
  const doc = await openDoc(
    source("import time\nfor i in range(75):\n    print(list(range(i * 2000, (i + 1) * 2000)))\n    time.sleep(0.03)"),
  );
  const r = await measuredRun(doc);
  console.log(
    `  run to run-finished: ${fmt(r.took)}, to the last cell: ${fmt(r.lastCell)}; error: ${r.fin.error ?? "none"}`,
  );
  console.log(
    `  health during the run: n=${r.lat.n} p50 ${fmt(r.lat.p50)} p99 ${fmt(r.lat.p99)} max ${fmt(r.lat.max)}`,
  );
  console.log(`  RSS: start ${r.start.toFixed(0)} MB, peak ${r.peak.toFixed(0)} MB, end ${r.end.toFixed(0)} MB`);
  console.log(`  cell updates sent: ${r.cells}; final cell HTML ${(r.lastHtml / MB).toFixed(2)} MiB`);
}

console.log("three edit-and-run rounds of 5 blocks × 1 MB, one watcher:");
{
  const round = (n: number) =>
    source(
      ...[0, 1, 2, 3, 4].map(
        (b) => `marker = "round-${n}-block-${b}"\nprint(marker)\nprint(("o" * 99 + "\\n") * 10000)`,
      ),
    );
  const doc = await openDoc(round(1));
  const db = new Database(join(srv.dataDir, DATABASE_FILE), { readonly: true });
  for (const n of [1, 2, 3]) {
    if (n > 1) await alice.json("PATCH", `/api/v1/documents/${doc}`, { content: round(n) });
    const r = await measuredRun(doc);
    const s = db
      .query<{ n: number; bytes: number }, [string]>(
        "SELECT count(*) AS n, coalesce(sum(length(result)), 0) AS bytes FROM document_outputs WHERE document_id = ?",
      )
      .get(doc)!;
    console.log(
      `  round ${n}: run-finished ${fmt(r.took)}, last cell ${fmt(r.lastCell)}; stored ${s.n} rows, ${(s.bytes / MB).toFixed(1)} MiB; health p99 ${fmt(r.lat.p99)} max ${fmt(r.lat.max)}; RSS peak ${r.peak.toFixed(0)} MB; cell updates ${r.cells}`,
    );
  }
  db.close();
  const slug = (await alice.json("PATCH", `/api/v1/documents/${doc}`, { isPublic: true })).body.publicSlug as string;
  peer.ws.close();
  await Bun.sleep(200);
  for (const live of [true, false]) {
    if (!live) await srv.notebooks.closeIdle(Date.now() + 24 * 3600_000);
    Bun.gc(true);
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    const t0 = performance.now();
    const pages = await Promise.all([0, 1, 2].map(() => srv.anonymous().json("GET", `/api/v1/public/${slug}`)));
    const took = performance.now() - t0;
    clearInterval(sampler);
    console.log(
      `  3 anonymous GETs of its public page at once (${live ? "session open" : "no session: read from the store"}): ${fmt(took)}; statuses ${pages.map((p) => p.status).join(",")}; ` +
        `HTML ${(String(pages[0]!.body.html).length / MB).toFixed(1)} MiB each; RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MB`,
    );
  }
}

await srv.close();
process.exit(0);
