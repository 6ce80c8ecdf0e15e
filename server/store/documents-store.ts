// Documents, their tags, members and full-text index in SQLite.
import type { Database } from "bun:sqlite";
import { bumpAccessEpoch, bumpDataEpoch, bumpListEpoch, dataEpoch, listEpoch } from "./access-epoch.ts";

export type MemberRole = "editor" | "commenter" | "viewer";
export const MEMBER_ROLES: readonly MemberRole[] = ["editor", "commenter", "viewer"];
export type AccessRole = "owner" | MemberRole;

export interface DocumentRow {
  id: string;
  rowid: number;
  title: string;
  content: string;
  ownerId: string;
  isPublic: boolean;
  publicSlug: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  tags: string[];
  /** Its public page shows its comments (the owner's choice). */
  publicComments?: boolean;
}

export interface DocumentSummaryRow extends Omit<DocumentRow, "content"> {
  excerpt: string;
  memberRole: MemberRole | null;
  /** The listing user's folder for it, and whether it is one of their favourites. */
  folderId: string | null;
  favorite: boolean;
}

export type SortKey = "updated" | "created" | "title";

export interface ListQuery {
  userId: string;
  q?: string;
  tag?: string;
  sort: SortKey;
  order: "asc" | "desc";
  offset: number;
  limit: number;
  trash?: boolean;
  /** Only documents in this folder of the user's, or ("none") in none of them. */
  folder?: string;
  favorites?: boolean;
  /** Only the user's own documents, or only those shared with them. */
  scope?: "mine" | "shared";
}

interface RawDoc {
  id: string;
  rowid: number;
  title: string;
  content?: string;
  excerpt?: string;
  owner_id: string;
  is_public: number;
  public_slug: string | null;
  public_comments?: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  tags: string | null;
  member_role?: MemberRole | null;
  folder_id?: string | null;
  favorite?: number | null;
}

const base = (r: RawDoc) => ({
  id: r.id,
  rowid: r.rowid,
  title: r.title,
  ownerId: r.owner_id,
  isPublic: r.is_public !== 0,
  publicSlug: r.public_slug,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
  tags: r.tags ? (JSON.parse(r.tags) as string[]).sort() : [],
  publicComments: (r.public_comments ?? 0) !== 0,
});

const TAGS_SQL = "(SELECT json_group_array(tag) FROM document_tags t WHERE t.document_id = d.id) AS tags";
/** The listing user's folder and favourite mark (two parameters: the user, twice). */
const FILING_SQL = `(SELECT folder_id FROM document_filing fl WHERE fl.user_id = ? AND fl.document_id = d.id) AS folder_id,
  (SELECT favorite FROM document_filing fl WHERE fl.user_id = ? AND fl.document_id = d.id) AS favorite`;
const summary = (r: RawDoc): DocumentSummaryRow => ({
  ...base(r),
  excerpt: r.excerpt ?? "",
  memberRole: r.member_role ?? null,
  folderId: r.folder_id ?? null,
  favorite: (r.favorite ?? 0) !== 0,
});
/**
 * The narrowing a folder, the favourites, a tag or "in no folder" adds to a listing, as conditions
 * checked row by row (an index lookup each), so a listing read in index order can stop at its page.
 */
function listFilters(q: ListQuery): { filters: string[]; args: string[] } {
  const filters: string[] = [];
  const args: string[] = [];
  if (q.folder === "none") {
    filters.push(
      "NOT EXISTS (SELECT 1 FROM document_filing fl WHERE fl.user_id = ? AND fl.document_id = d.id AND fl.folder_id IS NOT NULL)",
    );
    args.push(q.userId);
  } else if (q.folder) {
    filters.push(
      "EXISTS (SELECT 1 FROM document_filing fl WHERE fl.user_id = ? AND fl.document_id = d.id AND fl.folder_id = ?)",
    );
    args.push(q.userId, q.folder);
  }
  if (q.favorites) {
    filters.push(
      "EXISTS (SELECT 1 FROM document_filing fl WHERE fl.user_id = ? AND fl.document_id = d.id AND fl.favorite = 1)",
    );
    args.push(q.userId);
  }
  if (q.tag) {
    filters.push("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag = ?)");
    args.push(q.tag);
  }
  return { filters, args };
}

