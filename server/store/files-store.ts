// Workspace files in SQLite: entries (files and folders) per document and their contents in
// 1 MiB chunks. Uploads go to a staging row first and become live in one transaction.
import type { Database } from "bun:sqlite";
import { newId } from "./ids.ts";

export const CHUNK_BYTES = 1024 * 1024;

export interface FileEntry {
  id: string;
  documentId: string;
  path: string;
  kind: "file" | "dir";
  size: number;
  sha256: string | null;
  updatedBy: string | null;
  updatedAt: number;
}

interface Row {
  id: string;
  document_id: string;
  path: string;
  kind: "file" | "dir";
  size: number;
  sha256: string | null;
  updated_by: string | null;
  updated_at: number;
}

const toEntry = (r: Row): FileEntry => ({
  id: r.id,
  documentId: r.document_id,
  path: r.path,
  kind: r.kind,
  size: r.size,
  sha256: r.sha256,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

const COLS = "id, document_id, path, kind, size, sha256, updated_by, updated_at";

export class FilesStore {
  constructor(private readonly db: Database) {}

  ownerOf(documentId: string): string | null {
    return (
      this.db.query<{ owner_id: string }, [string]>("SELECT owner_id FROM documents WHERE id = ?").get(documentId)
        ?.owner_id ?? null
    );
  }

  /** Removes uploads a crash left in staging. */
  dropStaging(): number {
    return this.db.query("DELETE FROM workspace_files WHERE state = 'staging'").run().changes;
  }

  list(documentId: string): FileEntry[] {
    return this.db
      .query<Row, [string]>(
        `SELECT ${COLS} FROM workspace_files WHERE document_id = ? AND state = 'live' ORDER BY path_key`,
      )
      .all(documentId)
      .map(toEntry);
  }

  byKey(documentId: string, key: string): FileEntry | null {
    const r = this.db
      .query<Row, [string, string]>(
        `SELECT ${COLS} FROM workspace_files WHERE document_id = ? AND path_key = ? AND state = 'live'`,
      )
      .get(documentId, key);
    return r ? toEntry(r) : null;
  }

  /** Live entries at or below a folder (its own row included). */
  subtree(documentId: string, key: string): FileEntry[] {
    return this.db
      .query<Row, [string, string]>(
        `SELECT ${COLS} FROM workspace_files WHERE document_id = ?1 AND state = 'live' AND (path_key = ?2 OR substr(path_key, 1, length(?2) + 1) = ?2 || '/')`,
      )
      .all(documentId, key)
      .map(toEntry);
  }

  /** Bytes of live files in a document. */
  documentBytes(documentId: string): number {
    return this.db
      .query<{ n: number }, [string]>(
        "SELECT coalesce(sum(size), 0) AS n FROM workspace_files WHERE document_id = ? AND state = 'live'",
      )
      .get(documentId)!.n;
  }

  /** Bytes of live files in every document a user owns (their quota). */
  ownerBytes(ownerId: string): number {
    return this.db
      .query<{ n: number }, [string]>(
        "SELECT coalesce(sum(f.size), 0) AS n FROM workspace_files f JOIN documents d ON d.id = f.document_id WHERE d.owner_id = ? AND f.state = 'live'",
      )
      .get(ownerId)!.n;
  }

  /** Workspace bytes per user who owns documents with files, largest first. */
  usageByOwner(): { userId: string; username: string; bytes: number; files: number }[] {
    return this.db
      .query<{ userId: string; username: string; bytes: number; files: number }, []>(
        `SELECT u.id AS userId, u.username AS username, coalesce(sum(f.size), 0) AS bytes, count(f.id) AS files
           FROM users u JOIN documents d ON d.owner_id = u.id JOIN workspace_files f ON f.document_id = d.id AND f.state = 'live' AND f.kind = 'file'
          GROUP BY u.id ORDER BY bytes DESC`,
      )
      .all();
  }

  createStaging(documentId: string, path: string, userId: string | null): string {
    const id = newId();
    const now = Date.now();
    this.db
      .query(
        "INSERT INTO workspace_files (id, document_id, path, path_key, kind, size, state, updated_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'file', 0, 'staging', ?, ?, ?)",
      )
      .run(id, documentId, path, `staging:${id}`, userId, now, now);
    return id;
  }

  appendChunk(fileId: string, seq: number, data: Uint8Array): void {
    this.db.query("INSERT INTO workspace_chunks (file_id, seq, data) VALUES (?, ?, ?)").run(fileId, seq, data);
  }

  dropFile(fileId: string): void {
    this.db.query("DELETE FROM workspace_files WHERE id = ?").run(fileId);
  }

  /** Makes a staging upload the live file at its path, replacing a live file there; folders above are created. */
  commitStaging(
    fileId: string,
    documentId: string,
    path: string,
    key: string,
    size: number,
    sha256: string,
    folders: { path: string; key: string }[],
  ): FileEntry {
    const now = Date.now();
    this.db.transaction(() => {
      for (const f of folders) this.ensureFolderRow(documentId, f.path, f.key, now);
      this.db
        .query(
          "DELETE FROM workspace_files WHERE document_id = ? AND path_key = ? AND state = 'live' AND kind = 'file'",
        )
        .run(documentId, key);
      this.db
        .query(
          "UPDATE workspace_files SET path = ?, path_key = ?, size = ?, sha256 = ?, state = 'live', updated_at = ? WHERE id = ?",
        )
        .run(path, key, size, sha256, now, fileId);
    })();
    return this.byKey(documentId, key)!;
  }

  private ensureFolderRow(documentId: string, path: string, key: string, now: number): void {
    this.db
      .query(
        `INSERT INTO workspace_files (id, document_id, path, path_key, kind, size, state, created_at, updated_at)
         SELECT ?, ?, ?, ?, 'dir', 0, 'live', ?, ? WHERE NOT EXISTS
           (SELECT 1 FROM workspace_files WHERE document_id = ? AND path_key = ? AND state = 'live')`,
      )
      .run(newId(), documentId, path, key, now, now, documentId, key);
  }

  createFolders(documentId: string, folders: { path: string; key: string }[], userId: string | null): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const f of folders) this.ensureFolderRow(documentId, f.path, f.key, now);
      if (folders.length && userId)
        this.db
          .query("UPDATE workspace_files SET updated_by = ? WHERE document_id = ? AND path_key = ? AND state = 'live'")
          .run(userId, documentId, folders.at(-1)!.key);
    })();
  }

  /** Renames every entry of a subtree from one prefix to another, in one transaction. */
  move(
    documentId: string,
    entries: FileEntry[],
    fromPath: string,
    toPath: string,
    toKey: string,
    folders: { path: string; key: string }[],
  ): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const f of folders) this.ensureFolderRow(documentId, f.path, f.key, now);
      const upd = this.db.query("UPDATE workspace_files SET path = ?, path_key = ?, updated_at = ? WHERE id = ?");
      for (const e of entries) {
        const rest = e.path.slice(fromPath.length);
        upd.run(toPath + rest, toKey + rest.toLowerCase().normalize("NFC"), now, e.id);
      }
    })();
  }

  remove(ids: string[]): void {
    const del = this.db.query("DELETE FROM workspace_files WHERE id = ?");
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  chunkCount(fileId: string): number {
    return this.db
      .query<{ n: number }, [string]>("SELECT count(*) AS n FROM workspace_chunks WHERE file_id = ?")
      .get(fileId)!.n;
  }

  chunk(fileId: string, seq: number): Uint8Array | null {
    const r = this.db
      .query<{ data: Uint8Array }, [string, number]>("SELECT data FROM workspace_chunks WHERE file_id = ? AND seq = ?")
      .get(fileId, seq);
    return r ? r.data : null;
  }
}
