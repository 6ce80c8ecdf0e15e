// Document rules: who may read or change a document, creating, listing, trash, sharing, import.
import { forbidden, invalid, notFound } from "../errors.ts";
import { newId, newSecret } from "../store/ids.ts";
import {
  MEMBER_ROLES,
  type AccessRole,
  type DocumentPatch,
  type DocumentRow,
  type DocumentsStore,
  type MemberRole,
} from "../store/documents-store.ts";
import { canEdit } from "../../protocol/api-types.ts";
import { readersCannot } from "./document-rules.ts";
import type { UserRow, UsersStore } from "../store/users-store.ts";
import type { DocumentJson, DocumentSummaryJson } from "../../protocol/api-types.ts";
import { checkContent, checkListParams, checkTags, checkTitle, titleFromPymd } from "./document-rules.ts";

export const TRASH_RETENTION_MS = 30 * 24 * 3600 * 1000;

export type { DocumentJson, DocumentSummaryJson };

const iso = (t: number) => new Date(t).toISOString();

function toJson(d: DocumentRow, role: AccessRole): DocumentJson {
  return {
    id: d.id,
    title: d.title,
    content: d.content,
    ownerId: d.ownerId,
    isPublic: d.isPublic,
    publicSlug: role === "owner" ? d.publicSlug : d.isPublic ? d.publicSlug : null,
    tags: d.tags,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    deletedAt: d.deletedAt === null ? null : iso(d.deletedAt),
    role,
    publicComments: d.publicComments ?? false,
  };
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalid("request body must be a JSON object");
  return body as Record<string, unknown>;
}

/** Where a document's text lives once collaboration is on: writes become changes of its history. */
export interface ContentWriter {
  replaceText(id: string, text: string, userId: string): Promise<void>;
  /** Writes documents.content up to what was acknowledged (one document, or every one with null). */
  settle?(id: string | null): void;
}

/** One person's access changed: a new member (was null), another role, or removed (role null). */
export interface MemberChange {
  userId: string;
  role: MemberRole | null;
  was: MemberRole | null;
}

export class DocumentsService {
  private contentWriter: ContentWriter | null = null;
  /** The answer made from a page of rows the store keeps (and hands back while nothing changed). */
  private readonly listed = new WeakMap<object, { userId: string; role: string; documents: DocumentSummaryJson[] }>();

  constructor(
    private readonly docs: DocumentsStore,
    private readonly users: UsersStore,
  ) {}

  private readonly memberListeners = new Set<(docId: string, by: UserRow, changes: MemberChange[]) => void>();

  /** Routes content writes through the collaboration layer, so connected editors receive them. */
  useContentWriter(w: ContentWriter): void {
    this.contentWriter = w;
    if (w.settle) this.docs.settleContentWith((id) => w.settle!(id));
  }

  /** The caller's role on a live document, or 404 whether it is missing, deleted or simply not theirs. */
  access(user: UserRow, id: string, opts: { includeDeleted?: boolean } = {}): { doc: DocumentRow; role: AccessRole } {
    // The text is read (and brought up to what was acknowledged) only if the caller uses it.
    const doc = this.docs.byIdLazy(id);
    if (!doc) throw notFound("Document not found");
    if (doc.deletedAt !== null && !(opts.includeDeleted && doc.ownerId === user.id))
      throw notFound("Document not found");
    if (doc.ownerId === user.id) return { doc, role: "owner" };
    const member = this.docs.memberRole(id, user.id);
    if (!member) throw notFound("Document not found");
    // A global viewer never writes, whatever a document grants.
    return { doc, role: user.role === "viewer" ? "viewer" : member };
  }

  get(user: UserRow, id: string): DocumentJson {
    const { doc, role } = this.access(user, id);
    return toJson(doc, role);
  }

  private requireAuthor(user: UserRow): void {
    if (user.role === "viewer") throw forbidden("Viewers cannot create documents");
  }

