// Hostile callers against accounts, roles and storage, with the server's health measured while each
// happens (GET /api/v1/health every 20 ms: max and p99): a stranger guessing one account's password,
// many addresses guessing it, a viewer hammering render and exports, a password change with open
// sockets and tokens, and writes to a full disk. Prints figures; never fails a build.
import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openServices } from "../server/app.ts";
import { codeHash } from "../server/runtime/notebook-sessions.ts";
import { databasePath } from "../server/store/database.ts";
import { BINARY, fmt, requireBinary, type summary, tempDataDir, whileHealthy } from "./bench-kit.ts";

requireBinary();
const PASSWORD = "correct horse battery";
const CODE = 'print("live")';

async function seed(dataDir: string): Promise<string> {
  const s = openServices(dataDir);
  try {
    const owner = await s.accounts.addUser("owner", PASSWORD, "user");
    await s.accounts.addUser("reader", PASSWORD, "user");
    const doc = s.documents.create(owner, { title: "Shared", content: `# # Shared\n# \`\`\`\n${CODE}\n# \`\`\`\n` });
    s.documents.setMembers(owner, doc.id, { members: [{ username: "reader", role: "viewer" }] });
    s.outputsStore.save(doc.id, codeHash(CODE), {
      block: 0,
      status: "ok",
      durationMs: 3,
      outputs: [{ kind: "stdout", text: "stored\n" }],
    });
    return doc.id;
  } finally {
    s.db.close();
  }
}

async function pool<T>(n: number, concurrency: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await f(i);
      }
    }),
  );
  return out;
}

const login = (url: string, username: string, password: string, from: string) =>
  fetch(url + "/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": from },
    body: JSON.stringify({ username, password }),
  });

const counts = (statuses: number[]) =>
  Object.entries(statuses.reduce<Record<number, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {}))
    .map(([s, n]) => `${n}×${s}`)
    .join(", ");
const line = (label: string, h: ReturnType<typeof summary>, extra: string) =>
  console.log(`${label.padEnd(44)} health p99 ${fmt(h.p99)}, max ${fmt(h.max)} (n=${h.n}) | ${extra}`);

async function main() {
  const dataDir = tempDataDir("attacks");
  const docId = await seed(dataDir);
  const bin = await startBinaryWith(dataDir, 18931, ["--trusted-proxy", "127.0.0.1/32"]);
  try {
    const url = bin.url;
    // the owner signed in from their browser before: it holds a device cookie for the account
    const known = (await login(url, "owner", PASSWORD, "198.51.100.7")).headers
      .getSetCookie()
      .find((c) => c.startsWith("pymd_device="))!
      .split(";")[0]!;
    const fromKnown = (from: string) =>
      fetch(url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": from, cookie: known },
        body: JSON.stringify({ username: "owner", password: PASSWORD }),
      });
    // 1. one stranger, one address, 300 guesses
    const a = await whileHealthy(url, () =>
      pool(300, 8, (i) => login(url, "owner", `guess ${i}`, "203.0.113.66").then((r) => r.status)),
    );
    const ownerAfterA = (await login(url, "owner", PASSWORD, "198.51.100.7")).status;
    line(
      "stranger: 300 guesses from one address",
      a.health,
      `${counts(a.result)}; owner from own address → ${ownerAfterA}`,
    );

    // 2. 300 addresses, one guess each (each costs a full argon2id verification)
    const b = await whileHealthy(url, () =>
      pool(300, 8, (i) => login(url, "owner", `guess ${i}`, `10.${(i >> 8) & 255}.${i & 255}.9`).then((r) => r.status)),
    );
    const ownerAfterB = (await fromKnown("198.51.100.9")).status;
    const newBrowserAfterB = (await login(url, "owner", PASSWORD, "198.51.100.10")).status;
    line(
      "botnet: 300 guesses from 300 addresses",
      b.health,
      `${counts(b.result)}; owner's browser → ${ownerAfterB}, a new browser → ${newBrowserAfterB}`,
    );

    // 3. a viewer: 200 renders and 200 exports, stored outputs only
    const reader = await login(url, "reader", PASSWORD, "198.51.100.8");
    const cookie = reader.headers.get("set-cookie")!.split(";")[0]!;
    const c = await whileHealthy(url, () =>
      pool(400, 8, (i) =>
        fetch(url + (i % 2 ? `/api/v1/documents/${docId}/render` : `/api/v1/documents/${docId}/export?format=html`), {
          headers: { cookie },
        }).then((r) => r.status),
      ),
    );
    line("viewer: 200 renders + 200 html exports", c.health, counts(c.result));

    // 4. a password change with 20 API tokens, each with an open socket
    const owner = await fromKnown("198.51.100.7");
    const oc = owner.headers.get("set-cookie")!.split(";")[0]!;
    const tokens = await pool(20, 4, async (i) => {
      const r = await fetch(url + "/api/v1/tokens", {
        method: "POST",
        headers: { cookie: oc, "content-type": "application/json" },
        body: JSON.stringify({ name: `t${i}` }),
      });
      return ((await r.json()) as { token: string }).token;
    });
    const sockets = await Promise.all(tokens.map((t) => openSocket(url, t)));
    const t0 = performance.now();
    const changed = await fetch(url + "/api/v1/auth/password", {
      method: "POST",
      headers: { cookie: oc, "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: "a brand new secret" }),
    });
    const answeredMs = performance.now() - t0;
    const closes = await Promise.all(sockets.map((s) => s.closed));
    const closeMs = performance.now() - t0;
    console.log(
      `${"password change: 20 tokens, 20 sockets".padEnd(44)} ${changed.status} ${JSON.stringify(await changed.json())}; answered in ${fmt(answeredMs)} (two argon2id hashes), all sockets closed (codes ${[...new Set(closes)].join(",")}) by ${fmt(closeMs)}`,
    );
  } finally {
    bin.proc.kill();
    await bin.proc.exited;
  }
  const db = new Database(databasePath(dataDir), { readonly: true });
  const executions = db.query<{ n: number | null }, []>("SELECT SUM(count) AS n FROM execution_counts").get()?.n ?? 0;
  db.close();
  console.log(`executions recorded over all of the above: ${executions}`);
  rmSync(dataDir, { recursive: true, force: true });
  await diskFull();
}

