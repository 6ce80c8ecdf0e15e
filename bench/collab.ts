// Collaboration benchmarks against a server in its own process: edit-to-visible latency with 2,
// 10 and 50 editors in one document, server RSS with 1,000 open WebSockets over 100 documents,
// and opening a document with 100,000 changes of history. Prints figures; never fails.
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ROOT, fmt, summary, tempDataDir, verdict } from "./bench-kit.ts";
import { A, loadAutomerge } from "../server/sync/automerge.ts";
import { CollabTestClient, until } from "../server/testing/collab-test-client.ts";
import { openServices } from "../server/app.ts";
import { SyncStore } from "../server/store/sync-store.ts";
import type { CollabDoc } from "../protocol/collab-frames.ts";

await loadAutomerge();
const MAIN = join(ROOT, "server", "main.ts");
const dataDir = tempDataDir("collab");
const env = { PATH: process.env.PATH ?? "/usr/bin" };

Bun.spawnSync([process.execPath, MAIN, "user", "add", "bench", "--password-stdin", "--data-dir", dataDir], { stdin: new TextEncoder().encode("benchpassword\n"), env });

// A document with 100,000 changes of history, written straight into the store before the server starts.
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);
const services = openServices(dataDir);
const owner = services.users.byUsername("bench")!;
const bigId = services.documents.create(owner, { title: "Long history", content: "" }).id;
{
  let d = A.from<CollabDoc>({ content: "" });
  let len = 0;
  for (let i = 0; i < HISTORY; i++) {
    d = A.change(d, (x) => {
      if (i % 5 === 4 && len > 0) (A.splice(x, ["content"], len - 1, 1), len--);
      else (A.splice(x, ["content"], len, 0, "abcdefghijklmnop\n"[i % 17]!), len++);
    });
  }
  new SyncStore(services.db).save(bigId, A.save(d), d.content, { compact: true });
}
services.db.close();

const proc = Bun.spawn([process.execPath, MAIN, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--log-format", "json"], { stdout: "ignore", stderr: "pipe", env });
const url = await (async () => {
  const reader = proc.stderr.getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server did not start: ${buf}`);
    buf += new TextDecoder().decode(value);
    const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
    if (m) {
      // Keep draining: a full pipe would block the server's writes to stderr.
      void (async () => {
        while (!(await reader.read()).done);
      })();
      return m[1]!;
    }
  }
})();
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]) / 1024;
const login = await fetch(url + "/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "bench", password: "benchpassword" }) });
const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
const newDoc = async (content: string) =>
  ((await (await fetch(url + "/api/v1/documents", { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ title: "Bench", content }) })).json()) as { id: string }).id;

console.log("collaboration (server in its own process, loopback)");

// Opening the long document: join to text available on a fresh client (which asks for a snapshot,
// as the browser does), first from disk, then from memory; then, for comparison, the same through
// the sync protocol change by change.
{
  const open = async (snapshot: boolean) => {
    const t0 = performance.now();
    const c = await CollabTestClient.connect(url, cookie, bigId, { snapshot });
    try {
      await until(() => typeof c.doc.content === "string" && c.doc.content.length > 0, 60_000, "long document");
      return { ms: performance.now() - t0, loadMs: c.snapshotLoadMs };
    } catch {
      return null;
    } finally {
      c.close();
    }
  };
  const show = (r: { ms: number; loadMs: number | null } | null) => (r === null ? "did not finish within 60 s" : r.loadMs ? `${fmt(r.ms)} (client A.load ${fmt(r.loadMs)})` : fmt(r.ms));
  const cold = await open(true);
  const warm = await open(true);
  const plain = await open(false);
  console.log(`  open a document with ${HISTORY.toLocaleString("en")} changes (join → text available, snapshot): first open ${show(cold)} (server loads it), again ${show(warm)} (in memory) — target ≤ 200 ms: ${verdict(warm !== null && warm.ms <= 200)}`);
  console.log(`  the same through the sync protocol, change by change (in memory): ${show(plain)}`);
}

// Edit-to-visible latency.
for (const n of [2, 10, 50]) {
  const doc = await newDoc("# # Latency\n" + "# some text line\n".repeat(50));
  const clients = await Promise.all(Array.from({ length: n }, () => CollabTestClient.connect(url, cookie, doc)));
  await until(() => clients.every((c) => typeof c.doc.content === "string" && c.doc.content.length > 0), 30_000, "initial sync");
  const pending = new Map<string, { at: number; seen: Set<CollabTestClient> }>();
  const samples: number[] = [];
  for (const c of clients) {
    c.onRemoteChange = () => {
      const text = c.text();
      for (const [token, p] of pending) {
        if (!p.seen.has(c) && text.includes(token)) {
          p.seen.add(c);
          samples.push(performance.now() - p.at);
        }
      }
    };
  }
  const edits = n === 50 ? 60 : 100;
  for (let i = 0; i < edits; i++) {
    const author = clients[i % n]!;
    const token = `«${i}»`;
    const p = { at: performance.now(), seen: new Set<CollabTestClient>([author]) };
    pending.set(token, p);
    author.splice(Math.floor(Math.random() * author.text().length), 0, token);
    await Bun.sleep(50);
  }
  await until(() => [...pending.values()].every((p) => p.seen.size === n), 30_000, "all edits visible").catch(() => {});
  const s = summary(samples);
  console.log(`  ${String(n).padStart(2)} editors, one document: edit-to-visible p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)} (${s.n} deliveries)${n === 50 ? ` — target p99 ≤ 50 ms: ${verdict(s.p99 <= 50)}` : ""}`);
  for (const c of clients) c.close();
}

// Many sockets, many documents.
{
  const before = rssMb();
  const docs = await Promise.all(Array.from({ length: 100 }, (_, i) => newDoc(`# # Doc ${i}\n` + "# line of text\n".repeat(200))));
  const sockets: CollabTestClient[] = [];
  for (let i = 0; i < 1000; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => CollabTestClient.connect(url, cookie, docs[(i + k) % 100]!)))));
  await until(() => sockets.every((c) => typeof c.doc.content === "string"), 60_000, "1000 sockets synced");
  await Bun.sleep(500);
  const rss = rssMb();
  console.log(`  1,000 WebSockets over 100 documents: server RSS ${rss.toFixed(0)} MB (before ${before.toFixed(0)} MB) — target ≤ 500 MB: ${verdict(rss <= 500)}`);
  for (const c of sockets) c.close();
}

proc.kill();
await proc.exited;
