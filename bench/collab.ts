// Collaboration benchmarks against a server in its own process: edit-to-visible latency with 2,
// 10 and 50 editors in one document, server RSS with 1,000 open WebSockets over 100 documents,
// and opening a document with 100,000 changes of history; then side by side with y-websocket's
// own server (Yjs, started here), run alternately: server CPU per edit and edit-to-visible p50/p99
// at 2, 10 and 50 editors on a 10 KB and a 1 MB document, and RSS for 1,000 idle sockets.
// Prints figures; never fails.
//   BENCH_SECTIONS=history,latency,sockets,compare  which parts run (all by default; compare is idle + editors)
//   BENCH_PYMD_ROOT=/path/to/a/checkout           run that checkout's server (e.g. a git worktree of an older commit)
//   BENCH_PROF=/dir                                the pymd server writes its CPU profile (Markdown) there on exit
//   BENCH_SMALL_EDITORS=2,10,50                    editor counts on the 10 KB document
//   BENCH_EDITS=100                                edits per row of the side-by-side runs
//   BENCH_LONG_EDITORS=50                          editor counts on a document with a long history (BENCH_LONG_HISTORY
//                                                   changes, 20,000 by default): what an edit costs once a notebook has
//                                                   been typed in for a while
//   BENCH_BIG_EDITORS=2,10,50                      editor counts on the 1 MB document (2 by default: every pymd
//                                                   test client holds its own Automerge copy in this one process,
//                                                   about 600 MB each in Automerge 2.2.9's wasm heap of 4 GiB)
import { join } from "node:path";
import { readFileSync } from "node:fs";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { ROOT, fmt, longHistory, summary, tempDataDir, verdict } from "./bench-kit.ts";
import { A, loadAutomerge } from "../server/sync/automerge.ts";
import { CollabTestClient, until } from "../server/testing/collab-test-client.ts";

await loadAutomerge();
const PYMD_ROOT = process.env.BENCH_PYMD_ROOT ?? ROOT;
const MAIN = join(PYMD_ROOT, "server", "main.ts");
const EDITS = Number(process.env.BENCH_EDITS ?? 100);
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? "history,latency,sockets,compare").split(","));
// The data directory is made by the server's own code, so an older checkout gets a schema it knows.
const { openServices } = (await import(join(PYMD_ROOT, "server", "app.ts"))) as typeof import("../server/app.ts");
const { SyncStore } = (await import(
  join(PYMD_ROOT, "server", "store", "sync-store.ts")
)) as typeof import("../server/store/sync-store.ts");
const dataDir = tempDataDir("collab");
const env = { PATH: process.env.PATH ?? "/usr/bin" };

Bun.spawnSync([process.execPath, MAIN, "user", "add", "bench", "--password-stdin", "--data-dir", dataDir], {
  stdin: new TextEncoder().encode("benchpassword\n"),
  env,
});

// A document with 100,000 changes of history, written straight into the store before the server starts.
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);
const services = openServices(dataDir);
const owner = services.users.byUsername("bench")!;
const bigId = services.documents.create(owner, { title: "Long history", content: "" }).id;
if (SECTIONS.has("history")) {
  const d = longHistory(HISTORY, "abcdefghijklmnop\n");
  new SyncStore(services.db).save(bigId, A.save(d), d.content, { compact: true });
}
// A notebook typed in for a while, for the side-by-side rows on a long history.
const LONG_HISTORY = Number(process.env.BENCH_LONG_HISTORY ?? 20_000);
const longEditors = (process.env.BENCH_LONG_EDITORS ?? "50").split(",").filter(Boolean).map(Number);
const longIds: string[] = [];
let longText = "";
if (SECTIONS.has("compare") || SECTIONS.has("editors")) {
  const d = longHistory(LONG_HISTORY, "# a line of notebook text\n");
  longText = d.content;
  for (const _ of longEditors) {
    const id = services.documents.create(owner, { title: "Typed in", content: "" }).id;
    new SyncStore(services.db).save(id, A.save(d), d.content, { compact: true });
    longIds.push(id);
  }
}
services.db.close();

