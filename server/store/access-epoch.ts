// A number that moves whenever who may read a document may have changed (memberships, trash,
// ownership, user role or disabled, sessions and tokens), so holders of cached access can re-check.
import type { Database } from "bun:sqlite";

const epochs = new WeakMap<Database, { n: number; listed: number; data: number; version: number | null }>();

const epochOf = (db: Database) => {
  let e = epochs.get(db);
  if (!e) epochs.set(db, (e = { n: 0, listed: 0, data: 0, version: null }));
  return e;
};

/**
 * SQLite's data_version, read once per turn of the event loop: every push and message of a turn
 * asks for the epoch, and another process's commit during a turn is seen at the next one, as if
 * it had come a moment later. This process's own writes move the counters above at once.
 */
function dataVersion(db: Database): number {
  const e = epochOf(db);
  if (e.version === null) {
    e.version = db.query<{ data_version: number }, []>("PRAGMA data_version").get()?.data_version ?? 0;
    setImmediate(() => {
      e.version = null;
    });
  }
  return e.version;
}

/** Called by the stores after every write that can take access away. */
export function bumpAccessEpoch(db: Database): void {
  epochOf(db).n++;
}

/**
 * Called after every write that can change what a listing counts without touching access: a new
 * document, its tags, or where its user filed it.
 */
export function bumpListEpoch(db: Database): void {
  epochOf(db).listed++;
}

/** Called after every other write to a document's row (its text, title, time of change, publishing). */
export function bumpDataEpoch(db: Database): void {
  epochOf(db).data++;
}

/** Moves with the list epoch and with every bumpDataEpoch: a cached page of a listing stays right while it holds. */
export function dataEpoch(db: Database): string {
  return `${listEpoch(db)}:${epochOf(db).data}`;
}

/** Moves with the access epoch and with every bumpListEpoch: cached listing counts stay right while it holds. */
export function listEpoch(db: Database): string {
  const e = epochOf(db);
  return `${e.n}:${e.listed}:${dataVersion(db)}`;
}

/**
 * The current epoch: this process's own writes, plus SQLite's data_version, which moves when
 * another process (the `pymd user` CLI) commits to the same file.
 */
export function accessEpoch(db: Database): string {
  return `${epochOf(db).n}:${dataVersion(db)}`;
}