  create(user: UserRow, body: unknown): DocumentJson {
    this.requireAuthor(user);
    const b = asObject(body);
    const title = b.title === undefined ? "Untitled" : checkTitle(b.title);
    const content = b.content === undefined ? "" : checkContent(b.content);
    const tags = b.tags === undefined ? [] : checkTags(b.tags);
    for (const k of Object.keys(b)) if (!["title", "content", "tags"].includes(k)) throw invalid(`unknown field: ${k}`);
    const id = newId();
    this.docs.insert({ id, title, content, ownerId: user.id, tags });
    return toJson(this.docs.byId(id)!, "owner");
  }

  async update(user: UserRow, id: string, body: unknown): Promise<DocumentJson> {
    const { doc, role } = this.access(user, id);
    if (!canEdit(role)) throw readersCannot(role, "cannot change this document");
    const b = asObject(body);
    const patch: DocumentPatch = {};
    for (const [k, v] of Object.entries(b)) {
      switch (k) {
        case "title":
          patch.title = checkTitle(v);
          break;
        case "content":
          patch.content = checkContent(v);
          break;
        case "tags":
          patch.tags = checkTags(v);
          break;
        case "isPublic":
          if (typeof v !== "boolean") throw invalid("isPublic must be true or false", { isPublic: "invalid" });
          if (role !== "owner") throw forbidden("Only the owner can publish or unpublish");
          patch.isPublic = v;
          // A new slug on every publish: revoking a link and publishing again never revives the old link.
          if (v && !doc.isPublic) patch.publicSlug = newSecret(12);
          if (!v) patch.publicSlug = null;
          break;
        case "publicComments":
          if (typeof v !== "boolean")
            throw invalid("publicComments must be true or false", { publicComments: "invalid" });
          if (role !== "owner") throw forbidden("Only the owner can show comments on the public page");
          patch.publicComments = v;
          break;
        default:
          throw invalid(`unknown or read-only field: ${k}`);
      }
    }
    if (patch.content !== undefined && this.contentWriter) {
      await this.contentWriter.replaceText(id, patch.content, user.id);
      delete patch.content;
    }
    this.docs.update(id, patch);
    return toJson(this.docs.byId(id)!, role);
  }

  /** Writes new content from a trusted internal source, after access was checked. */
  async setContent(id: string, content: string, userId: string): Promise<void> {
    if (this.contentWriter) await this.contentWriter.replaceText(id, content, userId);
    else this.docs.update(id, { content });
  }

  trash(user: UserRow, id: string): void {
    const { role } = this.access(user, id);
    if (role !== "owner") throw forbidden("Only the owner can delete this document");
    this.docs.setDeleted(id, Date.now());
  }

  restore(user: UserRow, id: string): DocumentJson {
    const { doc, role } = this.access(user, id, { includeDeleted: true });
    if (role !== "owner") throw forbidden("Only the owner can restore this document");
    if (doc.deletedAt === null) return toJson(doc, role);
    this.docs.setDeleted(id, null);
    return toJson(this.docs.byId(id)!, role);
  }

  duplicate(user: UserRow, id: string): DocumentJson {
    this.requireAuthor(user);
    const { doc } = this.access(user, id);
    const copyTitle = `${doc.title} (copy)`.slice(0, 200);
    const newDocId = newId();
    this.docs.insert({ id: newDocId, title: copyTitle, content: doc.content, ownerId: user.id, tags: doc.tags });
    return toJson(this.docs.byId(newDocId)!, "owner");
  }

