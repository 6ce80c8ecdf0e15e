// A large paste through the collaboration sync protocol, against the compiled server: how long
// until it is stored and reaches a second editor, how /api/v1/health answers meanwhile, and the
// server's RSS after. The editor sends a paste as changes of at most 16 Ki characters, which the
// server applies one by one with its event loop free between them; `--single` sends it as one
// change instead (what the editor did before; the server now refuses a change of more than 65,536
// operations, so compare against an older build with PYMD_BENCH_BINARY).
//
//   node scripts/bun.mjs bench/sync-paste.ts [--single] [sizes in KiB, default 256 1024 2048]
import { openServices } from "../server/app.ts";
import { loadAutomerge } from "../server/sync/automerge.ts";
import { CollabTestClient, until } from "../server/testing/collab-test-client.ts";
import { BINARY, fmt, requireBinary, rssOf, startBinary, summary, tempDataDir } from "./bench-kit.ts";

requireBinary();
await loadAutomerge();
const PASSWORD = "correct horse battery";
const single = process.argv.includes("--single");
const sizes = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);

function pasteOf(bytes: number): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const line = `# line ${i} of the paste, with some words to make it look like prose\n`;
    out.push(line);
    n += line.length;
  }
  return out.join("").slice(0, bytes);
}

/**
 * Polls /api/v1/health every 20 ms from a process of its own (this one applies the paste to two
 * Automerge copies, which would stall an in-process probe) while `work` runs.
 */
async function whileHealthy<T>(
  url: string,
  work: () => Promise<T>,
): Promise<{ result: T; health: ReturnType<typeof summary> }> {
  const code = `const lat = []; let done = false; process.stdin.on("data", () => (done = true)); process.stdin.on("end", () => (done = true));
    while (!done) { const t = performance.now(); try { await (await fetch(${JSON.stringify(url)} + "/api/v1/health")).arrayBuffer(); lat.push(performance.now() - t); } catch {} await Bun.sleep(20); }
    console.log(JSON.stringify(lat));`;
  const probe = Bun.spawn([process.execPath, "-e", code], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  await Bun.sleep(100);
  const result = await work();
  probe.stdin.write("x");
  await probe.stdin.end();
  const lat = JSON.parse((await new Response(probe.stdout).text()).trim() || "[]") as number[];
  return { result, health: summary(lat) };
}

async function main() {
  const dataDir = tempDataDir("sync-paste");
  const s = openServices(dataDir);
  const owner = await s.accounts.addUser("owner", PASSWORD, "user");
  const ids = (sizes.length ? sizes : [256, 1024, 2048]).map((kib) => ({
    kib,
    id: s.documents.create(owner, { title: `Paste ${kib} KiB`, content: "# start\n" }).id,
  }));
  s.db.close();
  const bin = await startBinary(dataDir, 18951);
  console.log(`server: ${BINARY}; paste sent ${single ? "as one change" : "in changes of at most 16 Ki characters"}`);
  try {
    const login = await fetch(bin.url + "/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "owner", password: PASSWORD }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    for (const { kib, id } of ids) {
      const a = await CollabTestClient.connect(bin.url, cookie, id);
      const b = await CollabTestClient.connect(bin.url, cookie, id);
      a.splice(a.text().length, 0, "# ready\n");
      await until(() => a.acknowledged() && b.text() === "# start\n# ready\n", 30_000, "both editors ready");
      const text = pasteOf(kib * 1024);
      const expected = "# start\n# ready\n" + text;
      const t0 = performance.now();
      if (single) a.splice(a.text().length, 0, text);
      else a.paste(a.text().length, text);
      a.flushNow();
      let stored = 0;
      const r = await whileHealthy(bin.url, () =>
        until(
          () => {
            if (!stored && a.acknowledged()) stored = performance.now() - t0;
            return stored > 0 && b.text().length === expected.length;
          },
          600_000,
          "the paste to be stored and relayed",
        ).catch((e: Error) => e),
      );
      const relayed = performance.now() - t0;
      const refused = a.messages.find((m) => m.t === "error");
      const rss = rssOf(bin.proc.pid);
      if (r.result instanceof Error || refused)
        console.log(
          `${`${kib} KiB`.padStart(9)}: not stored (${refused ? JSON.stringify(refused) : r.result}); health p99 ${fmt(r.health.p99)}, max ${fmt(r.health.max)}`,
        );
      else
        console.log(
          `${`${kib} KiB`.padStart(9)}: stored ${fmt(stored)}, at the other editor ${fmt(relayed)}; health p99 ${fmt(r.health.p99)}, max ${fmt(r.health.max)} (n=${r.health.n}); server RSS after ${rss ? (rss / 1048576).toFixed(0) + " MiB" : "?"}`,
        );
      a.close();
      b.close();
    }
  } finally {
    bin.proc.kill();
    await bin.proc.exited;
  }
}

await main();
