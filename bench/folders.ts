// Benchmark: folders with 10,000 documents. Moves 2,000 of them into a folder one request at a
// time (the latency of a move), then lists that folder, the favourites and the unfiled ones under
// load from a second process on loopback, beside the plain list — against the list-throughput
// targets (≥ 5,000 requests/s and p99 ≤ 10 ms on a 2-core machine).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fmt, requireBinary, seedDocuments, startBinary, tempDataDir, verdict } from "./bench-kit.ts";

requireBinary();
const SECONDS = Number(process.env.SECONDS ?? 6);
const DOCS = 10_000;
const MOVED = 2_000;
const dir = tempDataDir("folders");
const { token } = await seedDocuments(dir, DOCS, 40);
const { proc, url } = await startBinary(dir, 19260);
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const call = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(url + path, {
    method,
    headers: auth,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  // biome-ignore lint/suspicious/noExplicitAny: the benchmark reads a few fields of many answers
  return r.json() as Promise<any>;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
try {
  const folder = await call("POST", "/api/v1/folders", { name: "Projects" });
  const ids: string[] = [];
  for (let page = 1; ids.length < MOVED + 100; page++)
    ids.push(
      ...(await call("GET", `/api/v1/documents?limit=100&page=${page}&sort=created`)).documents.map(
        (d: { id: string }) => d.id,
      ),
    );
  const moves: number[] = [];
  for (const [i, id] of ids.slice(0, MOVED).entries()) {
    const t0 = performance.now();
    await call(
      "PUT",
      `/api/v1/documents/${id}/filing`,
      i % 10 === 0 ? { folderId: folder.id, favorite: true } : { folderId: folder.id },
    );
    moves.push(performance.now() - t0);
  }
  console.log(
    `move a document into a folder (${MOVED} of ${DOCS.toLocaleString("en")}, one at a time): p50 ${fmt(pct(moves, 50))}, p99 ${fmt(pct(moves, 99))}`,
  );
  const listed = await call("GET", `/api/v1/documents?folder=${folder.id}&limit=20`);
  if (listed.pagination.total !== MOVED)
    throw new Error(`expected ${MOVED} in the folder, saw ${listed.pagination.total}`);
  const views: [string, string][] = [
    ["all documents", "/api/v1/documents?limit=20"],
    ["one folder (2,000)", `/api/v1/documents?folder=${folder.id}&limit=20`],
    ["one folder, by title", `/api/v1/documents?folder=${folder.id}&limit=20&sort=title`],
    ["favourites (200)", "/api/v1/documents?favorites=1&limit=20"],
    ["in no folder (8,000)", "/api/v1/documents?folder=none&limit=20"],
    ["the folder tree", "/api/v1/folders"],
  ];
  Bun.spawnSync([process.execPath, join(import.meta.dir, "load-generator.ts"), url + views[0]![1], token, "1", "8"]);
  const load = async (name: string, path: string) => {
    const p = Bun.spawn(
      [process.execPath, join(import.meta.dir, "load-generator.ts"), url + path, token, String(SECONDS), "8"],
      {
        stdout: "pipe",
      },
    );
    const m = JSON.parse(await new Response(p.stdout).text()) as {
      requests: number;
      errors: number;
      rps: number;
      p50: number;
      p99: number;
    };
    console.log(
      `list ${name} of ${DOCS.toLocaleString("en")} docs, 8 connections, ${SECONDS} s: ${m.rps.toFixed(0)} req/s, p50 ${fmt(m.p50)}, p99 ${fmt(m.p99)}, errors ${m.errors} — target ≥ 5,000 req/s and p99 ≤ 10 ms: ${verdict(m.rps >= 5000 && m.p99 <= 10)}`,
    );
  };
  for (const [name, path] of views) await load(name, path);
  // The same while another client files a document every 5 ms: listings are kept only until a
  // write, so most of these pages are read afresh.
  let writes = 0;
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      await call("PUT", `/api/v1/documents/${ids[MOVED + (i % 100)]}/filing`, { favorite: i % 2 === 0 });
      writes++;
      await Bun.sleep(5);
    }
  })();
  const t0 = performance.now();
  await load("one folder (2,000), while filing goes on", `/api/v1/documents?folder=${folder.id}&limit=20`);
  writing = false;
  await writer;
  console.log(`  (${Math.round(writes / ((performance.now() - t0) / 1000))} filing writes/s meanwhile)`);
} finally {
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
