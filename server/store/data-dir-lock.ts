// One server per data directory: `pymd serve` holds an exclusive SQLite lock on DATA_DIR/pymd.lock
// for as long as it runs. The kernel drops the lock when the process ends, however it ends (kill -9
// included), so a stale lock never blocks a restart. The holder's pid sits beside it for messages.
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, "pymd.lock");
  const pidPath = join(dataDir, "pymd.pid");
  const db = new Database(lockPath, { create: true });
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA busy_timeout = 0");
    // a write takes the exclusive lock, and exclusive locking mode keeps it until close
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER)");
    db.exec("COMMIT");
  } catch {
    db.close();
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
