// Sync answers that depend on nothing but the document's heads. When a sync state and a message
// mention no hash except the document's current heads, carry no changes, need nothing and hold
// empty Bloom filters, Automerge's answer is the same for every document with that many heads,
// whatever its text: the changes since those heads are none. Such answers are worked out once on
// a tiny stand-in document with as many heads, and its hashes swapped for the real ones. A
// resting document (its Automerge copy freed) can then answer a quiet peer — one that joins, takes
// a snapshot and acknowledges it — without being loaded again.
import { A } from "./automerge.ts";

/** Stand-ins are made for documents with up to this many heads (almost always one). */
const MAX_HEADS = 4;
/** Answers kept per kind; a handful of states occur in practice. */
const KEEP = 256;

type Doc = { content: string };
type Generated = [A.SyncState, Uint8Array | null];

const standIns = new Map<number, { doc: A.Doc<Doc>; heads: string[]; bytes: Uint8Array[] }>();
const generated = new Map<string, Generated | null>();
const received = new Map<string, A.SyncState | null>();

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const HASH = /^[0-9a-f]{64}$/;

/** A document with exactly `n` heads and nothing else that matters to a sync answer. */
function standIn(n: number): { doc: A.Doc<Doc>; heads: string[]; bytes: Uint8Array[] } | undefined {
  if (n < 1 || n > MAX_HEADS) return undefined;
  const known = standIns.get(n);
  if (known) return known;
  const base = A.save(A.from<Doc>({ content: "" }));
  let doc = A.load<Doc>(base);
  for (let i = 0; i < n; i++) {
    // concurrent changes on one base (each copy loaded from the bytes has an actor of its own):
    // each is a head of their merge
    const branch = A.change(A.load<Doc>(base), (d) => A.splice(d, ["content"], 0, 0, String(i)));
    doc = A.merge(doc, branch);
  }
  const heads = A.getHeads(doc);
  if (heads.length !== n) return undefined;
  const made = { doc, heads, bytes: heads.map((h) => Buffer.from(h, "hex")) };
  standIns.set(n, made);
  return made;
}