const proc = Bun.spawn(
  [
    process.execPath,
    ...(process.env.BENCH_PROF ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
    MAIN,
    "serve",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--data-dir",
    dataDir,
    "--log-format",
    "json",
  ],
  { stdout: "ignore", stderr: "pipe", env },
);
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
// A benchmark that fails half-way must not leave its servers running.
process.on("exit", () => proc.kill());
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]) / 1024;
const login = await fetch(url + "/api/v1/auth/login", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ username: "bench", password: "benchpassword" }),
});
const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
const newDoc = async (content: string) =>
  (
    (await (
      await fetch(url + "/api/v1/documents", {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ title: "Bench", content }),
      })
    ).json()) as { id: string }
  ).id;

console.log(
  `collaboration (server in its own process, loopback${PYMD_ROOT !== ROOT ? `, server from ${PYMD_ROOT}` : ""})`,
);

// Opening the long document: join to text available on a fresh client (which asks for a snapshot,
// as the browser does), first from disk, then from memory; then, for comparison, the same through
// the sync protocol change by change.
if (SECTIONS.has("history")) {
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
  const show = (r: { ms: number; loadMs: number | null } | null) =>
    r === null ? "did not finish within 60 s" : r.loadMs ? `${fmt(r.ms)} (client A.load ${fmt(r.loadMs)})` : fmt(r.ms);
  const cold = await open(true);
  const warm = await open(true);
  const plain = await open(false);
  console.log(
    `  open a document with ${HISTORY.toLocaleString("en")} changes (join → text available, snapshot): first open ${show(cold)} (server loads it), again ${show(warm)} (in memory) — target ≤ 200 ms: ${verdict(warm !== null && warm.ms <= 200)}`,
  );
  console.log(`  the same through the sync protocol, change by change (in memory): ${show(plain)}`);
}

// Edit-to-visible latency.
for (const n of SECTIONS.has("latency") ? [2, 10, 50] : []) {
  const doc = await newDoc("# # Latency\n" + "# some text line\n".repeat(50));
  const clients = await Promise.all(Array.from({ length: n }, () => CollabTestClient.connect(url, cookie, doc)));
  await until(
    () => clients.every((c) => typeof c.doc.content === "string" && c.doc.content.length > 0),
    30_000,
    "initial sync",
  );
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
  console.log(
    `  ${String(n).padStart(2)} editors, one document: edit-to-visible p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)} (${s.n} deliveries)${n === 50 ? ` — target p99 ≤ 50 ms: ${verdict(s.p99 <= 50)}` : ""}`,
  );
  for (const c of clients) c.close();
}

// Many sockets, many documents.
if (SECTIONS.has("sockets")) {
  const before = rssMb();
  const docs = await Promise.all(
    Array.from({ length: 100 }, (_, i) => newDoc(`# # Doc ${i}\n` + "# line of text\n".repeat(200))),
  );
  const sockets: CollabTestClient[] = [];
  for (let i = 0; i < 1000; i += 50)
    sockets.push(
      ...(await Promise.all(
        Array.from({ length: 50 }, (_, k) => CollabTestClient.connect(url, cookie, docs[(i + k) % 100]!)),
      )),
    );
  await until(() => sockets.every((c) => typeof c.doc.content === "string"), 60_000, "1000 sockets synced");
  await Bun.sleep(500);
  const rss = rssMb();
  console.log(
    `  1,000 WebSockets over 100 documents: server RSS ${rss.toFixed(0)} MB (before ${before.toFixed(0)} MB) — target ≤ 500 MB: ${verdict(rss <= 500)}`,
  );
  for (const c of sockets) c.close();
}

if (SECTIONS.has("compare") || SECTIONS.has("idle") || SECTIONS.has("editors")) await compare();

proc.kill();
await proc.exited;

/** CPU time (user + system) the process has used, in ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** What one editor needs from either system: the text, an insert, and a callback when remote text arrives. */
interface Editor {
  text(): string;
  insert(at: number, s: string): void;
  onRemote: (() => void) | null;
  close(): void;
}

function seedText(bytes: number): string {
  const lines: string[] = ["# # Shared notebook\n"];
  for (let i = 0, n = 0; n < bytes; i++) {
    const l = `# line ${i} of some ordinary notebook text\n`;
    lines.push(l);
    n += l.length;
  }
  return lines.join("");
}

/** Connects, trying again while the server is still opening a large document (the client waits 10 s for "joined"). */
async function connectPatiently(doc: string): Promise<CollabTestClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await CollabTestClient.connect(url, cookie, doc);
    } catch (e) {
      if (attempt >= 20) throw e;
    }
  }
}

