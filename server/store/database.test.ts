// The SQLite store: pragmas, numbered migrations applied once, refusal of a newer schema.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase, schemaVersion } from "./database.ts";
import { MIGRATIONS } from "./migrations.ts";
import { ftsQuery } from "./documents-store.ts";

const dir = mkdtempSync(join(tmpdir(), "pymd-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("database", () => {
  test("WAL, foreign keys, all migrations recorded, private directory", () => {
    const db = openDatabase(join(dir, "a"));
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(db.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()!.foreign_keys).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    const names = db
      .query<{ name: string }, []>("SELECT name FROM schema_migrations ORDER BY version")
      .all()
      .map((r) => r.name);
    expect(names).toEqual(MIGRATIONS.map((m) => m.name));
    expect(statSync(join(dir, "a")).mode & 0o777).toBe(0o700);
    db.close();
  });

  test("reopening applies nothing twice; a later migration is applied once", () => {
    const db = openDatabase(join(dir, "b"));
    expect(migrate(db, MIGRATIONS)).toEqual([]);
    const extra = [...MIGRATIONS, { version: 999, name: "extra", sql: "CREATE TABLE extra (x INTEGER)" }];
    expect(migrate(db, extra)).toEqual([999]);
    expect(migrate(db, extra)).toEqual([]);
    db.close();
    // The older binary refuses a database a newer one has migrated.
    expect(() => openDatabase(join(dir, "b"))).toThrow(/newer than this pymd/);
  });

  test("foreign keys are enforced", () => {
    const db = openDatabase(join(dir, "c"));
    expect(() =>
      db
        .query(
          "INSERT INTO documents (id, title, owner_id, created_at, updated_at) VALUES ('x', 't', 'no-such-user', 0, 0)",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });

  test("full-text queries are built from words only", () => {
    expect(ftsQuery("hello world")).toBe('"hello" "world"*');
    expect(ftsQuery('a"b OR NEAR(')).toBe('"a" "b" "OR" "NEAR"*');
    expect(ftsQuery("  ** ")).toBeNull();
  });
});
