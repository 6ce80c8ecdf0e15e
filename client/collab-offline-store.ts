// Keeps each document's Automerge bytes in IndexedDB, so edits made offline survive a reload and
// merge with the server's history on reconnect.
const DB_NAME = "pymd-collab";
const STORE = "documents";

let opening: Promise<IDBDatabase> | null = null;

function database(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const req = f(db.transaction(STORE, mode).objectStore(STORE));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The saved bytes of a document, or null (also when IndexedDB is unavailable, e.g. private mode). */
export async function loadOffline(docId: string): Promise<Uint8Array | null> {
  try {
    const v = await run("readonly", (s) => s.get(docId) as IDBRequest<Uint8Array | undefined>);
    return v instanceof Uint8Array ? v : null;
  } catch {
    return null;
  }
}

export async function saveOffline(docId: string, bytes: Uint8Array): Promise<void> {
  try {
    await run("readwrite", (s) => s.put(bytes, docId));
  } catch {
    // Without IndexedDB the document still works online; only offline survival is lost.
  }
}

export async function forgetOffline(docId: string): Promise<void> {
  try {
    await run("readwrite", (s) => s.delete(docId));
  } catch {
    // Nothing stored, nothing to forget.
  }
}

/** Deletes the saved bytes of every document. */
export async function forgetAllOffline(): Promise<void> {
  try {
    await run("readwrite", (s) => s.clear());
  } catch {
    // Nothing stored, nothing to forget.
  }
}
