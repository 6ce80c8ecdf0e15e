// A document's workspace files: who may list, read and change them, the size limits, streaming
// uploads and downloads (one 1 MiB chunk in memory at a time), and copying the workspace into a
// jail's working directory and back after code ran there.
import { chownSync, constants, lstatSync, mkdirSync, readdirSync, rmSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { AppError, invalid } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { UserRow } from "../store/users-store.ts";
import { CHUNK_BYTES, type FileEntry, type FilesStore } from "../store/files-store.ts";
import type { WorkspaceDir } from "../../sandbox/workspace-dir.ts";
import { SharedWorkspaces } from "./shared-workspaces.ts";
import { BadPathError, checkPath, downloadType, parentFolders, pathKey, type CheckedPath } from "./file-paths.ts";
import { canEdit } from "../../protocol/api-types.ts";
import { readersCannot } from "../documents/document-rules.ts";

export interface FileLimits {
  /** Largest single file. */
  fileBytes: number;
  /** All files of one document. */
  documentBytes: number;
  /** All files of the documents one user owns. */
  userBytes: number;
}

export interface FileJson {
  path: string;
  kind: "file" | "dir";
  size: number;
  updatedAt: number;
}

export interface Usage {
  documentBytes: number;
  documentLimit: number;
  ownerBytes: number;
  ownerLimit: number;
  fileLimit: number;
}

const toJson = (e: FileEntry): FileJson => ({ path: e.path, kind: e.kind, size: e.size, updatedAt: e.updatedAt });
const mb = (n: number) => `${Math.round(n / 1e5) / 10} MB`;

function checked(raw: unknown): CheckedPath {
  try {
    return checkPath(raw);
  } catch (e) {
    if (e instanceof BadPathError) throw invalid(e.message);
    throw e;
  }
}

const folderPaths = (path: string) => parentFolders(path).map((p) => ({ path: p, key: pathKey(p) }));

export class WorkspaceFiles {
  private readonly listeners = new Set<(documentId: string) => void>();
  /** The working directories of open documents, one per document, shared by its kernel and terminals. */
  readonly shared: SharedWorkspaces = new SharedWorkspaces(this);

  constructor(
    private readonly store: FilesStore,
    private readonly documents: DocumentsService,
    readonly limits: FileLimits,
  ) {
    store.dropStaging();
  }

  /** Called with a document id whenever its files change (the editor's live panel). */
  onChange(f: (documentId: string) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private changed(documentId: string): void {
    for (const f of this.listeners) {
      try {
        f(documentId);
      } catch {}
    }
  }

  private canRead(user: UserRow, id: string) {
    return this.documents.access(user, id);
  }

  private canWrite(user: UserRow, id: string) {
    const a = this.documents.access(user, id);
    if (!canEdit(a.role)) throw readersCannot(a.role, "can list and download files but not change them");
    return a;
  }

  usage(documentId: string, ownerId: string): Usage {
    return {
      documentBytes: this.store.documentBytes(documentId),
      documentLimit: this.limits.documentBytes,
      ownerBytes: this.store.ownerBytes(ownerId),
      ownerLimit: this.limits.userBytes,
      fileLimit: this.limits.fileBytes,
    };
  }

  /** A user's own usage across the documents they own. */
  myUsage(user: UserRow): { bytes: number; limit: number; fileLimit: number; documentLimit: number } {
    return {
      bytes: this.store.ownerBytes(user.id),
      limit: this.limits.userBytes,
      fileLimit: this.limits.fileBytes,
      documentLimit: this.limits.documentBytes,
    };
  }

  /** Every owner's usage, for admins. */
  allUsage(): { users: { username: string; bytes: number; files: number }[]; limit: number } {
    return {
      users: this.store.usageByOwner().map(({ username, bytes, files }) => ({ username, bytes, files })),
      limit: this.limits.userBytes,
    };
  }

  list(user: UserRow, id: string): { files: FileJson[]; usage: Usage } {
    const { doc } = this.canRead(user, id);
    return { files: this.store.list(id).map(toJson), usage: this.usage(id, doc.ownerId) };
  }

  /** Every live entry, for code that already checked access (kernel sync, exports, public pages). */
  entries(documentId: string): FileEntry[] {
    return this.store.list(documentId);
  }

  entry(documentId: string, rawPath: string): FileEntry | null {
    try {
      return this.store.byKey(documentId, checkPath(rawPath).key);
    } catch {
      return null;
    }
  }

  /** Refuses what would take a document or its owner over a limit, naming the limit. */
  private checkQuota(documentId: string, ownerId: string, adding: number, replacing: number): void {
    if (adding > this.limits.fileBytes)
      throw new AppError("too_large", `a file may be at most ${mb(this.limits.fileBytes)} (this one is ${mb(adding)})`);
    const doc = this.store.documentBytes(documentId) - replacing + adding;
    if (doc > this.limits.documentBytes)
      throw new AppError(
        "too_large",
        `this document's files may take at most ${mb(this.limits.documentBytes)} together; this upload would make ${mb(doc)}`,
      );
    const owner = this.store.ownerBytes(ownerId) - replacing + adding;
    if (owner > this.limits.userBytes)
      throw new AppError(
        "too_large",
        `the owner's files may take at most ${mb(this.limits.userBytes)} across their documents; this upload would make ${mb(owner)}`,
      );
  }

  private refuseFolderClash(documentId: string, p: CheckedPath): FileEntry | null {
    const existing = this.store.byKey(documentId, p.key);
    if (existing?.kind === "dir") throw new AppError("conflict", `${existing.path} is a folder`);
    if (existing && existing.path !== p.path)
      throw new AppError(
        "conflict",
        `a file named ${existing.path} already exists (names that differ only in case are the same file)`,
      );
    for (const f of parentFolders(p.path)) {
      const e = this.store.byKey(documentId, pathKey(f));
      if (e && e.kind === "file") throw new AppError("conflict", `${e.path} is a file, not a folder`);
    }
    return existing;
  }

  /** Stores a file from a byte stream, one chunk at a time; nothing is visible until it is complete and within limits. */
  async write(
    documentId: string,
    ownerId: string,
    rawPath: string,
    body: ReadableStream<Uint8Array> | null,
    userId: string | null,
    declared: number | null,
  ): Promise<FileEntry> {
    const p = checked(rawPath);
    const existing = this.refuseFolderClash(documentId, p);
    if (declared !== null) this.checkQuota(documentId, ownerId, declared, existing?.size ?? 0);
    const staging = this.store.createStaging(documentId, p.path, userId);
    const hasher = new Bun.CryptoHasher("sha256");
    let size = 0;
    let seq = 0;
    let buf = new Uint8Array(CHUNK_BYTES);
    let fill = 0;
    const flush = () => {
      if (fill === 0) return;
      this.store.appendChunk(staging, seq++, buf.slice(0, fill));
      fill = 0;
    };
    try {
      if (body) {
        const reader = body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.length;
          if (size > this.limits.fileBytes) {
            await reader.cancel().catch(() => {});
            throw new AppError("too_large", `a file may be at most ${mb(this.limits.fileBytes)}`);
          }
          hasher.update(value);
          let off = 0;
          while (off < value.length) {
            const n = Math.min(CHUNK_BYTES - fill, value.length - off);
            buf.set(value.subarray(off, off + n), fill);
            fill += n;
            off += n;
            if (fill === CHUNK_BYTES) {
              flush();
              buf = new Uint8Array(CHUNK_BYTES);
            }
          }
        }
      }
      flush();
      this.checkQuota(documentId, ownerId, size, existing?.size ?? 0);
      // checked again at commit: another upload may have taken the name meanwhile
      this.refuseFolderClash(documentId, p);
      const entry = this.store.commitStaging(
        staging,
        documentId,
        p.path,
        p.key,
        size,
        hasher.digest("hex"),
        folderPaths(p.path),
      );
      this.changed(documentId);
      return entry;
    } catch (e) {
      this.store.dropFile(staging);
      throw e;
    }
  }

  async upload(user: UserRow, id: string, rawPath: string, request: Request): Promise<FileJson> {
    const { doc } = this.canWrite(user, id);
    const len = request.headers.get("content-length");
    const declared = len !== null && /^\d+$/.test(len) ? Number(len) : null;
    return toJson(await this.write(id, doc.ownerId, rawPath, request.body, user.id, declared));
  }

  mkdir(user: UserRow, id: string, rawPath: unknown): FileJson {
    this.canWrite(user, id);
    const p = checked(rawPath);
    const existing = this.refuseFolderClash(id, p);
    if (existing) return toJson(existing);
    this.store.createFolders(id, [...folderPaths(p.path), { path: p.path, key: p.key }], user.id);
    this.changed(id);
    return toJson(this.store.byKey(id, p.key)!);
  }

  move(user: UserRow, id: string, body: unknown): FileJson {
    this.canWrite(user, id);
    const b = (body ?? {}) as { from?: unknown; to?: unknown };
    const from = checked(b.from);
    const to = checked(b.to);
    const src = this.store.byKey(id, from.key);
    if (!src) throw new AppError("not_found", `no file or folder ${from.path}`);
    if (to.key === from.key && to.path === from.path) return toJson(src);
    if (to.key.startsWith(from.key + "/")) throw invalid("a folder cannot be moved into itself");
    const clash = this.store.byKey(id, to.key);
    if (clash && clash.id !== src.id) throw new AppError("conflict", `${clash.path} already exists`);
    for (const f of parentFolders(to.path)) {
      const e = this.store.byKey(id, pathKey(f));
      if (e && e.kind === "file") throw new AppError("conflict", `${e.path} is a file, not a folder`);
    }
    const entries = src.kind === "dir" ? this.store.subtree(id, from.key) : [src];
    this.store.move(id, entries, src.path, to.path, to.key, folderPaths(to.path));
    this.changed(id);
    return toJson(this.store.byKey(id, to.key)!);
  }

  remove(user: UserRow, id: string, rawPath: string): void {
    this.canWrite(user, id);
    const p = checked(rawPath);
    const e = this.store.byKey(id, p.key);
    if (!e) throw new AppError("not_found", `no file or folder ${p.path}`);
    this.store.remove((e.kind === "dir" ? this.store.subtree(id, p.key) : [e]).map((x) => x.id));
    this.changed(id);
  }

  /** The file as a streamed download: an attachment, never sniffed, sandboxed if opened directly. */
  response(entry: FileEntry, opts: { download?: boolean } = {}): Response {
    if (entry.kind !== "file") throw invalid(`${entry.path} is a folder`);
    const store = this.store;
    const count = store.chunkCount(entry.id);
    let seq = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (seq >= count) return ctrl.close();
        const c = store.chunk(entry.id, seq++);
        if (!c) return ctrl.error(new Error("file chunk missing"));
        ctrl.enqueue(c);
      },
    });
    const name = entry.path.split("/").at(-1)!;
    return new Response(stream, {
      headers: {
        "content-type": downloadType(entry.path),
        "content-length": String(entry.size),
        "content-disposition": `${opts.download === false ? "inline" : "attachment"}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        "x-content-type-options": "nosniff",
        // opened directly, even an image or a mislabelled file gets no script, no plugins, no origin
        "content-security-policy": "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'",
        "cache-control": "private, no-cache",
        etag: `"${entry.sha256 ?? entry.id}"`,
      },
    });
  }

  download(user: UserRow, id: string, rawPath: string, inline: boolean): Response {
    this.canRead(user, id);
    const p = checked(rawPath);
    const e = this.store.byKey(id, p.key);
    if (!e) throw new AppError("not_found", `no file ${p.path}`);
    // inline is offered for raster images only (what <img> needs); anything else is an attachment
    return this.response(e, { download: !(inline && downloadType(e.path).startsWith("image/")) });
  }

  /** Whole contents of a small file (exports embedding an image); null when missing or over max. */
  async bytes(entry: FileEntry, max: number): Promise<Uint8Array | null> {
    if (entry.kind !== "file" || entry.size > max) return null;
    const out = new Uint8Array(entry.size);
    let off = 0;
    for (let seq = 0, n = this.store.chunkCount(entry.id); seq < n; seq++) {
      const c = this.store.chunk(entry.id, seq)!;
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  // ---------------------------------------------------------------- the jail's working directory

  ownerOf(documentId: string): string | null {
    return this.store.ownerOf(documentId);
  }

  /** A host directory that mirrors this document's workspace for a jail to work in. */
  mirror(documentId: string, ownerId: string, dir: WorkspaceDir): WorkspaceMirror {
    return new WorkspaceMirror(this, this.store, documentId, ownerId, dir.dir, dir.chownTo);
  }

  /** @internal used by WorkspaceMirror */
  notify(documentId: string): void {
    this.changed(documentId);
  }
}

interface Mirrored {
  sha: string | null;
  snap: Snapshot;
}

export class WorkspaceMirror {
  /** What the directory held after the last sync, by path ("dir:" + path for folders). */
  private readonly state = new Map<string, Mirrored>();

  constructor(
    private readonly files: WorkspaceFiles,
    private readonly store: FilesStore,
    readonly documentId: string,
    private readonly ownerId: string,
    readonly dir: string,
    /** Who files written here must belong to (the jail's host uid when the server is root). */
    private readonly fileOwner: { uid: number; gid: number } | null,
  ) {}

  /**
   * Makes dir/<rel> a chain of real folders: a link or a file in the way (something code in the
   * jail put there) is removed, never followed. The jail is stopped meanwhile (see freeze).
   */
  private realDir(rel: string): string {
    let cur = this.dir;
    for (const part of rel ? rel.split("/") : []) {
      cur = join(cur, part);
      let st: Stats | null = null;
      try {
        st = lstatSync(cur);
      } catch {}
      if (st && !st.isDirectory()) {
        rmSync(cur, { force: true });
        st = null;
      }
      if (!st) {
        mkdirSync(cur);
        if (this.fileOwner) chownSync(cur, this.fileOwner.uid, this.fileOwner.gid);
      }
    }
    return cur;
  }

  private underRealDirs(rel: string): boolean {
    let cur = this.dir;
    for (const part of rel.split("/").slice(0, -1)) {
      cur = join(cur, part);
      try {
        if (!lstatSync(cur).isDirectory()) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /** Brings the directory up to the stored workspace: writes new or changed files, removes deleted ones. */
  async syncIn(): Promise<void> {
    const entries = this.store.list(this.documentId);
    const want = new Set<string>();
    for (const e of entries) {
      const target = join(this.dir, ...e.path.split("/"));
      if (e.kind === "dir") {
        want.add(`dir:${e.path}`);
        if (!this.state.has(`dir:${e.path}`)) {
          this.realDir(e.path);
          this.state.set(`dir:${e.path}`, { sha: null, snap: { size: 0, mtimeMs: 0, ino: 0 } });
        }
        continue;
      }
      want.add(e.path);
      if (this.state.get(e.path)?.sha === e.sha256) continue;
      this.realDir(e.path.split("/").slice(0, -1).join("/"));
      rmSync(target, { force: true, recursive: true });
      const fh = await open(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o644,
      );
      try {
        if (this.fileOwner) await fh.chown(this.fileOwner.uid, this.fileOwner.gid);
        for (let seq = 0, n = this.store.chunkCount(e.id); seq < n; seq++) await fh.write(this.store.chunk(e.id, seq)!);
      } finally {
        await fh.close();
      }
      const st = lstatSync(target);
      this.state.set(e.path, { sha: e.sha256, snap: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } });
    }
    for (const key of [...this.state.keys()]) {
      if (want.has(key)) continue;
      const path = key.startsWith("dir:") ? key.slice(4) : key;
      // only inside real folders: through a link the path would be somewhere else on the host
      if (this.underRealDirs(path)) rmSync(join(this.dir, ...path.split("/")), { force: true, recursive: true });
      this.state.delete(key);
    }
  }

  /**
   * Copies back what code changed in the directory: new and modified regular files, new folders,
   * deletions. Symlinks, devices and sockets are never followed or read; names that fail the
   * path rule are skipped and reported.
   */
  async syncBack(userId: string | null): Promise<SyncReport> {
    const report: SyncReport = { changed: false, skipped: [] };
    const found = new Map<string, { st: Stats; abs: string }>();
    const dirs = new Set<string>();
    const walk = (abs: string, rel: string, depth: number) => {
      let names: string[];
      try {
        names = readdirSync(abs);
      } catch {
        return;
      }
      for (const name of names) {
        const r = rel ? `${rel}/${name}` : name;
        const a = join(abs, name);
        let st: Stats;
        try {
          st = lstatSync(a);
        } catch {
          continue;
        }
        try {
          checkPath(r);
        } catch (e) {
          report.skipped.push(`${r}: ${(e as Error).message}`);
          continue;
        }
        if (st.isSymbolicLink()) report.skipped.push(`${r}: a symbolic link (links are not followed)`);
        else if (st.isDirectory()) {
          if (depth >= 15) report.skipped.push(`${r}: nested too deep`);
          else {
            dirs.add(r);
            walk(a, r, depth + 1);
          }
        } else if (st.isFile()) found.set(r, { st, abs: a });
        else report.skipped.push(`${r}: not a regular file`);
      }
    };
    walk(this.dir, "", 0);
    const live = new Map(this.store.list(this.documentId).map((e) => [e.path, e]));
    // deletions: what the directory had after the last sync and no longer has
    const gone: string[] = [];
    for (const key of this.state.keys()) {
      const isDir = key.startsWith("dir:");
      const path = isDir ? key.slice(4) : key;
      if (isDir ? dirs.has(path) : found.has(path)) continue;
      const e = live.get(path);
      if (e && (e.kind === "dir") === isDir) gone.push(e.id);
      this.state.delete(key);
    }
    if (gone.length) {
      this.store.remove(gone);
      report.changed = true;
    }
    for (const d of [...dirs].sort()) {
      if (!live.has(d)) {
        try {
          this.store.createFolders(this.documentId, [{ path: d, key: pathKey(d) }], userId);
          report.changed = true;
        } catch (e) {
          report.skipped.push(`${d}: ${(e as Error).message}`);
        }
      }
      this.state.set(`dir:${d}`, { sha: null, snap: { size: 0, mtimeMs: 0, ino: 0 } });
    }
    for (const [path, { st, abs }] of found) {
      const prev = this.state.get(path)?.snap;
      if (prev && prev.size === st.size && prev.mtimeMs === st.mtimeMs && prev.ino === st.ino) continue;
      try {
        // opened without following a link swapped in since the walk, and checked to be the same file
        const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const s2 = await fh.stat();
          if (!s2.isFile() || s2.ino !== st.ino) throw new Error("changed while it was being copied");
          const stream = new ReadableStream<Uint8Array>({
            async pull(ctrl) {
              const chunk = new Uint8Array(CHUNK_BYTES);
              const { bytesRead } = await fh.read(chunk, 0, CHUNK_BYTES, null);
              if (bytesRead === 0) ctrl.close();
              else ctrl.enqueue(chunk.subarray(0, bytesRead));
            },
          });
          const entry = await this.files.write(this.documentId, this.ownerId, path, stream, userId, s2.size);
          this.state.set(path, { sha: entry.sha256, snap: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } });
          report.changed = true;
        } finally {
          await fh.close();
        }
      } catch (e) {
        report.skipped.push(`${path}: ${e instanceof AppError ? e.message : (e as Error).message}`);
        // remembered as seen, so an unchanged refused file is not retried after every block
        this.state.set(path, { sha: null, snap: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } });
      }
    }
    if (report.changed) this.files.notify(this.documentId);
    return report;
  }
}

export interface Snapshot {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface SyncReport {
  changed: boolean;
  skipped: string[];
}
