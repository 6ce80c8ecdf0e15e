// A document and its workspace as one .zip: written as a stream (entries stored, sizes and CRC in
// data descriptors, so nothing is held whole), and read back from a file on disk through its
// central directory (stored and deflated entries). Enough of the format (APPNOTE 6.3) for that and
// no more: no ZIP64 (archives and entries under 4 GiB), no encryption, no multi-disk archives.
import { crc32, createInflateRaw } from "node:zlib";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";

export interface ZipSource {
  name: string;
  /** Produces the entry's bytes when the writer gets to it. */
  open(): ReadableStream<Uint8Array>;
  mtime?: number;
}

const FLAG_DESCRIPTOR = 0x08;
const FLAG_UTF8 = 0x800;
const MAX_32 = 0xffffffff;

function dosTime(ms: number): { time: number; date: number } {
  const d = new Date(ms);
  const y = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((y - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** A zip archive of the sources, produced as it is read. */
export function zipStream(sources: ZipSource[]): ReadableStream<Uint8Array> {
  const central: Uint8Array[] = [];
  let offset = 0;
  let index = 0;
  let current: {
    reader: ReadableStreamDefaultReader<Uint8Array>;
    crc: number;
    size: number;
    name: Uint8Array;
    start: number;
    time: number;
    date: number;
  } | null = null;
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (!current) {
        if (index >= sources.length) {
          // end: central directory and its end record
          let size = 0;
          for (const c of central) {
            ctrl.enqueue(c);
            size += c.length;
          }
          const end = new Uint8Array(22);
          const v = new DataView(end.buffer);
          v.setUint32(0, 0x06054b50, true);
          v.setUint16(8, central.length, true);
          v.setUint16(10, central.length, true);
          v.setUint32(12, size, true);
          v.setUint32(16, offset, true);
          ctrl.enqueue(end);
          ctrl.close();
          return;
        }
        const s = sources[index++]!;
        const name = enc.encode(s.name);
        const { time, date } = dosTime(s.mtime ?? Date.now());
        const head = new Uint8Array(30 + name.length);
        const v = new DataView(head.buffer);
        v.setUint32(0, 0x04034b50, true);
        v.setUint16(4, 20, true);
        v.setUint16(6, FLAG_DESCRIPTOR | FLAG_UTF8, true);
        v.setUint16(8, 0, true); // stored
        v.setUint16(10, time, true);
        v.setUint16(12, date, true);
        v.setUint16(26, name.length, true);
        head.set(name, 30);
        current = { reader: s.open().getReader(), crc: 0, size: 0, name, start: offset, time, date };
        offset += head.length;
        ctrl.enqueue(head);
        return;
      }
      const { done, value } = await current.reader.read();
      if (!done) {
        current.crc = crc32(value, current.crc);
        current.size += value.length;
        offset += value.length;
        if (offset > MAX_32) throw new Error("the archive would pass 4 GiB, which this zip writer does not support");
        ctrl.enqueue(value);
        return;
      }
      const c = current;
      current = null;
      const desc = new Uint8Array(16);
      const dv = new DataView(desc.buffer);
      dv.setUint32(0, 0x08074b50, true);
      dv.setUint32(4, c.crc >>> 0, true);
      dv.setUint32(8, c.size, true);
      dv.setUint32(12, c.size, true);
      offset += 16;
      ctrl.enqueue(desc);
      const cd = new Uint8Array(46 + c.name.length);
      const cv = new DataView(cd.buffer);
      cv.setUint32(0, 0x02014b50, true);
      cv.setUint16(4, 0x0314, true); // made by: unix, 2.0
      cv.setUint16(6, 20, true);
      cv.setUint16(8, FLAG_DESCRIPTOR | FLAG_UTF8, true);
      cv.setUint16(10, 0, true);
      cv.setUint16(12, c.time, true);
      cv.setUint16(14, c.date, true);
      cv.setUint32(16, c.crc >>> 0, true);
      cv.setUint32(20, c.size, true);
      cv.setUint32(24, c.size, true);
      cv.setUint16(28, c.name.length, true);
      cv.setUint32(38, (0o100644 << 16) >>> 0, true); // a regular file, rw-r--r--
      cv.setUint32(42, c.start, true);
      cd.set(c.name, 46);
      central.push(cd);
    },
    async cancel() {
      await current?.reader.cancel();
    },
  });
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
  isDirectory: boolean;
}