const SORT_SQL: Record<SortKey, string> = {
  updated: "d.updated_at",
  created: "d.created_at",
  title: "d.title COLLATE NOCASE",
};

/** Turns free text into an FTS5 query of quoted terms, the last one a prefix, so no input is FTS syntax. */
export function ftsQuery(text: string): string | null {
  const terms = text
    .normalize("NFKC")
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 16);
  if (terms.length === 0) return null;
  return terms.map((t, i) => `"${t.replace(/"/g, '""')}"${i === terms.length - 1 ? "*" : ""}`).join(" ");
}

/** What an update of a document's row may change. */
export interface DocumentPatch {
  title?: string;
  content?: string;
  tags?: string[];
  isPublic?: boolean;
  publicSlug?: string | null;
  publicComments?: boolean;
}

export class DocumentsStore {
  /** Brings documents.content up to date (one document, or all with null) before it is read. */
  private settle: ((id: string | null) => void) | null = null;
  /** Listing totals by user and filter, valid while the list epoch stays `countsEpoch`. */
  private readonly counts = new Map<string, number>();
  private countsEpoch = "";
  /** Pages of listings by their query, valid while the data epoch stays `pagesEpoch`. */
  private readonly pages = new Map<string, { rows: DocumentSummaryRow[]; total: number }>();
  private pagesEpoch = "";

  constructor(private readonly db: Database) {}

  /** The collaboration layer writes documents.content lazily; every read of it asks first. */
  settleContentWith(fn: (id: string | null) => void): void {
    this.settle = fn;
  }

