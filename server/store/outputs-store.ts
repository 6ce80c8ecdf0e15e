// The last outputs of executed blocks per document, keyed by a hash of each block's code.
import type { Database } from "bun:sqlite";
import type { BlockResult } from "../../protocol/run-frames.ts";

export class OutputsStore {
  constructor(private readonly db: Database) {}

  forDocument(documentId: string): Map<string, BlockResult> {
    const rows = this.db
      .query<{ code_hash: string; result: string }, [string]>("SELECT code_hash, result FROM document_outputs WHERE document_id = ?")
      .all(documentId);
    const out = new Map<string, BlockResult>();
    for (const r of rows) {
      try {
        out.set(r.code_hash, JSON.parse(r.result) as BlockResult);
      } catch {
        // A row that no longer parses is dropped from view rather than failing the document.
      }
    }
    return out;
  }

  save(documentId: string, codeHash: string, result: BlockResult): void {
    this.db
      .query(
        `INSERT INTO document_outputs (document_id, code_hash, result, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(document_id, code_hash) DO UPDATE SET result = excluded.result, updated_at = excluded.updated_at`,
      )
      .run(documentId, codeHash, JSON.stringify(result), Date.now());
  }

  /** Keeps only the outputs of code that is still in the document. */
  retain(documentId: string, codeHashes: Set<string>): void {
    const existing = this.db.query<{ code_hash: string }, [string]>("SELECT code_hash FROM document_outputs WHERE document_id = ?").all(documentId);
    const del = this.db.query("DELETE FROM document_outputs WHERE document_id = ? AND code_hash = ?");
    for (const r of existing) if (!codeHashes.has(r.code_hash)) del.run(documentId, r.code_hash);
  }
}