export class ZipError extends Error {}

const MAX_ENTRIES = 20_000;

/** The entries of a zip file on disk, from its central directory. */
export async function readZipEntries(fh: FileHandle): Promise<ZipEntry[]> {
  const { size } = await fh.stat();
  const tailLen = Math.min(size, 22 + 65_535);
  const tail = new Uint8Array(tailLen);
  await fh.read(tail, 0, tailLen, size - tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("not a zip file (no end of central directory)");
  const ev = new DataView(tail.buffer, eocd);
  const count = ev.getUint16(10, true);
  const cdSize = ev.getUint32(12, true);
  const cdOffset = ev.getUint32(16, true);
  if (count === 0xffff || cdOffset === MAX_32) throw new ZipError("ZIP64 archives are not supported");
  if (count > MAX_ENTRIES) throw new ZipError(`the archive has more than ${MAX_ENTRIES} entries`);
  if (cdOffset + cdSize > size) throw new ZipError("the zip file is truncated");
  const cd = new Uint8Array(cdSize);
  await fh.read(cd, 0, cdSize, cdOffset);
  const v = new DataView(cd.buffer);
  const out: ZipEntry[] = [];
  const dec = new TextDecoder("utf-8", { fatal: true });
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdSize || v.getUint32(p, true) !== 0x02014b50)
      throw new ZipError("the zip's central directory is damaged");
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const compressedSize = v.getUint32(p + 20, true);
    const usize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const localOffset = v.getUint32(p + 42, true);
    if (flags & 0x1) throw new ZipError("encrypted zip entries are not supported");
    let name: string;
    try {
      name = dec.decode(cd.subarray(p + 46, p + 46 + nameLen));
    } catch {
      throw new ZipError("a zip entry's name is not valid UTF-8");
    }
    out.push({ name, method, compressedSize, size: usize, crc, localOffset, isDirectory: name.endsWith("/") });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** An entry's bytes as a stream (inflated when deflated); the CRC is checked at the end. */
export async function zipEntryStream(fh: FileHandle, e: ZipEntry): Promise<ReadableStream<Uint8Array>> {
  if (e.method !== 0 && e.method !== 8)
    throw new ZipError(`${e.name}: compression method ${e.method} is not supported (stored or deflate only)`);
  const head = new Uint8Array(30);
  await fh.read(head, 0, 30, e.localOffset);
  const hv = new DataView(head.buffer);
  if (hv.getUint32(0, true) !== 0x04034b50) throw new ZipError(`${e.name}: damaged local header`);
  let pos = e.localOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  let left = e.compressedSize;
  const raw = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (left <= 0) return ctrl.close();
      const n = Math.min(left, 1024 * 1024);
      const buf = new Uint8Array(n);
      const { bytesRead } = await fh.read(buf, 0, n, pos);
      if (bytesRead === 0) return ctrl.error(new ZipError(`${e.name}: the zip file is truncated`));
      pos += bytesRead;
      left -= bytesRead;
      ctrl.enqueue(buf.subarray(0, bytesRead));
    },
  });
  const body =
    e.method === 8
      ? (Readable.toWeb(
          Readable.fromWeb(raw as never).pipe(createInflateRaw()),
        ) as unknown as ReadableStream<Uint8Array>)
      : raw;
  let crc = 0;
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctrl) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        if (size > e.size) return ctrl.error(new ZipError(`${e.name}: larger than the archive says`));
        ctrl.enqueue(chunk);
      },
      flush(ctrl) {
        if (size !== e.size || crc >>> 0 !== e.crc >>> 0)
          ctrl.error(new ZipError(`${e.name}: damaged (size or checksum does not match)`));
      },
    }),
  );
}
