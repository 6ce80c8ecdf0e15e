// Splits the change data of a sync message into decoded changes, so every change can be checked
// before the document sees it. Version 2 sync messages carry one blob of concatenated chunks
// (changes, compressed changes or a whole document) that decodeChange alone cannot read.
import { A } from "./automerge.ts";

const MAGIC = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_DOCUMENT = 0;
const CHUNK_CHANGE = 1;
const CHUNK_COMPRESSED_CHANGE = 2;

function uleb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && i < at + 8; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new Error("bad chunk length");
}

/** The chunks in the blobs, each with its type; throws on anything that is not a well-formed chunk. */
export function splitChunks(blobs: Uint8Array[]): { type: "change" | "document"; bytes: Uint8Array }[] {
  const out: { type: "change" | "document"; bytes: Uint8Array }[] = [];
  for (const blob of blobs) {
    let at = 0;
    while (at < blob.length) {
      for (let i = 0; i < 4; i++) if (blob[at + i] !== MAGIC[i]) throw new Error("bad chunk header");
      const type = blob[at + 8];
      const [len, body] = uleb(blob, at + 9);
      const end = body + len;
      if (end > blob.length) throw new Error("truncated chunk");
      const bytes = blob.subarray(at, end);
      if (type === CHUNK_CHANGE || type === CHUNK_COMPRESSED_CHANGE) out.push({ type: "change", bytes });
      else if (type === CHUNK_DOCUMENT) out.push({ type: "document", bytes });
      else throw new Error("unknown chunk type");
      at = end;
    }
  }
  return out;
}

/** The changes in one chunk: the change itself, or every change of a document chunk. */
export function decodeChunk(c: { type: "change" | "document"; bytes: Uint8Array }): A.DecodedChange[] {
  return c.type === "change"
    ? [A.decodeChange(c.bytes)]
    : A.getAllChanges(A.load(c.bytes)).map((x) => A.decodeChange(x));
}

/** Every change in the blobs; throws on anything that is not a well-formed change or document chunk. */
export function decodeChanges(blobs: Uint8Array[]): A.DecodedChange[] {
  return splitChunks(blobs).flatMap(decodeChunk);
}
