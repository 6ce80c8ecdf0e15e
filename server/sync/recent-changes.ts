// The changes an open document took in through sync messages, in the order Automerge applied
// them, and the sync answers that follow from them. Automerge works out what a peer lacks by
// computing a clock over the whole history (`get_changes`), once per peer and edit: with 50
// editors that is 49 walks over the history for every keystroke, each costing what the history
// weighs. But a peer that keeps up names, as what it last synced, heads the document itself had a
// moment ago — and the changes since heads the document had are exactly those applied after that
// moment. So for such a peer the answer is built here from the recent changes alone: the same
// message, byte for byte, and the same state Automerge would produce (the rules below follow its
// generate_sync_message), at a cost that does not grow with the history. Anything else (a
// newcomer, a peer that fell behind the window, a hash the window does not know, a version 1
// peer, a change that did not arrive through sync) returns undefined and goes to Automerge.
import type { A } from "./automerge.ts";

/** A change as the document holds it: its hash, what it depends on and its bytes as Automerge sends them. */
export interface RecentChange {
  hash: string;
  deps: string[];
  bytes: Uint8Array;
}

/** Changes kept before the window starts again from the document's heads. */
const WINDOW = 512;

const keyOf = (hashes: readonly string[]) => [...new Set(hashes)].sort().join(",");

export class RecentChanges {
  private list: RecentChange[] = [];
  private readonly position = new Map<string, number>();
  /** Heads the document had (as a key) → how many of the listed changes it held then. */
  private readonly heldAt = new Map<string, number>();
  /** The heads the window starts from: every change before it is an ancestor of these. */
  private base = new Set<string>();
  private heads = "";
  /** Off while the document holds changes waiting for ones it lacks (Automerge then needs those too). */
  private usable = true;

  constructor(heads: string[]) {
    this.reset(heads);
  }

  /**
   * Starts again from the document's heads: what came before is no longer listed. `usable` false:
   * the document holds changes that wait for missing ones, and nothing is answered from here.
   */
  reset(heads: string[], usable = true): void {
    this.usable = usable;
    this.list = [];
    this.position.clear();
    this.heldAt.clear();
    this.base = new Set(heads);
    this.heads = keyOf(heads);
    this.heldAt.set(this.heads, 0);
  }

  /**
   * The document took in `added` (changes it did not hold, in the order they came) and now has
   * `heads`. When that is not what applying them in that order gives, or a change's bytes cannot
   * be had, the window starts again from the heads.
   */
  record(
    added: { hash: string; deps: string[] }[],
    bytesOf: (hash: string) => Uint8Array | null,
    heads: string[],
  ): void {
    const tips = new Set(this.heads === "" ? [] : this.heads.split(","));
    const later = new Set(added.map((c) => c.hash));
    const entries: RecentChange[] = [];
    for (const c of added) {
      later.delete(c.hash);
      // one that depends on a change after it was held back and applied later: another order
      if (this.position.has(c.hash) || this.base.has(c.hash) || c.deps.some((d) => later.has(d))) {
        this.reset(heads);
        return;
      }
      for (const d of c.deps) tips.delete(d);
      tips.add(c.hash);
      const bytes = bytesOf(c.hash);
      if (!bytes) {
        this.reset(heads);
        return;
      }
      entries.push({ hash: c.hash, deps: [...c.deps], bytes });
    }
    if (keyOf([...tips]) !== keyOf(heads) || entries.length > WINDOW / 2) {
      this.reset(heads);
      return;
    }
    if (this.list.length + entries.length > WINDOW) this.trim(WINDOW / 2);
    for (const e of entries) {
      this.position.set(e.hash, this.list.length);
      this.list.push(e);
    }
    this.heads = keyOf(heads);
    this.heldAt.set(this.heads, this.list.length);
  }

  /** Forgets the oldest changes but `keep`: the window then starts from the heads they and what came before had. */
  private trim(keep: number): void {
    const cut = this.list.length - keep;
    if (cut <= 0) return;
    const dropped = this.list.slice(0, cut);
    const base = new Set([...this.base, ...dropped.map((c) => c.hash)]);
    for (const c of dropped) for (const d of c.deps) base.delete(d);
    this.base = base;
    this.list = this.list.slice(cut);
    this.position.clear();
    this.list.forEach((c, i) => void this.position.set(c.hash, i));
    for (const [k, n] of [...this.heldAt]) {
      if (n < cut) this.heldAt.delete(k);
      else this.heldAt.set(k, n - cut);
    }
    this.heldAt.set(keyOf([...base]), 0);
  }