async function pymdEditors(n: number, seed: string, existing?: string): Promise<Editor[]> {
  const doc = existing ?? (await newDoc(seed));
  // The first open builds the document's history from its text (seconds for 1 MB); the editors join after it.
  const history = await fetch(`${url}/api/v1/documents/${doc}/history`, { headers: { cookie } });
  if (history.status !== 200) throw new Error(`history answered ${history.status}`);
  const out: Editor[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => connectPatiently(doc)));
    await until(() => batch.every((c) => c.text().length === seed.length), 600_000, "initial sync");
    for (const c of batch) {
      const e: Editor = {
        text: () => c.text(),
        // Sent at once, as y-websocket does (the test client otherwise coalesces to one message per 30 ms).
        insert: (at, s) => (c.splice(at, 0, s), c.flushNow()),
        onRemote: null,
        // Its wasm memory goes back to the one heap every client in this process shares.
        close: () => (c.close(), A.free(c.doc)),
      };
      c.onRemoteChange = () => e.onRemote?.();
      out.push(e);
    }
  }
  return out;
}

async function yjsEditors(yurl: string, n: number, seed: string, name: string): Promise<Editor[]> {
  const out: Editor[] = [];
  for (let i = 0; i < n; i++) {
    const ydoc = new Y.Doc();
    const provider = new WebsocketProvider(yurl, name, ydoc, {
      WebSocketPolyfill: WebSocket as never,
      disableBc: true,
    });
    const text = ydoc.getText("content");
    const e: Editor = {
      text: () => text.toString(),
      insert: (at, s) => text.insert(at, s),
      onRemote: null,
      close: () => (provider.destroy(), ydoc.destroy()),
    };
    text.observe((ev) => {
      if (!ev.transaction.local) e.onRemote?.();
    });
    await until(() => provider.synced, 30_000, "yjs sync");
    if (i === 0) text.insert(0, seed);
    out.push(e);
  }
  await until(() => out.every((e) => e.text().length === seed.length), 120_000, "yjs initial text");
  return out;
}

/** Edits by each editor in turn; returns server CPU per edit and edit-to-visible latencies. */
async function drive(
  editors: Editor[],
  serverPid: number,
  edits: number,
): Promise<{ cpuPerEdit: number; p50: number; p99: number; deliveries: number }> {
  const n = editors.length;
  const pending = new Map<string, { at: number; pos: number; seen: Set<Editor> }>();
  const samples: number[] = [];
  for (const e of editors) {
    e.onRemote = () => {
      const text = e.text();
      for (const [token, p] of pending) {
        // Looked for near where it was typed: scanning a 1 MB text per change would time the benchmark, not the server.
        if (!p.seen.has(e) && text.slice(Math.max(0, p.pos - 4096), p.pos + 4096).includes(token)) {
          p.seen.add(e);
          samples.push(performance.now() - p.at);
          if (p.seen.size === n) pending.delete(token);
        }
      }
    };
  }
  await Bun.sleep(300);
  const cpu0 = cpuMs(serverPid);
  for (let i = 0; i < edits; i++) {
    const author = editors[i % n]!;
    const token = `«${i}»`;
    const pos = Math.floor((((i * 7919) % 1000) / 1000) * author.text().length);
    pending.set(token, { at: performance.now(), pos, seen: new Set([author]) });
    author.insert(pos, token);
    await Bun.sleep(50);
  }
  await until(() => pending.size === 0, 60_000, "all edits visible").catch(() => {});
  const cpu = cpuMs(serverPid) - cpu0;
  for (const e of editors) e.onRemote = null;
  const s = summary(samples);
  return { cpuPerEdit: cpu / edits, p50: s.p50, p99: s.p99, deliveries: s.n };
}

