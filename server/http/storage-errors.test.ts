// Storage failures through the real server: a full disk (a small tmpfs as the data directory)
// answers 507 and a database locked by another program 503, each with a message that says what
// happened; what was stored before stays readable and writes work again once the cause is gone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorResponseParts } from "./error-status.ts";
import { databasePath } from "../store/database.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { startServer } from "../app.ts";
import { loadConfig } from "../config/config.ts";
import { silentLogger } from "../log/logger.ts";

interface ErrorReply {
  error: { code: string; message: string };
}

/** Mounts a tmpfs of `size` on a fresh directory; the reason when this host does not let us. */
function smallFilesystem(size: string): { dir: string; unmount(): void } | string {
  const dir = mkdtempSync(join(tmpdir(), "pymd-full-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs is not permitted here (${(r.stderr || r.error?.message || "").trim()}); run as root to test a full disk`;
  }
  return {
    dir,
    unmount() {
      spawnSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system holding `dir` to the last byte; returns the filler to delete. */
function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  for (const size of [1 << 20, 65536, 4096, 512, 1]) {
    const chunk = Buffer.alloc(size, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOSPC") throw e;
    }
  }
  closeSync(fd);
  return path;
}

describe("disk full", () => {
  const fs = smallFilesystem("24m");
  const skip = typeof fs === "string";
  if (skip) console.warn(`storage-errors: disk-full tests skipped: ${fs}`);
  let srv: TestServer;
  let alice: TestClient;

  beforeAll(async () => {
    if (typeof fs === "string") return;
    srv = await startTestServer({ dataDir: join(fs.dir, "data") });
    alice = await srv.userClient("alice");
  }, 30_000);
  afterAll(async () => {
    if (typeof fs === "string") return;
    await srv?.close();
    fs.unmount();
  });

  test.skipIf(skip)(
    "writes answer 507 with a clear message, reads keep working, nothing stored is lost, and writes work again once space is freed",
    async () => {
      const before = await alice.json("POST", "/api/v1/documents", {
        title: "Saved before",
        content: "# # Saved before\n# the text that must survive\n",
      });
      expect(before.status).toBe(201);
      const id = before.body.id as string;
      const big = "# " + "x".repeat(600_000) + "\n";
      // the document's history is open in memory, so a failed edit fails in storing a change
      expect((await alice.req("GET", `/api/v1/documents/${id}/history`)).status).toBe(200);

      const token = (await alice.json("POST", "/api/v1/tokens", { name: "reader" })).body.token as string;
      // a session close to its expiry is extended on use: a write inside a read
      srv.services.db.query("UPDATE sessions SET expires_at = ?").run(Date.now() + 24 * 3600_000);
      // an empty WAL: every write from here on needs new space
      srv.services.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      const filler = fill((fs as { dir: string }).dir);
      try {
        const created = await alice.req("POST", "/api/v1/documents", { title: "Too big for the disk", content: big });
        expect(created.status).toBe(507);
        const body = (await created.json()) as ErrorReply;
        expect(body.error.code).toBe("insufficient_storage");
        expect(body.error.message).toContain("disk is full");

        const edited = await alice.req("PATCH", `/api/v1/documents/${id}`, { content: big });
        expect(edited.status).toBe(507);
        expect(((await edited.json()) as ErrorReply).error.message).toContain("disk is full");

        const upload = await alice.req(
          "PUT",
          `/api/v1/documents/${id}/file?path=data.bin`,
          new Uint8Array(2_000_000).fill(7),
          {
            "content-type": "application/octet-stream",
          },
        );
        expect(upload.status).toBe(507);

        // reading needs no space, even when it would extend the session or note the token's last use
        const read = await alice.json("GET", `/api/v1/documents/${id}`);
        expect(read.status).toBe(200);
        expect(
          (await fetch(srv.url + `/api/v1/documents/${id}`, { headers: { authorization: `Bearer ${token}` } })).status,
        ).toBe(200);
        expect((await alice.json("GET", "/api/v1/documents")).status).toBe(200);
      } finally {
        unlinkSync(filler);
      }

      const after = await alice.json("POST", "/api/v1/documents", {
        title: "After",
        content: "# written after space came back\n",
      });
      expect(after.status).toBe(201);
      expect(srv.services.documentsStore.byId(after.body.id)!.content).toBe("# written after space came back\n");
      // an edit after the failed one is acknowledged and must survive a restart, although the history
      // it extends holds a change whose store failed
      const second = "# # Saved before\n# edited once space came back\n";
      expect((await alice.req("PATCH", `/api/v1/documents/${id}`, { content: second })).status).toBe(200);
      const dataDir = join((fs as { dir: string }).dir, "data");
      await srv.close();
      srv = await startTestServer({ dataDir });
      const history = await fetch(srv.url + `/api/v1/documents/${id}/history`, { headers: { cookie: alice.cookie! } });
      expect(history.status).toBe(200);
      const reread = await fetch(srv.url + `/api/v1/documents/${id}`, { headers: { cookie: alice.cookie! } });
      expect(((await reread.json()) as { content: string }).content).toBe(second);
      // what was acknowledged before the disk filled is intact in the file, not only in memory
      const file = new Database(databasePath(join((fs as { dir: string }).dir, "data")), { readonly: true });
      try {
        const row = file.query<{ content: string }, [string]>("SELECT content FROM documents WHERE id = ?").get(id);
        expect(row?.content).toBe(second);
        expect(
          file
            .query<{ n: number }, []>("SELECT COUNT(*) AS n FROM documents WHERE title = 'Too big for the disk'")
            .get()!.n,
        ).toBe(0);
      } finally {
        file.close();
      }
    },
    180_000,
  );
});

describe("database locked by another program", () => {
  let srv: TestServer;
  let bob: TestClient;
  beforeAll(async () => {
    srv = await startTestServer();
    bob = await srv.userClient("bob");
  }, 30_000);
  afterAll(() => srv.close());

  test("a write waits for the lock, then answers 503 with Retry-After and a message; it works once the lock is gone", async () => {
    const other = new Database(databasePath(srv.dataDir));
    other.exec("BEGIN IMMEDIATE");
    try {
      const res = await bob.req("POST", "/api/v1/documents", { title: "While locked" });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      const body = (await res.json()) as ErrorReply;
      expect(body.error.code).toBe("unavailable");
      expect(body.error.message).toContain("database is busy");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect((await bob.json("POST", "/api/v1/documents", { title: "After the lock" })).status).toBe(201);
  }, 30_000);
});

describe("read-only database", () => {
  test("SQLite's read-only error maps to 503 with a message naming the data directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "pymd-ro-"));
    try {
      const rw = new Database(join(dir, "x.db"), { create: true });
      rw.exec("CREATE TABLE t (x)");
      rw.close();
      const ro = new Database(join(dir, "x.db"), { readonly: true });
      let caught: unknown = null;
      try {
        ro.exec("INSERT INTO t VALUES (1)");
      } catch (e) {
        caught = e;
      }
      ro.close();
      expect((caught as { code?: string }).code).toStartWith("SQLITE_READONLY");
      const p = errorResponseParts(caught, "req-1");
      expect(p.status).toBe(503);
      expect(p.body.error.message).toContain("read-only");
      // anything else stays a plain 500 that tells nothing about internals
      expect(errorResponseParts(new Error("boom"), "req-2").status).toBe(500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("starting on a data directory that cannot be written", () => {
  const start = (dataDir: string) =>
    startServer({ ...loadConfig({}, {}), port: 0, host: "127.0.0.1", dataDir }, silentLogger);

  test("a read-only file system is named as such", async () => {
    const fs = smallFilesystem("4m");
    if (typeof fs === "string") return void console.warn(`storage-errors: read-only start skipped: ${fs}`);
    try {
      expect(spawnSync("mount", ["-o", "remount,ro", fs.dir]).status).toBe(0);
      await expect(start(join(fs.dir, "data"))).rejects.toThrow(/data directory .* is on a read-only file system/);
    } finally {
      fs.unmount();
    }
  });

  test("a full disk is named as such", async () => {
    const fs = smallFilesystem("4m");
    if (typeof fs === "string") return void console.warn(`storage-errors: full-disk start skipped: ${fs}`);
    try {
      fill(fs.dir);
      await expect(start(fs.dir)).rejects.toThrow(/disk holding the data directory .* is full/);
    } finally {
      fs.unmount();
    }
  });
});