  /** Whether these are the heads the window last saw. */
  isAt(heads: readonly string[]): boolean {
    return this.usable && keyOf(heads) === this.heads;
  }

  /** Whether the document holds this change, as far as the window can tell (undefined: it cannot). */
  knows(hash: string): boolean {
    return this.position.has(hash) || this.base.has(hash);
  }

  /**
   * Automerge's `get_changes(hashes)` — every change not among the ancestors of `hashes`, in the
   * order applied — when the window can tell: `hashes` are heads the document had within it, or
   * known changes whose ancestors hold every change before the window. Else undefined.
   */
  since(hashes: readonly string[]): RecentChange[] | undefined {
    if (hashes.length === 0) return undefined;
    const held = this.heldAt.get(keyOf(hashes));
    if (held !== undefined) return this.list.slice(held);
    if (!hashes.every((h) => this.knows(h))) return undefined;
    // from the newest change back: one is an ancestor when it is named or a later ancestor depends on it
    const ancestors = new Set(hashes);
    const out: RecentChange[] = [];
    for (let i = this.list.length - 1; i >= 0; i--) {
      const c = this.list[i]!;
      if (ancestors.has(c.hash)) for (const d of c.deps) ancestors.add(d);
      else out.push(c);
    }
    // unless every change before the window is an ancestor, what else is not cannot be told
    for (const b of this.base) if (!ancestors.has(b)) return undefined;
    return out.reverse();
  }
}

// ---- Bloom filters, as Automerge makes and reads them (10 bits per entry, 7 probes) ----

const BITS_PER_ENTRY = 10;
const PROBES = 7;

function probes(hash: Uint8Array, modulo: number, count: number): number[] {
  const u32 = (i: number) => (hash[i]! | (hash[i + 1]! << 8) | (hash[i + 2]! << 16) | (hash[i + 3]! << 24)) >>> 0;
  let x = u32(0) % modulo;
  let y = u32(4) % modulo;
  const z = u32(8) % modulo;
  const out = [x];
  for (let i = 1; i < count; i++) {
    x = (x + y) % modulo;
    y = (y + z) % modulo;
    out.push(x);
  }
  return out;
}

const bytesOfHash = (h: string) => Buffer.from(h, "hex");

/** The filter's bytes for these hashes (empty for none). */
export function bloomOf(hashes: string[]): Uint8Array {
  if (hashes.length === 0) return new Uint8Array(0);
  const bits = new Uint8Array(Math.ceil((hashes.length * BITS_PER_ENTRY) / 8));
  for (const h of hashes)
    for (const p of probes(bytesOfHash(h), bits.length * 8, PROBES)) bits[p >> 3]! |= 1 << (p & 7);
  return Uint8Array.from([...uleb(hashes.length), ...uleb(BITS_PER_ENTRY), ...uleb(PROBES), ...bits]);
}

function readUleb(b: Uint8Array, at: number): [number, number] | null {
  let v = 0;
  for (let i = at, shift = 0; i < b.length && shift < 35; i++, shift += 7) {
    v += (b[i]! & 0x7f) * 2 ** shift;
    if ((b[i]! & 0x80) === 0) return [v, i + 1];
  }
  return null;
}

/** A test for membership in the filter these bytes encode; null when they are not one Automerge could read. */
export function bloomReader(bytes: Uint8Array): ((hash: string) => boolean) | null {
  if (bytes.length === 0) return () => false;
  const n = readUleb(bytes, 0);
  const per = n && readUleb(bytes, n[1]);
  const k = per && readUleb(bytes, per[1]);
  if (!n || !per || !k) return null;
  const size = Math.ceil((n[0] * per[0]) / 8);
  const bits = bytes.subarray(k[1], k[1] + size);
  if (bits.length !== size) return null;
  if (n[0] === 0) return () => false;
  // Automerge would divide by zero here
  if (size === 0) return null;
  return (hash) => {
    for (const p of probes(bytesOfHash(hash), size * 8, k[0]))
      if (p >> 3 < bits.length && (bits[p >> 3]! & (1 << (p & 7))) === 0) return false;
    return true;
  };
}

// ---- Sync messages ----

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

