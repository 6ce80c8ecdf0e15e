// Personal folders (nested) and favourites: each user files the documents they can read, their
// own and those shared with them, in folders only they see. Filing needs read access only.
import type { FolderJson } from "../../protocol/api-types.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import type { FoldersStore } from "../store/folders-store.ts";
import type { UserRow } from "../store/users-store.ts";
import type { DocumentsService } from "./documents-service.ts";

export const FOLDER_NAME_MAX = 100;
export const FOLDERS_PER_USER_MAX = 1000;
export const FOLDER_DEPTH_MAX = 10;
const ID = /^[a-z2-7]{16}$/;

const asObject = (b: unknown): Record<string, unknown> => {
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw invalid("the body must be a JSON object");
  return b as Record<string, unknown>;
};

function checkName(name: unknown): string {
  if (typeof name !== "string") throw invalid("name must be a string", { name: "invalid" });
  const n = name.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if (n.length < 1 || n.length > FOLDER_NAME_MAX)
    throw invalid(`a folder's name must be 1–${FOLDER_NAME_MAX} characters`, { name: "length" });
  return n;
}

export class Folders {
  constructor(
    private readonly store: FoldersStore,
    private readonly documents: DocumentsService,
  ) {}

  list(user: UserRow): { folders: FolderJson[] } {
    return {
      folders: this.store
        .list(user.id)
        .map((f) => ({ id: f.id, parentId: f.parentId, name: f.name, documents: f.documents })),
    };
  }

  private mine(user: UserRow, id: unknown): { id: string; parentId: string | null; name: string } {
    const f = typeof id === "string" && ID.test(id) ? this.store.get(user.id, id) : null;
    if (!f) throw notFound("Folder not found");
    return f;
  }

  private parentOf(user: UserRow, raw: unknown): string | null {
    if (raw === undefined || raw === null) return null;
    return this.mine(user, raw).id;
  }

  private unique<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (String(e).includes("UNIQUE")) throw conflict("a folder of that name is already there");
      throw e;
    }
  }

  create(user: UserRow, body: unknown): FolderJson {
    const b = asObject(body);
    const name = checkName(b.name);
    const parentId = this.parentOf(user, b.parentId);
    if (this.store.count(user.id) >= FOLDERS_PER_USER_MAX) throw invalid(`at most ${FOLDERS_PER_USER_MAX} folders`);
    if (parentId && this.store.depth(parentId) >= FOLDER_DEPTH_MAX)
      throw invalid(`folders nest at most ${FOLDER_DEPTH_MAX} deep`);
    const id = this.unique(() => this.store.create(user.id, name, parentId));
    return { id, parentId, name, documents: 0 };
  }

  /** Renames and/or moves a folder {name?, parentId?}; never into itself or a folder inside it. */
  update(user: UserRow, id: string, body: unknown): FolderJson {
    const f = this.mine(user, id);
    const b = asObject(body);
    const name = b.name === undefined ? f.name : checkName(b.name);
    const parentId = b.parentId === undefined ? f.parentId : this.parentOf(user, b.parentId);
    if (parentId && this.store.isWithin(parentId, f.id))
      throw invalid("a folder cannot go inside itself", { parentId: "cycle" });
    // the folder brings those inside it along
    if (parentId && parentId !== f.parentId && this.store.depth(parentId) + this.store.height(f.id) > FOLDER_DEPTH_MAX)
      throw invalid(`folders nest at most ${FOLDER_DEPTH_MAX} deep`);
    this.unique(() => this.store.update(f.id, name, parentId));
    return this.list(user).folders.find((x) => x.id === f.id)!;
  }

  /** Deletes a folder and those inside it; the documents in them stay, in no folder. */
  delete(user: UserRow, id: string): void {
    this.store.delete(this.mine(user, id).id);
  }

  /** Files a document you can read {folderId?: id | null, favorite?: boolean}. */
  file(user: UserRow, documentId: string, body: unknown): { folderId: string | null; favorite: boolean } {
    this.documents.access(user, documentId);
    const b = asObject(body);
    const change: { folderId?: string | null; favorite?: boolean } = {};
    if (b.folderId !== undefined) change.folderId = b.folderId === null ? null : this.mine(user, b.folderId).id;
    if (b.favorite !== undefined) {
      if (typeof b.favorite !== "boolean") throw invalid("favorite must be true or false", { favorite: "invalid" });
      change.favorite = b.favorite;
    }
    if (change.folderId === undefined && change.favorite === undefined) throw invalid("send folderId and/or favorite");
    this.store.file(user.id, documentId, change);
    return this.store.filingOf(user.id, documentId);
  }
}
