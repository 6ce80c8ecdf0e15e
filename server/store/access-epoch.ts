// A number that moves whenever who may read a document may have changed (memberships, trash,
// ownership, user role or disabled, sessions and tokens), so holders of cached access can re-check.
import type { Database } from "bun:sqlite";

const epochs = new WeakMap<Database, { n: number }>();

/** Called by the stores after every write that can take access away. */
export function bumpAccessEpoch(db: Database): void {
  const e = epochs.get(db);
  if (e) e.n++;
  else epochs.set(db, { n: 1 });
}

/**
 * The current epoch: this process's own writes, plus SQLite's data_version, which moves when
 * another process (the `pymd user` CLI) commits to the same file.
 */
export function accessEpoch(db: Database): string {
  const version = db.query<{ data_version: number }, []>("PRAGMA data_version").get()?.data_version ?? 0;
  return `${epochs.get(db)?.n ?? 0}:${version}`;
}