class Writer {
  private parts: (number[] | Uint8Array)[] = [];
  private size = 0;
  num(n: number): void {
    const b = uleb(n);
    this.parts.push(b);
    this.size += b.length;
  }
  raw(b: Uint8Array | number[]): void {
    this.parts.push(b);
    this.size += b.length;
  }
  hashes(hs: readonly string[]): void {
    this.num(hs.length);
    for (const h of hs) this.raw(bytesOfHash(h));
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** The sync state as Automerge 2.2.9 exports it to JavaScript. */
interface ExportedState {
  sharedHeads: string[];
  lastSentHeads: string[];
  theirHeads: string[] | null | undefined;
  theirNeed: string[] | null | undefined;
  theirHave: { lastSync: string[]; bloom: Uint8Array }[] | null | undefined;
  sentHashes: Record<string, boolean>;
  inFlight: boolean;
  haveResponded: boolean;
  theirCapabilities?: string[] | null;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * `A.generateSyncMessage(doc, state)` for a document at `heads` whose recent changes are `recent`,
 * worked out from those changes; undefined when the answer depends on more than they tell.
 */
export function generateFromRecent(
  recent: RecentChanges,
  heads: string[],
  state: A.SyncState,
  /** Whether the document holds a change (the window knows only its own); none: only what the window knows. */
  holds: (hash: string) => boolean = () => false,
): [A.SyncState, Uint8Array | null] | undefined {
  const s = state as unknown as ExportedState;
  // only a peer past its first exchange that speaks version 2 (the only kind this server meets)
  if (!recent.isAt(heads) || s.haveResponded !== true || !s.theirCapabilities?.includes("message-v2")) return undefined;
  const has = (h: string) => recent.knows(h) || holds(h);
  // what we need: their heads we lack (the document holds no change waiting for a missing one)
  const need = [...new Set((s.theirHeads ?? []).filter((h) => !has(h)))].sort();
  const sharedSince = recent.since(s.sharedHeads);
  if (!sharedSince) return undefined;
  const have = s.theirHave;
  // their last sync names a change we do not hold: Automerge answers with a reset
  if (have && have.length > 0 && !have[0]!.lastSync.every(has)) return undefined;
  let send: RecentChange[] = [];
  if (have && s.theirNeed) {
    if (s.theirNeed.length > 0) return undefined;
    if (have.length > 0) {
      const changes = recent.since(have.flatMap((h) => h.lastSync));
      if (!changes) return undefined;
      const blooms = have.map((h) => bloomReader(h.bloom));
      if (blooms.some((b) => b === null)) return undefined;
      const chosen = new Set(changes.filter((c) => blooms.every((b) => !b!(c.hash))).map((c) => c.hash));
      // whatever depends on a change they lack is sent too
      const dependents = new Map<string, string[]>();
      for (const c of changes) for (const d of c.deps) dependents.set(d, [...(dependents.get(d) ?? []), c.hash]);
      const stack = [...chosen];
      while (stack.length > 0)
        for (const h of dependents.get(stack.pop()!) ?? [])
          if (!chosen.has(h)) {
            chosen.add(h);
            stack.push(h);
          }
      send = changes.filter((c) => chosen.has(c.hash) && !s.sentHashes[c.hash]);
    }
  }
  const blob = send.length === 1 ? send[0]!.bytes : Buffer.concat(send.map((c) => c.bytes));
  const hasChanges = blob.length > 1;
  if (sameList(s.lastSentHeads, heads) && s.haveResponded) {
    if (s.theirHeads && sameList(s.theirHeads, heads) && !hasChanges) return [state, null];
    if (s.inFlight) return [state, null];
  }
  const sentHashes = { ...s.sentHashes };
  for (const c of send) sentHashes[c.hash] = true;
  const next: ExportedState = { ...s, haveResponded: true, lastSentHeads: [...heads], sentHashes, inFlight: true };
  const w = new Writer();
  w.raw([0x43]);
  w.hashes(heads);
  w.hashes(need);
  const bloom = bloomOf(sharedSince.map((c) => c.hash));
  w.num(1);
  w.hashes(s.sharedHeads);
  w.num(bloom.length);
  w.raw(bloom);
  if (hasChanges) {
    w.num(1);
    w.num(blob.length);
    w.raw(blob);
  } else w.num(0);
  return [next as unknown as A.SyncState, w.done()];
}