async function compare(): Promise<void> {
  const y = Bun.spawn(["node", join(ROOT, "bench", "yjs-server.cjs")], { stdout: "pipe", stderr: "ignore", env });
  const first = await y.stdout.getReader().read();
  const yport = /port (\d+)/.exec(new TextDecoder().decode(first.value))![1];
  const yurl = `ws://127.0.0.1:${yport}`;
  process.on("exit", () => y.kill());
  const yrss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${y.pid}/status`, "utf8"))![1]) / 1024;
  console.log(
    "side by side with y-websocket 1.5.4 (Yjs 13.6.33, in memory, node), the same editors, alternating pymd → Yjs per row",
  );
  // 1,000 idle sockets over 100 documents of 3 KB each, on both; first, while neither server has held a large document.
  if (SECTIONS.has("compare") || SECTIONS.has("idle")) {
    const seed = `# # Doc\n` + "# line of text\n".repeat(200);
    const before = rssMb();
    const docs = await Promise.all(Array.from({ length: 100 }, () => newDoc(seed)));
    const sockets: CollabTestClient[] = [];
    for (let i = 0; i < 1000; i += 50)
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, k) => CollabTestClient.connect(url, cookie, docs[(i + k) % 100]!)),
        )),
      );
    await until(() => sockets.every((c) => c.text().length === seed.length), 120_000, "1000 sockets synced");
    await Bun.sleep(1000);
    const prss = rssMb();
    for (const c of sockets) c.close();
    const ybefore = yrss();
    const ys: { p: WebsocketProvider; d: Y.Doc }[] = [];
    for (let i = 0; i < 1000; i++) {
      const d = new Y.Doc();
      const p = new WebsocketProvider(yurl, `idle-${i % 100}`, d, {
        WebSocketPolyfill: WebSocket as never,
        disableBc: true,
      });
      ys.push({ p, d });
      if (i < 100) {
        await until(() => p.synced, 30_000, "yjs idle sync");
        d.getText("content").insert(0, seed);
      }
    }
    await until(
      () => ys.every((x) => x.p.synced && x.d.getText("content").length === seed.length),
      120_000,
      "1000 yjs sockets synced",
    );
    await Bun.sleep(1000);
    const qrss = yrss();
    for (const x of ys) x.p.destroy(), x.d.destroy();
    console.log(
      `  1,000 idle sockets over 100 documents: server RSS pymd ${prss.toFixed(0)} MB (before ${before.toFixed(0)} MB, +${(((prss - before) * 1024) / 1000).toFixed(0)} KB per socket) / Yjs ${qrss.toFixed(0)} MB (before ${ybefore.toFixed(0)} MB, +${(((qrss - ybefore) * 1024) / 1000).toFixed(0)} KB per socket) (${(prss / qrss).toFixed(1)}×)`,
    );
  }
  const big = (process.env.BENCH_BIG_EDITORS ?? "2").split(",").filter(Boolean).map(Number);
  const small = (process.env.BENCH_SMALL_EDITORS ?? "2,10,50").split(",").filter(Boolean).map(Number);
  let round = 0;
  const scenarios =
    SECTIONS.has("compare") || SECTIONS.has("editors")
      ? ([
          ["10 KB", 10_000, small],
          ["1 MB", 1_000_000, big],
        ] as const)
      : [];
  const rows = scenarios.flatMap(([label, bytes, counts]) =>
    counts.map((n) => ({ label: label as string, seed: seedText(bytes), n, doc: undefined as string | undefined })),
  );
  if (scenarios.length > 0)
    for (const [i, n] of longEditors.entries())
      rows.push({
        label: `${(longText.length / 1000).toFixed(0)} KB, ${LONG_HISTORY} changes,`,
        seed: longText,
        n,
        doc: longIds[i],
      });
  for (const { label, seed, n, doc } of rows) {
    const edits = EDITS;
    let p: Awaited<ReturnType<typeof drive>>;
    let q: Awaited<ReturnType<typeof drive>>;
    try {
      const pe = await pymdEditors(n, seed, doc);
      p = await drive(pe, proc.pid, edits);
      for (const e of pe) e.close();
      const ye = await yjsEditors(yurl, n, seed, `doc-${round++}`);
      q = await drive(ye, y.pid, edits);
      for (const e of ye) e.close();
    } catch (e) {
      console.log(
        `  ${label.padEnd(5)} ${String(n).padStart(2)} editors: could not run (${e instanceof Error ? e.message.slice(0, 120) : String(e)})`,
      );
      continue;
    }
    console.log(
      `  ${label.padEnd(5)} ${String(n).padStart(2)} editors: server CPU per edit pymd ${fmt(p.cpuPerEdit)} / Yjs ${fmt(q.cpuPerEdit)} (${(p.cpuPerEdit / Math.max(q.cpuPerEdit, 0.01)).toFixed(1)}×);` +
        ` edit-to-visible p50 ${fmt(p.p50)} / ${fmt(q.p50)}, p99 ${fmt(p.p99)} / ${fmt(q.p99)} (${p.deliveries} / ${q.deliveries} deliveries)`,
    );
    await Bun.sleep(500);
  }
  y.kill();
  await y.exited;
}
