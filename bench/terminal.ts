// Terminal benchmarks against a server in its own process over loopback: keystroke-to-echo latency
// (a key sent on the terminal socket until its echo comes back from the shell in the jail), memory
// per open terminal (the server's RSS and the jail's processes), and, while one user's terminal
// runs `yes`, another user's edit-to-visible latency and the server's RSS. Prints figures; never fails.
//   BENCH_TERMINALS=8          terminals opened for the memory figure
//   BENCH_KEYS=300             keystrokes timed
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ROOT, fmt, rssOf, summary, tempDataDir, verdict } from "./bench-kit.ts";
import { loadAutomerge } from "../server/sync/automerge.ts";
import { CollabTestClient, until } from "../server/testing/collab-test-client.ts";
import { TerminalPeer } from "../server/testing/terminal-peer.ts";
import { treePids } from "../sandbox/memory-watchdog.ts";

await loadAutomerge();
const MAIN = join(ROOT, "server", "main.ts");
const TERMINALS = Number(process.env.BENCH_TERMINALS ?? 8);
const KEYS = Number(process.env.BENCH_KEYS ?? 300);
const dataDir = tempDataDir("terminal");
const env = { PATH: process.env.PATH ?? "/usr/bin" };
for (const u of ["bench", "flooder"])
  Bun.spawnSync([process.execPath, MAIN, "user", "add", u, "--password-stdin", "--data-dir", dataDir], {
    stdin: new TextEncoder().encode("benchpassword\n"),
    env,
  });

const proc = Bun.spawn(
  [
    process.execPath,
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
    "--kernels-per-user",
    "32",
    "--exec-concurrent",
    "8",
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
      void (async () => {
        while (!(await reader.read()).done);
      })();
      return m[1]!;
    }
  }
})();
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const serverRss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))![1]) * 1024;
const signIn = async (username: string) => {
  const r = await fetch(url + "/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "benchpassword" }),
  });
  return r.headers.get("set-cookie")!.split(";")[0]!;
};
const cookie = await signIn("bench");
const flooderCookie = await signIn("flooder");
const newDoc = async (c: string, content = "") =>
  (
    (await (
      await fetch(url + "/api/v1/documents", {
        method: "POST",
        headers: { cookie: c, "content-type": "application/json" },
        body: JSON.stringify({ title: "Bench", content }),
      })
    ).json()) as { id: string }
  ).id;
const doc = await newDoc(cookie, "# # Terminal bench\n" + "# some text line\n".repeat(50));
/** The jail processes of the server's terminals: every descendant of the server but the server. */
const jailRss = () =>
  treePids(proc.pid)
    .filter((p) => p !== proc.pid)
    .reduce((s, p) => s + (rssOf(p) ?? 0), 0);

console.log(`terminal (server in its own process, loopback)`);

// Keystroke to echo: one key at a time at the shell's prompt, timed until its echo arrives.
{
  const t = await TerminalPeer.open(url, { doc }, { cookie });
  await t.next("ready");
  await t.run("true");
  const samples: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    const ch = "abcdefghij"[i % 10]!;
    const echoed = new Promise<number>((resolve) => (t.onOutput = () => resolve(performance.now())));
    const t0 = performance.now();
    t.type(i % 40 === 39 ? "\x15" : ch); // Ctrl-U now and then keeps the line short
    samples.push((await echoed) - t0);
    t.onOutput = null;
    await Bun.sleep(5);
  }
  const s = summary(samples);
  console.log(
    `  keystroke to echo: p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)} (${s.n} keys) — target p99 ≤ 50 ms: ${verdict(s.p99 <= 50)}`,
  );
  t.type("\x15exit\r");
  await t.next("exit");
}

// Memory per open terminal.
{
  await Bun.sleep(500);
  const rss0 = serverRss();
  const jail0 = jailRss();
  const open: TerminalPeer[] = [];
  for (let i = 0; i < TERMINALS; i++) {
    const t = await TerminalPeer.open(url, { doc }, { cookie });
    await t.next("ready");
    await t.run("true");
    open.push(t);
  }
  await Bun.sleep(1000);
  const server = (serverRss() - rss0) / TERMINALS;
  const jail = (jailRss() - jail0) / TERMINALS;
  console.log(
    `  ${TERMINALS} idle terminals: server RSS ${mb(server)} per terminal, jail processes (launcher, relay, bash) ${mb(jail)} RSS per terminal`,
  );
  for (const t of open) {
    t.type("exit\r");
    await t.next("exit");
  }
}

// A `yes` flood in one user's terminal: another user's edit-to-visible latency and the server's RSS meanwhile.
{
  const floodDoc = await newDoc(flooderCookie);
  const flood = await TerminalPeer.open(url, { doc: floodDoc }, { cookie: flooderCookie });
  await flood.next("ready");
  await flood.run("true");
  flood.keepText = false;
  const measure = async (label: string) => {
    const clients = await Promise.all([0, 1].map(() => CollabTestClient.connect(url, cookie, doc)));
    await until(
      () => clients.every((c) => typeof c.doc.content === "string" && c.doc.content.length > 0),
      30_000,
      "initial sync",
    );
    const samples: number[] = [];
    const pending = new Map<string, number>();
    clients[1]!.onRemoteChange = () => {
      const text = clients[1]!.text();
      for (const [token, at] of pending)
        if (text.includes(token)) {
          samples.push(performance.now() - at);
          pending.delete(token);
        }
    };
    let peak = serverRss();
    for (let i = 0; i < 100; i++) {
      const token = `«${label}${i}»`;
      pending.set(token, performance.now());
      clients[0]!.splice(Math.floor(Math.random() * clients[0]!.text().length), 0, token);
      await Bun.sleep(50);
      peak = Math.max(peak, serverRss());
    }
    await until(() => pending.size === 0, 10_000, "edits visible").catch(() => {});
    for (const c of clients) c.close();
    return { s: summary(samples), peak };
  };
  const quiet = await measure("q");
  const rssBefore = serverRss();
  const received0 = flood.received;
  const t0 = performance.now();
  flood.type("yes\r");
  await Bun.sleep(1000);
  const busy = await measure("f");
  const seconds = (performance.now() - t0) / 1000;
  const flooded = flood.received - received0;
  flood.type("\x03");
  console.log(
    `  edit-to-visible (another user, 2 editors), quiet: p50 ${fmt(quiet.s.p50)}, p99 ${fmt(quiet.s.p99)} (${quiet.s.n} edits)`,
  );
  console.log(
    `  the same while a terminal runs \`yes\` (${mb(flooded / seconds)}/s reached the browser): p50 ${fmt(busy.s.p50)}, p99 ${fmt(busy.s.p99)} (${busy.s.n} edits) — target p99 ≤ 50 ms: ${verdict(busy.s.p99 <= 50)}`,
  );
  console.log(`  server RSS before the flood ${mb(rssBefore)}, peak during it ${mb(busy.peak)}`);
  flood.close();
}

proc.kill();
await proc.exited;