  insert(d: { id: string; title: string; content: string; ownerId: string; tags: string[] }, now = Date.now()): void {
    this.db.transaction(() => {
      this.db
        .query("INSERT INTO documents (id, title, content, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(d.id, d.title, d.content, d.ownerId, now, now);
      this.replaceTags(d.id, d.tags);
    })();
    bumpListEpoch(this.db);
  }

  byId(id: string): DocumentRow | null {
    this.settle?.(id);
    const r = this.db
      .query<RawDoc, [string]>(`SELECT d.rowid, d.*, ${TAGS_SQL} FROM documents d WHERE d.id = ?`)
      .get(id);
    return r ? { ...base(r), content: r.content ?? "" } : null;
  }

  /**
   * The row with its text read only when `content` is first used: checking access to a document
   * (on every WebSocket message) reads a few small columns, not a megabyte of text.
   */
  byIdLazy(id: string): DocumentRow | null {
    const r = this.db
      .query<RawDoc, [string]>(
        `SELECT d.rowid, d.id, d.title, d.owner_id, d.is_public, d.public_slug, d.created_at, d.updated_at, d.deleted_at, ${TAGS_SQL} FROM documents d WHERE d.id = ?`,
      )
      .get(id);
    if (!r) return null;
    let content: string | undefined;
    const row = base(r) as DocumentRow;
    Object.defineProperty(row, "content", {
      enumerable: true,
      get: () => {
        if (content === undefined) {
          this.settle?.(id);
          content =
            this.db.query<{ content: string }, [string]>("SELECT content FROM documents WHERE id = ?").get(id)
              ?.content ?? "";
        }
        return content;
      },
    });
    return row;
  }

  bySlug(slug: string): DocumentRow | null {
    if (this.settle) {
      const id = this.db
        .query<{ id: string }, [string]>("SELECT id FROM documents WHERE public_slug = ?")
        .get(slug)?.id;
      if (id) this.settle(id);
    }
    const r = this.db
      .query<RawDoc, [string]>(
        `SELECT d.rowid, d.*, ${TAGS_SQL} FROM documents d WHERE d.public_slug = ? AND d.is_public = 1 AND d.deleted_at IS NULL`,
      )
      .get(slug);
    return r ? { ...base(r), content: r.content ?? "" } : null;
  }

  memberRole(documentId: string, userId: string): MemberRole | null {
    const r = this.db
      .query<{ role: MemberRole }, [string, string]>(
        "SELECT role FROM document_members WHERE document_id = ? AND user_id = ?",
      )
      .get(documentId, userId);
    return r?.role ?? null;
  }

  update(id: string, patch: DocumentPatch, now = Date.now()): void {
    this.db.transaction(() => {
      const sets: string[] = [];
      const args: (string | number | null)[] = [];
      if (patch.title !== undefined) sets.push("title = ?"), args.push(patch.title);
      if (patch.content !== undefined) sets.push("content = ?"), args.push(patch.content);
      if (patch.isPublic !== undefined) sets.push("is_public = ?"), args.push(patch.isPublic ? 1 : 0);
      if (patch.publicSlug !== undefined) sets.push("public_slug = ?"), args.push(patch.publicSlug);
      if (patch.publicComments !== undefined) sets.push("public_comments = ?"), args.push(patch.publicComments ? 1 : 0);
      sets.push("updated_at = ?");
      args.push(now);
      this.db.query(`UPDATE documents SET ${sets.join(", ")} WHERE id = ?`).run(...args, id);
      bumpDataEpoch(this.db);
      if (patch.tags !== undefined) this.replaceTags(id, patch.tags);
    })();
    if (patch.tags !== undefined) bumpListEpoch(this.db);
  }

  private replaceTags(id: string, tags: string[]): void {
    this.db.query("DELETE FROM document_tags WHERE document_id = ?").run(id);
    const ins = this.db.query("INSERT OR IGNORE INTO document_tags (document_id, tag) VALUES (?, ?)");
    for (const t of tags) ins.run(id, t);
  }

  setDeleted(id: string, deletedAt: number | null): void {
    this.db.query("UPDATE documents SET deleted_at = ? WHERE id = ?").run(deletedAt, id);
    bumpAccessEpoch(this.db);
  }

  purgeDeletedBefore(cutoff: number): number {
    const r = this.db
      .query("DELETE FROM documents WHERE deleted_at IS NOT NULL AND deleted_at < ?")
      .run(cutoff).changes;
    bumpAccessEpoch(this.db);
    return r;
  }

  hardDelete(id: string): void {
    this.db.query("DELETE FROM documents WHERE id = ?").run(id);
    bumpAccessEpoch(this.db);
  }

  /**
   * A page of a listing. Pages are kept until the next write to any document, tag, share or
   * filing (the data epoch): the documents page asks for the same few pages over and over.
   * The rows returned are shared with the cache and must not be changed.
   */
  list(q: ListQuery): { rows: DocumentSummaryRow[]; total: number } {
    // Excerpts, search and the order by last change read what every open document acknowledged.
    this.settle?.(null);
    const epoch = dataEpoch(this.db);
    if (epoch !== this.pagesEpoch) {
      this.pages.clear();
      this.pagesEpoch = epoch;
    }
    const key = JSON.stringify([
      q.userId,
      q.q,
      q.tag,
      q.sort,
      q.order,
      q.offset,
      q.limit,
      q.trash,
      q.folder,
      q.favorites,
      q.scope,
    ]);
    let page = this.pages.get(key);
    if (!page) {
      page = this.readPage(q);
      if (this.pages.size >= 500) this.pages.clear();
      this.pages.set(key, page);
    }
    return page;
  }

  private readPage(q: ListQuery): { rows: DocumentSummaryRow[]; total: number } {
    if (q.q || q.trash) return this.listFiltered(q);
    const total = this.countListed(q);
    // A folder, the favourites or a tag: read in index order and skip what does not match when the
    // set is large (the page fills after a few rows); start from the set and sort it when it is small.
    if (q.folder && q.folder !== "none") {
      if (!this.worthScanning(q, total)) return { rows: this.listFiltered(q, total).rows, total };
    } else if ((q.favorites || q.tag) && !this.worthScanning(q, total))
      return { rows: this.listFiltered(q, total).rows, total };
    return { rows: this.listInOrder(q), total };
  }

  /** Whether reading every readable document in order finds a page of `total` matches sooner than sorting those matches. */
  private worthScanning(q: ListQuery, total: number): boolean {
    const all = this.countListed({ ...q, folder: undefined, favorites: false, tag: undefined });
    return total * total >= (q.offset + q.limit) * all;
  }

  /** How many documents a listing without a search holds, cached until a write that can change it. */
  private countListed(q: ListQuery): number {
    const epoch = listEpoch(this.db);
    if (epoch !== this.countsEpoch) {
      this.counts.clear();
      this.countsEpoch = epoch;
    }
    const key = `${q.userId}\u0000${q.scope ?? ""}\u0000${q.folder ?? ""}\u0000${q.favorites ? 1 : 0}\u0000${q.tag ?? ""}`;
    let n = this.counts.get(key);
    if (n === undefined) {
      const { filters, args } = listFilters(q);
      const extra = filters.map((f) => ` AND ${f}`).join("");
      const countOf = (sql: string) => this.db.query<{ n: number }, string[]>(sql).get(q.userId, ...args)?.n ?? 0;
      n =
        (q.scope !== "shared"
          ? countOf(`SELECT COUNT(*) AS n FROM documents d WHERE d.owner_id = ? AND d.deleted_at IS NULL${extra}`)
          : 0) +
        (q.scope !== "mine"
          ? countOf(
              `SELECT COUNT(*) AS n FROM document_members m JOIN documents d ON d.id = m.document_id WHERE m.user_id = ? AND d.deleted_at IS NULL${extra}`,
            )
          : 0);
      if (this.counts.size >= 10_000) this.counts.clear();
      this.counts.set(key, n);
    }
    return n;
  }

  /**
   * A page in the order of the user's own documents (read in index order up to the page's end)
   * merged with those shared with them; only the page's rows are then read in full.
   */
  private listInOrder(q: ListQuery): DocumentSummaryRow[] {
    const { filters, args: fargs } = listFilters(q);
    const extra = filters.map((f) => ` AND ${f}`).join("");
    const dir = q.order === "asc" ? "ASC" : "DESC";
    const col = q.sort === "title" ? "title" : q.sort === "created" ? "created_at" : "updated_at";
    const collate = q.sort === "title" ? " COLLATE NOCASE" : "";
    const n = q.offset + q.limit;
    const halves: string[] = [];
    const args: (string | number)[] = [q.userId, q.userId];
    if (q.scope !== "shared") {
      halves.push(`SELECT * FROM (SELECT d.rowid AS rid, d.id, d.${col} AS k, NULL AS member_role FROM documents d
                   WHERE d.owner_id = ? AND d.deleted_at IS NULL${extra} ORDER BY d.${col}${collate} ${dir}, d.id ${dir} LIMIT ?)`);
      args.push(q.userId, ...fargs, n);
    }
    if (q.scope !== "mine") {
      halves.push(`SELECT * FROM (SELECT d.rowid AS rid, d.id, d.${col} AS k, m.role AS member_role FROM document_members m JOIN documents d ON d.id = m.document_id
                   WHERE m.user_id = ? AND d.deleted_at IS NULL${extra} ORDER BY d.${col}${collate} ${dir}, d.id ${dir} LIMIT ?)`);
      args.push(q.userId, ...fargs, n);
    }
    args.push(q.limit, q.offset);
    const rows = this.db
      .query<RawDoc, (string | number)[]>(
        `SELECT d.rowid, d.id, d.title, substr(d.content, 1, 280) AS excerpt, d.owner_id, d.is_public, d.public_slug,
                d.created_at, d.updated_at, d.deleted_at, page.member_role, ${FILING_SQL}, ${TAGS_SQL}
         FROM (SELECT * FROM (${halves.join(" UNION ALL ")}) ORDER BY k${collate} ${dir}, id ${dir} LIMIT ? OFFSET ?) AS page
         JOIN documents d ON d.rowid = page.rid ORDER BY page.k${collate} ${dir}, page.id ${dir}`,
      )
      .all(...args);
    return rows.map(summary);
  }

  /**
   * A search, the trash, or a small folder, favourites or tag: every match is found first, then
   * sorted. `known` is the total when the caller has it.
   */
  private listFiltered(q: ListQuery, known?: number): { rows: DocumentSummaryRow[]; total: number } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.trash) {
      where.push("d.owner_id = ? AND d.deleted_at IS NOT NULL");
      args.push(q.userId);
    } else if (q.scope === "mine") {
      where.push("d.owner_id = ? AND d.deleted_at IS NULL");
      args.push(q.userId);
    } else if (q.scope === "shared") {
      where.push("d.id IN (SELECT document_id FROM document_members WHERE user_id = ?) AND d.deleted_at IS NULL");
      args.push(q.userId);
    } else {
      where.push(
        "(d.owner_id = ? OR d.id IN (SELECT document_id FROM document_members WHERE user_id = ?)) AND d.deleted_at IS NULL",
      );
      args.push(q.userId, q.userId);
    }
    if (q.folder === "none") {
      where.push(
        "NOT EXISTS (SELECT 1 FROM document_filing fl WHERE fl.user_id = ? AND fl.document_id = d.id AND fl.folder_id IS NOT NULL)",
      );
      args.push(q.userId);
    }
    let from = "documents d";
    const fromArgs: (string | number)[] = [];
    const match = q.q ? ftsQuery(q.q) : null;
    if (q.q && !match) return { rows: [], total: 0 };
    if (match) {
      from = "documents_fts f JOIN documents d ON d.rowid = f.rowid";
      where.unshift("documents_fts MATCH ?");
      args.unshift(match);
    }
    // A folder or the favourites: start from the user's filing of them (indexed), not every document.
    if ((q.folder && q.folder !== "none") || q.favorites) {
      from += " JOIN document_filing fl0 ON fl0.document_id = d.id AND fl0.user_id = ?";
      fromArgs.push(q.userId);
      if (q.folder && q.folder !== "none") {
        from += " AND fl0.folder_id = ?";
        fromArgs.push(q.folder);
      }
      if (q.favorites) from += " AND fl0.favorite = 1";
    }
    if (q.tag) {
      where.push("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag = ?)");
      args.push(q.tag);
    }
    const whereSql = where.join(" AND ");
    const order = `${SORT_SQL[q.sort]} ${q.order === "asc" ? "ASC" : "DESC"}, d.id ${q.order === "asc" ? "ASC" : "DESC"}`;
    const select = `SELECT d.rowid, d.id, d.title, substr(d.content, 1, 280) AS excerpt, d.owner_id, d.is_public, d.public_slug,
                d.created_at, d.updated_at, d.deleted_at,
                (SELECT role FROM document_members mm WHERE mm.document_id = d.id AND mm.user_id = ?) AS member_role, ${FILING_SQL}, ${TAGS_SQL}`;
    if (!match) {
      // Without a search the page can stop early in index order, and the count needs no sort.
      const rows = this.db
        .query<RawDoc, (string | number)[]>(
          `WITH page AS (SELECT d.rowid AS rid FROM ${from} WHERE ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?)
           ${select} FROM page JOIN documents d ON d.rowid = page.rid ORDER BY ${order}`,
        )
        .all(...fromArgs, ...args, q.limit, q.offset, q.userId, q.userId, q.userId);
      const total =
        known ??
        (rows.length < q.limit && (rows.length > 0 || q.offset === 0)
          ? q.offset + rows.length
          : (this.db
              .query<{ n: number }, (string | number)[]>(`SELECT COUNT(*) AS n FROM ${from} WHERE ${whereSql}`)
              .get(...fromArgs, ...args)?.n ?? 0));
      return { rows: rows.map(summary), total };
    }
    // With a search, one pass yields the page and the total (a window count), instead of a COUNT query and a page query.
    const rows = this.db
      .query<RawDoc & { total: number }, (string | number)[]>(
        `WITH page AS (
           SELECT d.rowid AS rid, COUNT(*) OVER () AS total FROM ${from} WHERE ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?
         )
         ${select}, page.total FROM page JOIN documents d ON d.rowid = page.rid ORDER BY ${order}`,
      )
      .all(...fromArgs, ...args, q.limit, q.offset, q.userId, q.userId, q.userId);
    let total = rows[0]?.total ?? 0;
    if (rows.length === 0 && q.offset > 0) {
      total =
        this.db
          .query<{ n: number }, (string | number)[]>(`SELECT COUNT(*) AS n FROM ${from} WHERE ${whereSql}`)
          .get(...fromArgs, ...args)?.n ?? 0;
    }
    return { rows: rows.map(summary), total };
  }

  /** Tags on the live documents a user can read, with how many documents carry each. */
  tagCounts(userId: string, limit: number): { tag: string; count: number }[] {
    return this.db
      .query<{ tag: string; count: number }, [string, string, number]>(
        `SELECT t.tag, COUNT(*) AS count FROM document_tags t JOIN documents d ON d.id = t.document_id
         WHERE d.deleted_at IS NULL AND (d.owner_id = ? OR d.id IN (SELECT document_id FROM document_members WHERE user_id = ?))
         GROUP BY t.tag ORDER BY count DESC, t.tag LIMIT ?`,
      )
      .all(userId, userId, limit);
  }

  members(documentId: string): { userId: string; username: string; role: MemberRole }[] {
    return this.db
      .query<{ userId: string; username: string; role: MemberRole }, [string]>(
        `SELECT m.user_id AS userId, u.username, m.role FROM document_members m JOIN users u ON u.id = m.user_id
         WHERE m.document_id = ? ORDER BY u.username`,
      )
      .all(documentId);
  }

  replaceMembers(documentId: string, members: { userId: string; role: MemberRole }[]): void {
    this.db.transaction(() => {
      this.db.query("DELETE FROM document_members WHERE document_id = ?").run(documentId);
      const ins = this.db.query(
        "INSERT INTO document_members (document_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
      );
      const now = Date.now();
      for (const m of members) ins.run(documentId, m.userId, m.role, now);
    })();
    bumpAccessEpoch(this.db);
  }

  countOwnedBy(userId: string): number {
    return (
      this.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM documents WHERE owner_id = ?").get(userId)?.n ??
      0
    );
  }

  transferOwnership(fromUserId: string, toUserId: string): number {
    const r = this.db.transaction(() => {
      // The new owner no longer needs a membership on documents they now own.
      this.db
        .query(
          "DELETE FROM document_members WHERE user_id = ? AND document_id IN (SELECT id FROM documents WHERE owner_id = ?)",
        )
        .run(toUserId, fromUserId);
      return this.db.query("UPDATE documents SET owner_id = ? WHERE owner_id = ?").run(toUserId, fromUserId).changes;
    })();
    bumpAccessEpoch(this.db);
    return r;
  }

  count(): number {
    return (
      this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM documents WHERE deleted_at IS NULL").get()?.n ?? 0
    );
  }
}
