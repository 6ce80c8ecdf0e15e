// Opens the one SQLite file (WAL, foreign keys on) and brings its schema up to date.
import { Database } from "bun:sqlite";
/** The database handle, for the layers above that pass it along (only store/ opens one). */
export type { Database } from "bun:sqlite";
import { mkdirSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import { unusable } from "./data-dir-lock.ts";

/** Failures that mean the data directory itself cannot be written (told as such), not a bug. */
const STORAGE_CODES = /^(EROFS|EACCES|EPERM|ENOSPC|EDQUOT|SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_FULL)/;

export const DATABASE_FILE = "pymd.db";

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/** Opens (creating if needed) the database in dataDir and applies pending migrations. */
export function openDatabase(dataDir: string, opts: { migrations?: Migration[] } = {}): Database {
  try {
    return openIn(dataDir, opts);
  } catch (e) {
    if (STORAGE_CODES.test(String((e as { code?: unknown })?.code ?? ""))) throw unusable(dataDir, e);
    throw e;
  }
}

function openIn(dataDir: string, opts: { migrations?: Migration[] }): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dataDir, 0o700);
  } catch {
    // Not our directory to change (e.g. a mounted volume); the file mode below still applies.
  }
  const db = new Database(databasePath(dataDir), { create: true, strict: true });
  configure(db);
  migrate(db, opts.migrations ?? MIGRATIONS);
  return db;
}

export function configure(db: Database): void {
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode keeps every committed transaction across a process crash (kill -9);
  // only an OS crash or power loss can lose the last commits.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA temp_store = MEMORY");
  // A larger page cache and memory-mapped reads keep listing and search joins off the read path.
  db.exec("PRAGMA cache_size = -65536");
  db.exec("PRAGMA mmap_size = 268435456");
}

export function schemaVersion(db: Database): number {
  const row = db.query<{ v: number | null }, []>("SELECT MAX(version) AS v FROM schema_migrations").get();
  return row?.v ?? 0;
}

export function migrate(db: Database, migrations: Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied: number[] = [];
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  // An exclusive transaction per migration: a CLI command and the server starting together
  // cannot both apply the same one.
  for (const m of sorted) {
    const tx = db.transaction(() => {
      const done = db.query("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version);
      if (done) return false;
      db.exec(m.sql);
      db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        Date.now(),
      );
      return true;
    });
    if (tx.exclusive()) applied.push(m.version);
  }
  const newest = sorted[sorted.length - 1]?.version ?? 0;
  const current = schemaVersion(db);
  if (current > newest) {
    throw new Error(
      `the database schema (version ${current}) is newer than this pymd (version ${newest}); upgrade pymd`,
    );
  }
  return applied;
}
