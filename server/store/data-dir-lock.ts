// One server per data directory: `pymd serve` holds an exclusive SQLite lock on DATA_DIR/pymd.lock
// for as long as it runs. The kernel drops the lock when the process ends, however it ends (kill -9
// included), so a stale lock never blocks a restart. The holder's pid sits beside it for messages.
import { Database } from "bun:sqlite";
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The data directory cannot be used: held by another server, read-only, full. */
export class DataDirError extends Error {}
export class DataDirLockedError extends DataDirError {}

const codeOf = (e: unknown) => String((e as { code?: unknown })?.code ?? "");

/** Why the data directory cannot be written, in words that name what to fix. */
export function unusable(dataDir: string, e: unknown): DataDirError {
  const code = codeOf(e);
  const where = resolve(dataDir);
  if (code === "EROFS" || code.startsWith("SQLITE_READONLY"))
    return new DataDirError(
      `the data directory ${where} is on a read-only file system; pymd must write its database there (check --data-dir / PYMD_DATA_DIR and how the volume is mounted)`,
    );
  if (code === "EACCES" || code === "EPERM" || code === "SQLITE_CANTOPEN")
    return new DataDirError(
      `the data directory ${where} is not writable by this user; pymd must write its database there (check --data-dir / PYMD_DATA_DIR and the directory's owner)`,
    );
  if (code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL")
    return new DataDirError(`the disk holding the data directory ${where} is full; free some space and start again`);
  return new DataDirError(`the data directory ${where} cannot be used: ${e instanceof Error ? e.message : String(e)}`);
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const lockPath = join(dataDir, "pymd.lock");
  const pidPath = join(dataDir, "pymd.pid");
  let db: Database;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK);
    db = new Database(lockPath, { create: true });
  } catch (e) {
    throw unusable(dataDir, e);
  }
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA busy_timeout = 0");
    // a write takes the exclusive lock, and exclusive locking mode keeps it until close
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER)");
    db.exec("COMMIT");
  } catch (e) {
    db.close();
    if (!codeOf(e).startsWith("SQLITE_BUSY") && !codeOf(e).startsWith("SQLITE_LOCKED")) throw unusable(dataDir, e);
    let holder = "";
    try {
      const pid = readFileSync(pidPath, "utf8").trim();
      if (/^\d+$/.test(pid)) holder = ` (pid ${pid})`;
    } catch {}
    throw new DataDirLockedError(
      `another pymd server${holder} is already using the data directory ${resolve(dataDir)}; stop it first, or give this one its own --data-dir`,
    );
  }
  try {
    writeFileSync(pidPath, `${process.pid}\n`);
  } catch {}
  return {
    release() {
      try {
        rmSync(pidPath, { force: true });
      } catch {}
      db.close();
    },
  };
}
