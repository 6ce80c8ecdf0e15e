// The stored Automerge histories (sync_chunks) and actor ownership (sync_actors) of documents, and
// the one transaction that saves a chunk together with the document's plain text.
import type { Database } from "bun:sqlite";

export class SyncStore {
  constructor(private readonly db: Database) {}

  chunks(documentId: string): Uint8Array[] {
    return this.db
      .query<{ data: Uint8Array }, [string]>("SELECT data FROM sync_chunks WHERE document_id = ? ORDER BY seq")
      .all(documentId)
      .map((r) => r.data);
  }

  /** The document's stored plain text, or null when it does not exist. */
  content(documentId: string): string | null {
    return this.db.query<{ content: string }, [string]>("SELECT content FROM documents WHERE id = ?").get(documentId)?.content ?? null;
  }

  /** Appends a chunk (if any) and the resulting text atomically; with compact, the chunk replaces all earlier ones. */
  save(documentId: string, data: Uint8Array, content: string | null, opts: { compact?: boolean; actors?: [string, string][] } = {}, now = Date.now()): void {
    this.db.transaction(() => {
      if (opts.compact) this.db.query("DELETE FROM sync_chunks WHERE document_id = ?").run(documentId);
      if (data.length > 0)
        this.db
          .query("INSERT INTO sync_chunks (document_id, seq, data, created_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_chunks WHERE document_id = ?), ?, ?)")
          .run(documentId, documentId, data, now);
      if (content !== null) this.db.query("UPDATE documents SET content = ?, updated_at = ? WHERE id = ? AND content IS NOT ?").run(content, now, documentId, content);
      const ins = this.db.query("INSERT OR IGNORE INTO sync_actors (document_id, actor, user_id) VALUES (?, ?, ?)");
      for (const [actor, userId] of opts.actors ?? []) ins.run(documentId, actor, userId);
    })();
  }

  actors(documentId: string): Map<string, string> {
    const rows = this.db.query<{ actor: string; user_id: string }, [string]>("SELECT actor, user_id FROM sync_actors WHERE document_id = ?").all(documentId);
    return new Map(rows.map((r) => [r.actor, r.user_id]));
  }
}