async function diskFull() {
  const dir = mkdtempSync(join(tmpdir(), "pymd-bench-full-"));
  if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", dir]).status !== 0) {
    console.log("disk full: skipped (mount -t tmpfs is not permitted; run as root)");
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const dataDir = join(dir, "data");
  try {
    await seed(dataDir);
    const bin = await startBinaryWith(dataDir, 18932, []);
    try {
      const r = await login(bin.url, "owner", PASSWORD, "x");
      const cookie = r.headers.get("set-cookie")!.split(";")[0]!;
      const filler = join(dir, "filler");
      const fd = openSync(filler, "w");
      for (const size of [1 << 20, 4096, 1])
        try {
          for (;;) writeSync(fd, Buffer.alloc(size, 1));
        } catch {}
      closeSync(fd);
      const big = "# " + "x".repeat(300_000) + "\n";
      const w = await whileHealthy(bin.url, () =>
        pool(50, 4, () =>
          fetch(bin.url + "/api/v1/documents", {
            method: "POST",
            headers: { cookie, "content-type": "application/json" },
            body: JSON.stringify({ title: "t", content: big }),
          }).then((x) => x.status),
        ),
      );
      unlinkSync(filler);
      const after = (
        await fetch(bin.url + "/api/v1/documents", {
          method: "POST",
          headers: { cookie, "content-type": "application/json" },
          body: JSON.stringify({ title: "after" }),
        })
      ).status;
      line("disk full: 50 writes of 300 KB", w.health, `${counts(w.result)}; after freeing space → ${after}`);
    } finally {
      bin.proc.kill();
      await bin.proc.exited;
    }
  } finally {
    spawnSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startBinaryWith(
  dataDir: string,
  port: number,
  flags: string[],
): Promise<{ proc: Bun.Subprocess; url: string }> {
  const proc = Bun.spawn(
    [
      BINARY,
      "serve",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
      ...flags,
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (
      await fetch(url + "/api/v1/health")
        .then((r) => r.ok)
        .catch(() => false)
    )
      return { proc, url };
    await Bun.sleep(10);
  }
  proc.kill();
  throw new Error("server did not start");
}

function openSocket(url: string, token: string): Promise<{ closed: Promise<number> }> {
  const ws = new WebSocket(url.replace("http", "ws") + "/api/v1/ws", {
    headers: { authorization: `Bearer ${token}` },
  } as never);
  const closed = new Promise<number>((res) => (ws.onclose = (e) => res(e.code)));
  return new Promise((res, rej) => {
    ws.onopen = () => res({ closed });
    ws.onerror = () => rej(new Error("socket failed"));
  });
}

await main();
