// Each user's folders and where their documents sit (migration 17): a document is in at most
// one folder per user, and may be one of their favourites. Folders are private to their user.
import type { Database } from "bun:sqlite";
import { newId } from "./ids.ts";
import { bumpListEpoch, listEpoch } from "./access-epoch.ts";

export interface FolderRow {
  id: string;
  parentId: string | null;
  name: string;
  createdAt: number;
  documents: number;
}

export class FoldersStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Each user's folder list, valid while the list epoch stays `cachedEpoch`. */
  private readonly cached = new Map<string, FolderRow[]>();
  private cachedEpoch = "";

  /** A user's folders by name, with how many of their live documents each holds. */
  list(userId: string): FolderRow[] {
    const epoch = listEpoch(this.db);
    if (epoch !== this.cachedEpoch) {
      this.cached.clear();
      this.cachedEpoch = epoch;
    }
    let rows = this.cached.get(userId);
    if (!rows) {
      rows = this.read(userId);
      if (this.cached.size >= 1_000) this.cached.clear();
      this.cached.set(userId, rows);
    }
    return rows.map((r) => ({ ...r }));
  }

  private read(userId: string): FolderRow[] {
    return this.db
      .query<FolderRow, [string]>(
        `SELECT f.id, f.parent_id AS parentId, f.name, f.created_at AS createdAt,
                (SELECT COUNT(*) FROM document_filing p JOIN documents d ON d.id = p.document_id
                 WHERE p.folder_id = f.id AND d.deleted_at IS NULL
                   AND (d.owner_id = f.user_id OR EXISTS (SELECT 1 FROM document_members m WHERE m.document_id = d.id AND m.user_id = f.user_id))) AS documents
         FROM folders f WHERE f.user_id = ? ORDER BY f.name COLLATE NOCASE, f.id`,
      )
      .all(userId);
  }

  count(userId: string): number {
    return this.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM folders WHERE user_id = ?").get(userId)!.n;
  }

  /** The folder if it is this user's. */
  get(userId: string, id: string): { id: string; parentId: string | null; name: string } | null {
    return this.db
      .query<{ id: string; parentId: string | null; name: string }, [string, string]>(
        "SELECT id, parent_id AS parentId, name FROM folders WHERE id = ? AND user_id = ?",
      )
      .get(id, userId);
  }

  /** Whether `id` is `ancestor` or lies inside it. */
  isWithin(id: string, ancestor: string): boolean {
    return (
      this.db
        .query<{ hit: number }, [string, string]>(
          `WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT f.parent_id FROM folders f JOIN up ON f.id = up.id WHERE f.parent_id IS NOT NULL)
           SELECT 1 AS hit FROM up WHERE id = ? LIMIT 1`,
        )
        .get(id, ancestor) !== null
    );
  }

  /** How deep a folder is (1 for one at the top). */
  depth(id: string): number {
    return this.db
      .query<{ n: number }, [string]>(
        `WITH RECURSIVE up(id, n) AS (SELECT ?, 1 UNION SELECT f.parent_id, up.n + 1 FROM folders f JOIN up ON f.id = up.id WHERE f.parent_id IS NOT NULL)
         SELECT MAX(n) AS n FROM up`,
      )
      .get(id)!.n;
  }

  /** How many levels a folder and those inside it take (1 for one with none inside). */
  height(id: string): number {
    return this.db
      .query<{ n: number }, [string]>(
        `WITH RECURSIVE down(id, n) AS (SELECT ?, 1 UNION SELECT f.id, down.n + 1 FROM folders f JOIN down ON f.parent_id = down.id WHERE down.n < 64)
         SELECT MAX(n) AS n FROM down`,
      )
      .get(id)!.n;
  }

  create(userId: string, name: string, parentId: string | null): string {
    const id = newId();
    this.db
      .query("INSERT INTO folders (id, user_id, parent_id, name, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(id, userId, parentId, name, this.now());
    bumpListEpoch(this.db);
    return id;
  }

  update(id: string, name: string, parentId: string | null): void {
    this.db.query("UPDATE folders SET name = ?, parent_id = ? WHERE id = ?").run(name, parentId, id);
    bumpListEpoch(this.db);
  }

  /** Deletes the folder and the folders inside it; their documents are left in no folder. */
  delete(id: string): void {
    this.db.query("DELETE FROM folders WHERE id = ?").run(id);
    bumpListEpoch(this.db);
  }

  /** Puts the user's document in a folder (null: none) and/or marks it a favourite. */
  file(userId: string, documentId: string, change: { folderId?: string | null; favorite?: boolean }): void {
    this.db.transaction(() => {
      this.db
        .query("INSERT OR IGNORE INTO document_filing (user_id, document_id) VALUES (?, ?)")
        .run(userId, documentId);
      if (change.folderId !== undefined)
        this.db
          .query("UPDATE document_filing SET folder_id = ? WHERE user_id = ? AND document_id = ?")
          .run(change.folderId, userId, documentId);
      if (change.favorite !== undefined)
        this.db
          .query("UPDATE document_filing SET favorite = ? WHERE user_id = ? AND document_id = ?")
          .run(change.favorite ? 1 : 0, userId, documentId);
      this.db
        .query(
          "DELETE FROM document_filing WHERE user_id = ? AND document_id = ? AND folder_id IS NULL AND favorite = 0",
        )
        .run(userId, documentId);
    })();
    bumpListEpoch(this.db);
  }

  filingOf(userId: string, documentId: string): { folderId: string | null; favorite: boolean } {
    const r = this.db
      .query<{ folderId: string | null; favorite: number }, [string, string]>(
        "SELECT folder_id AS folderId, favorite FROM document_filing WHERE user_id = ? AND document_id = ?",
      )
      .get(userId, documentId);
    return { folderId: r?.folderId ?? null, favorite: (r?.favorite ?? 0) !== 0 };
  }
}