  list(user: UserRow, query: Record<string, string | undefined>, opts: { trash?: boolean } = {}) {
    const p = checkListParams(query);
    const { rows, total } = this.docs.list({
      userId: user.id,
      q: p.q,
      tag: p.tag,
      sort: p.sort,
      order: p.order,
      limit: p.limit,
      offset: (p.page - 1) * p.limit,
      trash: opts.trash,
      folder: p.folder,
      favorites: p.favorites,
      scope: p.scope,
    });
    // The store hands back the same rows while nothing changed: so is their answer.
    const known = this.listed.get(rows);
    if (known && known.role === user.role && known.userId === user.id)
      return { documents: known.documents, pagination: { page: p.page, limit: p.limit, total } };
    const documents: DocumentSummaryJson[] = rows.map((r) => {
      const role: AccessRole =
        r.ownerId === user.id ? "owner" : user.role === "viewer" ? "viewer" : (r.memberRole ?? "viewer");
      return {
        id: r.id,
        title: r.title,
        excerpt: r.excerpt,
        ownerId: r.ownerId,
        isPublic: r.isPublic,
        publicSlug: role === "owner" || r.isPublic ? r.publicSlug : null,
        tags: r.tags,
        createdAt: iso(r.createdAt),
        updatedAt: iso(r.updatedAt),
        deletedAt: r.deletedAt === null ? null : iso(r.deletedAt),
        role,
        folderId: r.folderId,
        favorite: r.favorite,
      };
    });
    this.listed.set(rows, { userId: user.id, role: user.role, documents });
    return { documents, pagination: { page: p.page, limit: p.limit, total } };
  }

  tags(user: UserRow) {
    return this.docs.tagCounts(user.id, 200);
  }

  members(user: UserRow, id: string) {
    this.access(user, id);
    return this.docs.members(id);
  }

  /** The ids of a document's members (not its owner). */
  memberIds(id: string): string[] {
    return this.docs.members(id).map((m) => m.userId);
  }

  setMembers(user: UserRow, id: string, body: unknown) {
    const { doc, role } = this.access(user, id);
    if (role !== "owner") throw forbidden("Only the owner can change who has access");
    const b = asObject(body);
    if (!Array.isArray(b.members)) throw invalid("members must be an array of {username, role}");
    if (b.members.length > 500) throw invalid("at most 500 members");
    const out = new Map<string, MemberRole>();
    for (const m of b.members as unknown[]) {
      const mo = asObject(m);
      if (typeof mo.username !== "string") throw invalid("each member needs a username");
      if (!MEMBER_ROLES.includes(mo.role as MemberRole))
        throw invalid("member role must be editor, commenter or viewer");
      const u = this.users.byUsername(mo.username);
      if (!u) throw invalid(`no user named ${mo.username}`, { username: mo.username });
      if (u.id === doc.ownerId) throw invalid("the owner is not a member of their own document");
      out.set(u.id, mo.role as MemberRole);
    }
    const before = new Map(this.docs.members(id).map((m) => [m.userId, m.role]));
    this.docs.replaceMembers(
      id,
      [...out].map(([userId, r]) => ({ userId, role: r })),
    );
    const changes: MemberChange[] = [];
    for (const [userId, r] of out)
      if (before.get(userId) !== r) changes.push({ userId, role: r, was: before.get(userId) ?? null });
    for (const [userId, r] of before) if (!out.has(userId)) changes.push({ userId, role: null, was: r });
    if (changes.length) for (const l of this.memberListeners) l(id, user, changes);
    return this.docs.members(id);
  }

  /** Called after an owner changed who has access (notifications). */
  onMembersChanged(l: (docId: string, by: UserRow, changes: MemberChange[]) => void): void {
    this.memberListeners.add(l);
  }

  importPymd(user: UserRow, content: string, fileName: string | null): DocumentJson {
    this.requireAuthor(user);
    checkContent(content);
    if (content.includes("\u0000")) throw invalid("the file is not a text file");
    const id = newId();
    this.docs.insert({ id, title: titleFromPymd(content, fileName), content, ownerId: user.id, tags: [] });
    return toJson(this.docs.byId(id)!, "owner");
  }

  purgeTrash(now = Date.now()): number {
    return this.docs.purgeDeletedBefore(now - TRASH_RETENTION_MS);
  }

  publicBySlug(slug: string): DocumentRow {
    if (!/^[a-z2-7]{8,40}$/.test(slug)) throw notFound("Document not found");
    const d = this.docs.bySlug(slug);
    if (!d) throw notFound("Document not found");
    return d;
  }
}
