// The collaboration wire format shared by browser and server: the Automerge document shape, the
// binary sync frame (1 type byte, 16-byte document id, Automerge sync message) and user colours.

/** Every document's source is an Automerge document of this shape; `content` is Automerge text. */
export type CollabDoc = {
  content: string;
};

/** Frame type byte of an Automerge sync message for one document. */
export const FRAME_SYNC = 1;
export const FRAME_HEADER_BYTES = 17;
/** Largest binary frame a client may send: an offline session's worth of changes fits. */
export const SYNC_MAX_FRAME_BYTES = 4 * 1024 * 1024;

const DOC_ID = /^[a-z2-7]{16}$/;

export function encodeSyncFrame(doc: string, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + message.length);
  out[0] = FRAME_SYNC;
  for (let i = 0; i < 16; i++) out[1 + i] = doc.charCodeAt(i);
  out.set(message, FRAME_HEADER_BYTES);
  return out;
}

/** Validates a binary frame's envelope; the payload itself is checked by whoever decodes it. */
export function decodeBinaryFrame(frame: Uint8Array): { type: "sync"; doc: string; message: Uint8Array } | { error: string } {
  if (frame.length > SYNC_MAX_FRAME_BYTES) return { error: "frame too large" };
  if (frame.length <= FRAME_HEADER_BYTES) return { error: "binary frame too short" };
  if (frame[0] !== FRAME_SYNC) return { error: "unknown binary frame type" };
  let doc = "";
  for (let i = 1; i < FRAME_HEADER_BYTES; i++) doc += String.fromCharCode(frame[i]!);
  if (!DOC_ID.test(doc)) return { error: "binary frame has no valid document id" };
  return { type: "sync", doc, message: frame.subarray(FRAME_HEADER_BYTES) };
}

const COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#469990", "#9a6324", "#800000", "#808000", "#000075"];

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