/** A copy of a value with every string (and object key) found in `from` swapped for the one at its index in `to`. */
function swapped<T>(value: T, from: string[], to: string[]): T {
  const swap = (s: string) => {
    const i = from.indexOf(s);
    return i < 0 ? s : to[i]!;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return swap(v);
    if (v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[swap(k)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** The bytes with every occurrence of each 32-byte hash in `from` replaced by the one at its index in `to`. */
function swappedBytes(bytes: Uint8Array, from: Uint8Array[], to: Uint8Array[]): Uint8Array {
  const out = Buffer.from(bytes);
  from.forEach((f, i) => {
    for (let at = out.indexOf(f); at >= 0; at = out.indexOf(f, at + f.length)) out.set(to[i]!, at);
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The value as one string, or null unless every hash in it is one of `heads`, every Bloom filter is
 * empty, nothing is needed and no change was sent.
 */
function headsOnlyKey(value: unknown, heads: string[]): string | null {
  let ok = true;
  const key = JSON.stringify(value, (k, v) => {
    if (v instanceof Uint8Array) {
      if (v.length > 0) ok = false;
      return "";
    }
    if (typeof v === "string" && HASH.test(v) && !heads.includes(v)) ok = false;
    if ((k === "theirNeed" || k === "need" || k === "changes") && Array.isArray(v) && v.length > 0) ok = false;
    if (k === "sentHashes" && v && Object.keys(v).length > 0) ok = false;
    return v;
  });
  return ok ? key : null;
}

/** After Automerge threw on a stand-in (which may leave it unusable), a fresh one is made next time; the caller asks Automerge itself. */
function forget(n: number): undefined {
  standIns.delete(n);
  return undefined;
}

function keep<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= KEEP) map.clear();
  map.set(key, value);
}

/**
 * `A.generateSyncMessage` for a document at `heads` and a peer in `state`, without the document;
 * undefined when the answer could depend on more than the heads.
 */
export function generateAtHeads(heads: string[], state: A.SyncState): Generated | undefined {
  const s = standIn(heads.length);
  if (!s) return undefined;
  const local = swapped(state, heads, s.heads);
  const key = headsOnlyKey(local, s.heads);
  if (key === null) return undefined;
  let answer = generated.get(key);
  if (answer === undefined) {
    let next: A.SyncState;
    let message: Uint8Array | null;
    try {
      [next, message] = A.generateSyncMessage(s.doc, local);
    } catch {
      return forget(heads.length);
    }
    const sound =
      headsOnlyKey(next, s.heads) !== null &&
      (message === null || headsOnlyKey(A.decodeSyncMessage(message), s.heads) !== null);
    answer = sound ? [next, message] : null;
    keep(generated, key, answer);
  }
  if (answer === null) return undefined;
  const realBytes = heads.map((h) => Buffer.from(h, "hex"));
  return [swapped(answer[0], s.heads, heads), answer[1] === null ? null : swappedBytes(answer[1], s.bytes, realBytes)];
}

/**
 * `A.receiveSyncMessage` of a message without changes for a document at `heads`, without the
 * document (which such a message leaves as it is); undefined when the outcome could depend on more
 * than the heads.
 */
export function receiveAtHeads(
  heads: string[],
  state: A.SyncState,
  message: Uint8Array,
  decoded: A.DecodedSyncMessage,
): A.SyncState | undefined {
  const s = standIn(heads.length);
  if (!s || decoded.changes.length > 0) return undefined;
  const local = swapped(state, heads, s.heads);
  const stateKey = headsOnlyKey(local, s.heads);
  if (stateKey === null || headsOnlyKey(swapped(decoded, heads, s.heads), s.heads) === null) return undefined;
  const realBytes = heads.map((h) => Buffer.from(h, "hex"));
  const localMessage = swappedBytes(message, realBytes, s.bytes);
  const key = `${stateKey}|${hexOf(localMessage)}`;
  let next = received.get(key);
  if (next === undefined) {
    let doc: A.Doc<Doc>;
    let after: A.SyncState;
    try {
      [doc, after] = A.receiveSyncMessage(s.doc, local, localMessage);
    } catch {
      return forget(heads.length);
    }
    s.doc = doc;
    // the stand-in must come out as it went in, or the answer depended on more than its heads
    const sound = headsOnlyKey(after, s.heads) !== null && A.getHeads(doc).join(",") === s.heads.join(",");
    next = sound ? after : null;
    keep(received, key, next);
  }
  return next === null ? undefined : swapped(next, s.heads, heads);
}

/**
 * `A.receiveSyncMessage` of an acknowledgement: a message without changes that needs nothing and
 * whose heads are exactly the document's. Automerge takes such a message in by trusting its heads
 * (shared, last sent, theirs), keeping its Bloom filters as the peer's, forgetting what it sent (the
 * peer has it all) and ending the exchange in flight — but first walks the whole history to check
 * which sent changes the heads cover, which costs what the history weighs (3.5 ms at 50,000
 * changes). Undefined for any other message.
 */
export function receiveAcknowledgement(
  heads: string[],
  state: A.SyncState,
  decoded: A.DecodedSyncMessage,
): A.SyncState | undefined {
  if (decoded.changes.length > 0 || decoded.need.length > 0 || heads.length === 0) return undefined;
  // in the order Automerge keeps them: it compares the lists as they are
  if (decoded.heads.length !== heads.length || !decoded.heads.every((h, i) => h === heads[i])) return undefined;
  const caps = (decoded as { supportedCapabilities?: unknown }).supportedCapabilities;
  return {
    ...state,
    sharedHeads: [...decoded.heads],
    lastSentHeads: [...decoded.heads],
    theirHeads: [...decoded.heads],
    theirNeed: [],
    theirHave: decoded.have,
    sentHashes: {},
    inFlight: false,
    ...(caps === undefined ? {} : { theirCapabilities: caps }),
    // the typings call sentHashes a list; Automerge exports it as an object
  } as unknown as A.SyncState;
}
