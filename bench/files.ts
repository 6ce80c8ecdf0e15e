// Workspace files: upload and download throughput of a 200 MB file through dist/pymd (MB/s and
// the server's resident memory meanwhile), and what a workspace adds to a kernel's first run
// (copying it into the jail's directory, the run, copying back) for 1,000 small files and for
// one 500 MB file. Prints figures; never fails.
import { openServices } from "../server/app.ts";
import { WorkspaceFiles } from "../server/files/workspace-files.ts";
import { createSandbox } from "../sandbox/index.ts";
import { createWorkspaceDir } from "../sandbox/workspace-dir.ts";
import { requireBinary, rssOf, seedDocuments, tempDataDir } from "./bench-kit.ts";

const MB = 1e6;

/** Anonymous resident memory (heap, buffers), apart from file pages such as the memory-mapped database. */
function anonOf(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
const CHUNK = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);

function stream(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) return c.close();
      const n = Math.min(CHUNK.length, bytes - sent);
      sent += n;
      c.enqueue(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    },
  });
}

async function http(): Promise<void> {
  requireBinary();
  const dataDir = tempDataDir("files");
  const { token } = await seedDocuments(dataDir, 1, 10);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = Bun.spawn(
    [
      `${import.meta.dir}/../dist/pymd`,
      "serve",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
      "--file-max",
      "300",
    ],
    {
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 500; i++) {
    if (
      await fetch(url + "/api/v1/health")
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
    await Bun.sleep(20);
  }
  const auth = { authorization: `Bearer ${token}` };
  const docs = (await (await fetch(`${url}/api/v1/documents`, { headers: auth })).json()) as {
    documents: { id: string }[];
  };
  const doc = docs.documents[0]!.id;
  const rss0 = rssOf(proc.pid) ?? 0;
  const anon0 = anonOf(proc.pid);
  let peak = rss0;
  let anonPeak = anon0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(proc.pid) ?? 0);
    anonPeak = Math.max(anonPeak, anonOf(proc.pid));
  }, 25);
  const size = 200 * MB;
  let t0 = performance.now();
  const up = await fetch(`${url}/api/v1/documents/${doc}/file?path=big.bin`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/octet-stream" },
    body: stream(size),
    duplex: "half",
  } as RequestInit);
  const upMs = performance.now() - t0;
  const upPeak = peak;
  const upAnon = anonPeak;
  peak = rssOf(proc.pid) ?? 0;
  anonPeak = anonOf(proc.pid);
  t0 = performance.now();
  const res = await fetch(`${url}/api/v1/documents/${doc}/file?path=big.bin`, { headers: auth });
  let got = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    got += value.length;
  }
  const downMs = performance.now() - t0;
  clearInterval(sampler);
  console.log(
    `upload 200 MB:   ${up.status}, ${(size / MB / (upMs / 1000)).toFixed(0)} MB/s (${(upMs / 1000).toFixed(2)} s); server RSS ${(rss0 / 2 ** 20).toFixed(0)} -> peak ${(upPeak / 2 ** 20).toFixed(0)} MiB, of it anonymous ${(anon0 / 2 ** 20).toFixed(0)} -> ${(upAnon / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    `download 200 MB: ${res.status}, ${got === size ? "all bytes" : `${got} bytes`}, ${(size / MB / (downMs / 1000)).toFixed(0)} MB/s (${(downMs / 1000).toFixed(2)} s); server RSS peak ${(peak / 2 ** 20).toFixed(0)} MiB, anonymous peak ${(anonPeak / 2 ** 20).toFixed(0)} MiB (the rest is the memory-mapped database file)`,
  );
  proc.kill("SIGTERM");
  await proc.exited;
}

async function kernelCost(): Promise<void> {
  const dataDir = tempDataDir("files-kernel");
  await seedDocuments(dataDir, 3, 10);
  const s = openServices(dataDir);
  const files = new WorkspaceFiles(s.filesStore, s.documents, {
    fileBytes: 600 * MB,
    documentBytes: 2000 * MB,
    userBytes: 5000 * MB,
  });
  const docs = s.db.query<{ id: string; owner_id: string }, []>("SELECT id, owner_id FROM documents ORDER BY id").all();
  const [empty, small, large] = docs as [
    { id: string; owner_id: string },
    { id: string; owner_id: string },
    { id: string; owner_id: string },
  ];
  for (let i = 0; i < 1000; i++)
    await files.write(small.id, small.owner_id, `data/f${i}.txt`, stream(2000), null, 2000);
  await files.write(large.id, large.owner_id, "big.bin", stream(500 * MB), null, 500 * MB);
  const sandbox = await createSandbox({ backend: "auto" });
  console.log(`kernel first run (print(1)), jail ${sandbox.backend}:`);
  for (const [label, d] of [
    ["no workspace files", empty],
    ["1,000 files of 2 kB", small],
    ["one 500 MB file", large],
  ] as const) {
    const ws = createWorkspaceDir();
    const t0 = performance.now();
    const mirror = files.mirror(d.id, d.owner_id, ws);
    await mirror.syncIn();
    const t1 = performance.now();
    const kernel = await sandbox.startKernel({ workspace: { dir: ws.dir, maxBytes: 2000 * MB } });
    await kernel.run([{ id: 0, code: "print(1)", line: 1 }]);
    const t2 = performance.now();
    await mirror.syncBack(null);
    const t3 = performance.now();
    await kernel.close();
    ws.remove();
    console.log(
      `  ${label.padEnd(20)} copy in ${(t1 - t0).toFixed(0).padStart(6)} ms, start + run ${(t2 - t1).toFixed(0).padStart(5)} ms, copy back (nothing changed) ${(t3 - t2).toFixed(0).padStart(4)} ms`,
    );
  }
  s.db.close();
}

await http().catch((e) => console.log(`http benchmark failed: ${(e as Error).message}`));
await kernelCost().catch((e) => console.log(`kernel benchmark failed: ${(e as Error).message}`));
process.exit(0);
