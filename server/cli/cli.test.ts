// The pymd command line as a user runs it: exit codes, messages, user admin against a live
// server's data directory, backups, and durability of acknowledged writes across kill -9.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { spawnServe } from "../testing/spawn-serve.ts";

const MAIN = join(import.meta.dir, "..", "main.ts");
let dir: string;

function pymd(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd: dir,
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    env: { PATH: process.env.PATH ?? "/usr/bin", HOME: dir, ...opts.env },
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const startServe = (dataDir: string, port = 0) => spawnServe(dataDir, dir, port);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pymd-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("usage and exit codes", () => {
  test("--help and --version on every command exit 0", () => {
    for (const args of [
      ["--help"],
      ["--version"],
      ["serve", "--help"],
      ["user", "--help"],
      ["backup", "--help"],
      ["user", "--version"],
    ]) {
      const r = pymd(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.out.length).toBeGreaterThan(0);
    }
    expect(pymd(["--version"]).out).toMatch(/^pymd \d+\.\d+\.\d+/);
  });

  test("bad usage exits 2 with error: on stderr", () => {
    for (const args of [
      ["frobnicate"],
      ["serve", "--nope"],
      ["user"],
      ["user", "add"],
      ["user", "explode"],
      ["user", "list", "--admin"],
      ["backup"],
    ]) {
      const r = pymd(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toStartWith("error: ");
    }
  });

  test("a bad config value stops start-up with one line naming flag and variable", () => {
    const flag = pymd(["serve", "--port", "http"]);
    expect(flag.code).toBe(2);
    expect(flag.err.trim().split("\n")).toHaveLength(1);
    expect(flag.err).toContain("--port");
    expect(flag.err).toContain("PYMD_PORT");
    const env = pymd(["serve"], { env: { PYMD_LOG_FORMAT: "xml" } });
    expect(env.code).toBe(2);
    expect(env.err).toContain("--log-format");
    expect(env.err).toContain("PYMD_LOG_FORMAT");
    const url = pymd(["serve", "--base-url", "ftp://x"]);
    expect(url.code).toBe(2);
    expect(url.err).toContain("PYMD_BASE_URL");
  });
});

describe("one server per port and per data directory", () => {
  test("a second server on a port in use, or on a data directory a live server holds, exits 1 with one line", async () => {
    const a = await startServe(join(dir, "lock-a"));
    try {
      const port = new URL(a.url).port;
      const samePort = pymd(["serve", "--host", "127.0.0.1", "--port", port, "--data-dir", join(dir, "lock-b")]);
      expect(samePort.code).toBe(1);
      expect(samePort.err).toBe(
        `error: port ${port} on 127.0.0.1 is already in use by another program; choose another with --port or PYMD_PORT\n`,
      );
      const sameDir = pymd(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dir, "lock-a")]);
      expect(sameDir.code).toBe(1);
      expect(sameDir.err).toBe(
        `error: another pymd server (pid ${a.proc.pid}) is already using the data directory ${join(dir, "lock-a")}; stop it first, or give this one its own --data-dir\n`,
      );
      // the first server still answers every request
      for (let i = 0; i < 10; i++) expect((await fetch(`${a.url}/api/v1/health`)).status).toBe(200);
    } finally {
      a.proc.kill(9);
      await a.proc.exited;
    }
    // kill -9 leaves no stale lock: the directory can be served again at once
    const again = await startServe(join(dir, "lock-a"));
    expect((await fetch(`${again.url}/api/v1/health`)).status).toBe(200);
    again.proc.kill(9);
    await again.proc.exited;
  }, 30_000);

  test("user commands on a directory without a database say so; only user add creates one, and says it did", () => {
    const empty = join(dir, "no-db-here");
    for (const args of [
      ["user", "list"],
      ["user", "role", "ann", "admin"],
      ["user", "disable", "ann"],
      ["user", "passwd", "ann", "--password-stdin"],
    ]) {
      const r = pymd([...args, "--data-dir", empty], { stdin: "whatever-password\n" });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.err).toBe(
        `error: no pymd database at ${join(empty, "pymd.db")}; point --data-dir (or PYMD_DATA_DIR) at the server's data directory\n`,
      );
    }
    expect(existsSync(join(empty, "pymd.db"))).toBe(false);
    const add = pymd(["user", "add", "first", "--admin", "--password-stdin", "--data-dir", empty], {
      stdin: "firstpassword\n",
    });
    expect(add.code).toBe(0);
    expect(add.err).toContain(`note: there was no database at ${join(empty, "pymd.db")}; created a new one`);
    expect(pymd(["user", "list", "--data-dir", empty]).code).toBe(0);
  });
});

