// The stored Automerge histories (sync_chunks) and actor ownership (sync_actors) of documents.
// documents.content follows the history lazily: a chunk is stored (and acknowledged) with a mark
// in sync_stale_content when the text it changes is not written yet; the text is written later in
// one statement that also clears the mark, so a crash in between is repaired from the history at start.
import type { Database } from "bun:sqlite";
import { bumpDataEpoch } from "./access-epoch.ts";

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
    return (
      this.db.query<{ content: string }, [string]>("SELECT content FROM documents WHERE id = ?").get(documentId)
        ?.content ?? null
    );
  }

  /**
   * Appends a chunk (if any) atomically with what goes with it: the resulting text when given
   * (null leaves documents.content as it is), and with `stale` the mark that documents.content is
   * behind the history. With compact, the chunk replaces all earlier ones.
   */
  save(
    documentId: string,
    data: Uint8Array,
    content: string | null,
    opts: { compact?: boolean; actors?: [string, string][]; stale?: boolean } = {},
    now = Date.now(),
  ): void {
    this.db.transaction(() => {
      if (opts.compact) this.db.query("DELETE FROM sync_chunks WHERE document_id = ?").run(documentId);
      if (data.length > 0)
        this.db
          .query(
            "INSERT INTO sync_chunks (document_id, seq, data, created_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_chunks WHERE document_id = ?), ?, ?)",
          )
          .run(documentId, documentId, data, now);
      if (content !== null) this.writeContentRow(documentId, content, now);
      else if (opts.stale)
        this.db
          .query("INSERT OR IGNORE INTO sync_stale_content (document_id, since) VALUES (?, ?)")
          .run(documentId, now);
      const ins = this.db.query("INSERT OR IGNORE INTO sync_actors (document_id, actor, user_id) VALUES (?, ?, ?)");
      for (const [actor, userId] of opts.actors ?? []) ins.run(documentId, actor, userId);
    })();
  }

  /** Brings documents.content (and so the search index) up to the stored history's text and clears the mark. */
  writeContent(documentId: string, content: string, updatedAt = Date.now()): void {
    this.db.transaction(() => this.writeContentRow(documentId, content, updatedAt))();
  }

  private writeContentRow(documentId: string, content: string, updatedAt: number): void {
    if (
      this.db
        .query("UPDATE documents SET content = ?, updated_at = ? WHERE id = ? AND content IS NOT ?")
        .run(content, updatedAt, documentId, content).changes > 0
    ) {
      bumpDataEpoch(this.db);
    }
    this.db.query("DELETE FROM sync_stale_content WHERE document_id = ?").run(documentId);
  }

  /** Documents whose stored text is behind their stored history (left so by a crash). */
  staleDocuments(): string[] {
    return this.db
      .query<{ document_id: string }, []>("SELECT document_id FROM sync_stale_content")
      .all()
      .map((r) => r.document_id);
  }

  actors(documentId: string): Map<string, string> {
    const rows = this.db
      .query<{ actor: string; user_id: string }, [string]>(
        "SELECT actor, user_id FROM sync_actors WHERE document_id = ?",
      )
      .all(documentId);
    return new Map(rows.map((r) => [r.actor, r.user_id]));
  }
}
