// The collaboration wire format shared by browser and server: the Automerge document shape, the
// binary frames (1 type byte, 16-byte document id, then a sync message or a snapshot part) and user colours.

/** Every document's source is an Automerge document of this shape; `content` is Automerge text. */
export type CollabDoc = {
  content: string;
};

/** Frame type byte of an Automerge sync message for one document (both ways). */
export const FRAME_SYNC = 1;
/** Client → server, header only: "I hold no copy of this document; send it whole". */
export const FRAME_SNAPSHOT_REQUEST = 2;
/** Server → client: one part of the document's `A.save` bytes (bytes 17–18 part, 19–20 part count, big-endian). */
export const FRAME_SNAPSHOT = 3;
export const FRAME_HEADER_BYTES = 17;
const SNAPSHOT_HEADER_BYTES = FRAME_HEADER_BYTES + 4;
/** Largest binary frame a client may send (an offline session's worth of changes fits), and the size of a snapshot part. */
export const SYNC_MAX_FRAME_BYTES = 4 * 1024 * 1024;

const DOC_ID = /^[a-z2-7]{16}$/;

function header(type: number, doc: string, payloadBytes: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payloadBytes);
  out[0] = type;
  for (let i = 0; i < 16; i++) out[1 + i] = doc.charCodeAt(i);
  return out;
}

export function encodeSyncFrame(doc: string, message: Uint8Array): Uint8Array {
  const out = header(FRAME_SYNC, doc, message.length);
  out.set(message, FRAME_HEADER_BYTES);
  return out;
}

export function encodeSnapshotRequest(doc: string): Uint8Array {
  return header(FRAME_SNAPSHOT_REQUEST, doc, 0);
}

/** A document's saved bytes as snapshot frames of at most maxFrameBytes each. */
export function encodeSnapshotFrames(
  doc: string,
  saved: Uint8Array,
  maxFrameBytes = SYNC_MAX_FRAME_BYTES,
): Uint8Array[] {
  const per = maxFrameBytes - SNAPSHOT_HEADER_BYTES;
  const parts = Math.max(1, Math.ceil(saved.length / per));
  if (parts > 0xffff) throw new Error("snapshot too large");
  const frames: Uint8Array[] = [];
  for (let i = 0; i < parts; i++) {
    const slice = saved.subarray(i * per, (i + 1) * per);
    const out = header(FRAME_SNAPSHOT, doc, 4 + slice.length);
    out[17] = i >> 8;
    out[18] = i & 0xff;
    out[19] = parts >> 8;
    out[20] = parts & 0xff;
    out.set(slice, SNAPSHOT_HEADER_BYTES);
    frames.push(out);
  }
  return frames;
}

export type BinaryFrame =
  | { type: "sync"; doc: string; message: Uint8Array }
  | { type: "snapshot-request"; doc: string }
  | { type: "snapshot"; doc: string; part: number; parts: number; data: Uint8Array };

/**
 * Validates a binary frame's envelope; the payload itself is checked by whoever decodes it. The
 * server passes its frame cap; a client takes whatever size the server sends.
 */
export function decodeBinaryFrame(frame: Uint8Array, maxBytes = Infinity): BinaryFrame | { error: string } {
  if (frame.length > maxBytes) return { error: "frame too large" };
  if (frame.length < FRAME_HEADER_BYTES) return { error: "binary frame too short" };
  let doc = "";
  for (let i = 1; i < FRAME_HEADER_BYTES; i++) doc += String.fromCharCode(frame[i]!);
  if (!DOC_ID.test(doc)) return { error: "binary frame has no valid document id" };
  switch (frame[0]) {
    case FRAME_SYNC:
      if (frame.length === FRAME_HEADER_BYTES) return { error: "binary frame too short" };
      return { type: "sync", doc, message: frame.subarray(FRAME_HEADER_BYTES) };
    case FRAME_SNAPSHOT_REQUEST:
      return frame.length === FRAME_HEADER_BYTES
        ? { type: "snapshot-request", doc }
        : { error: "a snapshot request carries nothing" };
    case FRAME_SNAPSHOT: {
      if (frame.length < SNAPSHOT_HEADER_BYTES) return { error: "binary frame too short" };
      const part = (frame[17]! << 8) | frame[18]!;
      const parts = (frame[19]! << 8) | frame[20]!;
      if (parts === 0 || part >= parts) return { error: "bad snapshot part" };
      return { type: "snapshot", doc, part, parts, data: frame.subarray(SNAPSHOT_HEADER_BYTES) };
    }
    default:
      return { error: "unknown binary frame type" };
  }
}

/** Collects one document's snapshot parts; add() returns the whole saved document once the last part is in. */
export class SnapshotParts {
  private parts: Uint8Array[] = [];

  add(f: { part: number; parts: number; data: Uint8Array }): Uint8Array | null {
    // A first part starts a new snapshot: whatever came before belonged to an abandoned one.
    if (f.part === 0 || this.parts.length !== f.part) this.parts = [];
    if (this.parts.length !== f.part) return null;
    this.parts.push(f.data.slice());
    if (this.parts.length < f.parts) return null;
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) out.set(p, at), (at += p.length);
    this.parts = [];
    return out;
  }
}

/**
 * An encoded Automerge sync state (`A.decodeSyncState` input) whose shared heads are `heads`: after
 * a snapshot both sides hold exactly those changes, and syncing on from there costs nothing.
 * The layout is Automerge 2.x's: 0x43, the head count (LEB128), the 32-byte hashes.
 */
export function syncStateAtHeads(heads: string[]): Uint8Array {
  const count: number[] = [];
  let n = heads.length;
  do {
    count.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const out = new Uint8Array(1 + count.length + 32 * heads.length);
  out[0] = 0x43;
  out.set(count, 1);
  heads.forEach((h, i) => {
    if (!/^[0-9a-f]{64}$/.test(h)) throw new Error("a head must be a 64-digit hex hash");
    for (let k = 0; k < 32; k++) out[1 + count.length + 32 * i + k] = parseInt(h.slice(2 * k, 2 * k + 2), 16);
  });
  return out;
}

const COLOURS = [
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#42d4f4",
  "#f032e6",
  "#469990",
  "#9a6324",
  "#800000",
  "#808000",
  "#000075",
];

/** A stable colour per user, so everyone sees a collaborator in the same colour. */
export function colourFor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return COLOURS[h % COLOURS.length]!;
}

/** A cursor or selection in the document's text, as UTF-16 offsets (CodeMirror's positions). */
export interface CursorJson {
  anchor: number;
  head: number;
}

export interface PresenceUserJson {
  id: string;
  username: string;
  /** The display name the user chose, else their username. */
  name: string;
  colour: string;
}

/** One version in a document's history: consecutive changes by one author close in time. */
export interface VersionJson {
  /** Hash of the version's last change; names the version in URLs. */
  hash: string;
  heads: string[];
  author: { id: string; username: string } | null;
  /** First and last change time of the version (ISO). */
  from: string;
  to: string;
  changes: number;
}