describe("user administration", () => {
  test("add, list, role, passwd, disable, enable, delete with transfer", async () => {
    const data = join(dir, "users-data");
    const d = ["--data-dir", data];
    expect(pymd(["user", "add", "root", "--admin", "--password-stdin", ...d], { stdin: "rootpassword\n" }).code).toBe(
      0,
    );
    expect(pymd(["user", "add", "ann", "--password-stdin", ...d], { stdin: "annpassword1\n" }).code).toBe(0);
    const dup = pymd(["user", "add", "ann", "--password-stdin", ...d], { stdin: "annpassword1\n" });
    expect(dup.code).toBe(1);
    expect(dup.err).toContain("already exists");
    const short = pymd(["user", "add", "ben", "--password-stdin", ...d], { stdin: "short\n" });
    expect(short.code).toBe(1);
    expect(short.err).toContain("at least 8");
    const noTty = pymd(["user", "add", "ben", ...d]);
    expect(noTty.code).toBe(2);
    expect(noTty.err).toContain("--password-stdin");
    const list = JSON.parse(pymd(["user", "list", "--json", ...d]).out) as { username: string; role: string }[];
    expect(list.map((u) => [u.username, u.role])).toEqual([
      ["ann", "user"],
      ["root", "admin"],
    ]);
    expect(pymd(["user", "role", "ann", "viewer", ...d]).code).toBe(0);
    expect(pymd(["user", "role", "ann", "king", ...d]).code).toBe(2);
    expect(pymd(["user", "role", "root", "user", ...d]).code).toBe(1); // the last admin stays admin

    // Against a running server: disabling ends the session at once.
    const srv = await startServe(data);
    try {
      expect(srv.log).not.toContain("No users exist yet");
      expect(pymd(["user", "role", "ann", "user", ...d]).code).toBe(0);
      const login = await fetch(srv.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ann", password: "annpassword1" }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const created = await fetch(srv.url + "/api/v1/documents", {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ title: "Ann's notebook" }),
      });
      expect(created.status).toBe(201);
      const dis = pymd(["user", "disable", "ann", ...d]);
      expect(dis.code).toBe(0);
      expect(dis.out).toContain("ended 1 session");
      expect((await fetch(srv.url + "/api/v1/auth/me", { headers: { cookie } })).status).toBe(401);
      expect(pymd(["user", "enable", "ann", ...d]).code).toBe(0);
      expect(pymd(["user", "passwd", "ann", "--password-stdin", ...d], { stdin: "newpassword2\n" }).code).toBe(0);
      const relog = await fetch(srv.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ann", password: "newpassword2" }),
      });
      expect(relog.status).toBe(200);

      const refused = pymd(["user", "delete", "ann", ...d]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("--transfer-to");
      const del = pymd(["user", "delete", "ann", "--transfer-to", "root", ...d]);
      expect(del.code).toBe(0);
      expect(del.out).toContain("1 document(s) now belong to root");
      expect(pymd(["user", "delete", "ghost", ...d]).code).toBe(1);

      // A consistent backup while the server runs.
      const backup = join(dir, "backup.db");
      const b = pymd(["backup", backup, ...d]);
      expect(b.code).toBe(0);
      const bdb = new Database(backup, { readonly: true });
      const titles = bdb
        .query<{ title: string }, []>("SELECT title FROM documents")
        .all()
        .map((r) => r.title);
      bdb.close();
      expect(titles).toContain("Ann's notebook");
      expect(pymd(["backup", backup, ...d]).code).toBe(1); // exists: needs --force
      expect(pymd(["backup", backup, "--force", ...d]).code).toBe(0);
    } finally {
      srv.proc.kill();
      await srv.proc.exited;
    }
  }, 60_000);

  test("first start with no users says how to create the admin", async () => {
    const srv = await startServe(join(dir, "empty-data"));
    try {
      await Bun.sleep(100);
      const status = (await (await fetch(srv.url + "/api/v1/auth/status")).json()) as {
        needsSetup: boolean;
        hint: string;
      };
      expect(status.needsSetup).toBe(true);
      expect(status.hint).toContain("pymd user add NAME --admin");
    } finally {
      srv.proc.kill();
      await srv.proc.exited;
    }
    expect(existsSync(join(dir, "empty-data", "pymd.db"))).toBe(true);
  }, 30_000);
});

describe("durability", () => {
  test("every write the API acknowledged survives kill -9 of the server", async () => {
    const data = join(dir, "durable-data");
    expect(pymd(["user", "add", "kim", "--password-stdin", "--data-dir", data], { stdin: "kimpassword\n" }).code).toBe(
      0,
    );
    const srv = await startServe(data);
    const acked: string[] = [];
    try {
      const login = await fetch(srv.url + "/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "kim", password: "kimpassword" }),
      });
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      // Four writers keep posting; the kill lands while requests are in flight. Only the
      // writes answered 201 must survive.
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop && i < 1000; i++) {
          try {
            const r = await fetch(srv.url + "/api/v1/documents", {
              method: "POST",
              headers: { cookie, "content-type": "application/json" },
              body: JSON.stringify({ title: `doc ${w}-${i}`, content: "x".repeat(2000) }),
            });
            if (r.status === 201) acked.push(((await r.json()) as { id: string }).id);
          } catch {
            return;
          }
        }
      };
      const inflight = [0, 1, 2, 3].map(writer);
      while (acked.length < 100) await Bun.sleep(5);
      srv.proc.kill(9);
      stop = true;
      await Promise.all(inflight);
    } finally {
      srv.proc.kill(9);
      await srv.proc.exited;
    }
    expect(acked.length).toBeGreaterThan(0);
    const db = new Database(join(data, "pymd.db"));
    const ids = new Set(
      db
        .query<{ id: string }, []>("SELECT id FROM documents")
        .all()
        .map((r) => r.id),
    );
    const integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check;
    db.close();
    expect(integrity).toBe("ok");
    const lost = acked.filter((id) => !ids.has(id));
    expect(lost).toEqual([]);
  }, 60_000);
});
