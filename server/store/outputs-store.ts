// The last outputs of executed blocks per document, keyed by a hash of each block's code.
import type { Database } from "bun:sqlite";
import type { BlockResult } from "../../protocol/run-frames.ts";

export class OutputsStore {
  constructor(private readonly db: Database) {}

  forDocument(documentId: string): Map<string, BlockResult> {
    const rows = this.db
      .query<{ code_hash: string; result: string }, [string]>(
        "SELECT code_hash, result FROM document_outputs WHERE document_id = ?",
      )
      .all(documentId);
    return parsed(rows);
  }

  /** The stored outputs of these code hashes only (what a document's current blocks can show). */
  forHashes(documentId: string, codeHashes: readonly string[]): Map<string, BlockResult> {
    if (codeHashes.length === 0) return new Map();
    const rows = this.db
      .query<{ code_hash: string; result: string }, [string, string]>(
        "SELECT code_hash, result FROM document_outputs WHERE document_id = ? AND code_hash IN (SELECT value FROM json_each(?))",
      )
      .all(documentId, JSON.stringify([...new Set(codeHashes)]));
    return parsed(rows);
  }

  /** Changes whenever a document's stored outputs do (a save stamps its row; a removal lowers the count). */
  stamp(documentId: string): string {
    const r = this.db
      .query<{ n: number; latest: number | null }, [string]>(
        "SELECT count(*) AS n, max(updated_at) AS latest FROM document_outputs WHERE document_id = ?",
      )
      .get(documentId);
    return `${r?.n ?? 0}:${r?.latest ?? 0}`;
  }

  save(documentId: string, codeHash: string, result: BlockResult): void {
    this.db
      .query(
        `INSERT INTO document_outputs (document_id, code_hash, result, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(document_id, code_hash) DO UPDATE SET result = excluded.result, updated_at = excluded.updated_at`,
      )
      .run(documentId, codeHash, JSON.stringify(result), Date.now());
  }

  /** Keeps only the outputs of these code hashes (those the document's blocks show), in one statement. */
  retain(documentId: string, codeHashes: ReadonlySet<string>): void {
    this.db
      .query("DELETE FROM document_outputs WHERE document_id = ? AND code_hash NOT IN (SELECT value FROM json_each(?))")
      .run(documentId, JSON.stringify([...codeHashes]));
  }
}

function parsed(rows: { code_hash: string; result: string }[]): Map<string, BlockResult> {
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
