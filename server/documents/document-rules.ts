// Validation of document fields: title, content, tags, listing parameters.
import { AppError, forbidden, invalid } from "../errors.ts";
import type { AccessRole } from "../../protocol/api-types.ts";
import type { SortKey } from "../store/documents-store.ts";

export const TITLE_MAX = 200;

/** The refusal for a reader (a viewer or a commenter) trying to do what needs an editor: "Viewers cannot …". */
export function readersCannot(role: AccessRole, what: string): AppError {
  return forbidden(`${role === "commenter" ? "Commenters" : "Viewers"} ${what}`);
}
export const CONTENT_MAX_BYTES = 5 * 1024 * 1024;
export const TAGS_MAX = 20;
export const TAG_MAX = 40;
export const PAGE_LIMIT_MAX = 100;

export function checkTitle(title: unknown): string {
  if (typeof title !== "string") throw invalid("title must be a string", { title: "invalid" });
  const t = title.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if (t.length < 1 || t.length > TITLE_MAX)
    throw invalid(`title must be 1–${TITLE_MAX} characters`, { title: "length" });
  return t;
}

export function checkContent(content: unknown): string {
  if (typeof content !== "string") throw invalid("content must be a string", { content: "invalid" });
  // Cheap upper bound first: a UTF-16 length this small cannot exceed the byte limit.
  if (content.length * 3 > CONTENT_MAX_BYTES && Buffer.byteLength(content, "utf8") > CONTENT_MAX_BYTES) {
    throw new AppError("too_large", `content must be at most ${CONTENT_MAX_BYTES} bytes`);
  }
  return content;
}

export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw invalid("tags must be an array of strings", { tags: "invalid" });
  if (tags.length > TAGS_MAX) throw invalid(`at most ${TAGS_MAX} tags`, { tags: "count" });
  const out = new Set<string>();
  for (const t of tags) {
    if (typeof t !== "string") throw invalid("tags must be strings", { tags: "invalid" });
    const v = t.trim();
    if (v.length < 1 || v.length > TAG_MAX)
      throw invalid(`each tag must be 1–${TAG_MAX} characters`, { tags: "length" });
    if (/[\u0000-\u001f\u007f,]/.test(v))
      throw invalid("tags cannot contain commas or control characters", { tags: "invalid" });
    out.add(v);
  }
  return [...out];
}

export interface ListParams {
  q?: string;
  tag?: string;
  folder?: string;
  favorites?: boolean;
  scope?: "mine" | "shared";
  sort: SortKey;
  order: "asc" | "desc";
  page: number;
  limit: number;
}

function int(raw: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (raw === undefined || raw === "") return dflt;
  if (!/^\d+$/.test(raw)) throw invalid(`${name} must be a whole number from ${min} to ${max}`, { [name]: "invalid" });
  const n = Number(raw);
  if (n < min || n > max) throw invalid(`${name} must be a whole number from ${min} to ${max}`, { [name]: "range" });
  return n;
}

export function checkListParams(query: Record<string, string | undefined>): ListParams {
  const sort = query.sort ?? "updated";
  if (sort !== "updated" && sort !== "created" && sort !== "title")
    throw invalid("sort must be updated, created or title", { sort: "invalid" });
  const order = query.order ?? (sort === "title" ? "asc" : "desc");
  if (order !== "asc" && order !== "desc") throw invalid("order must be asc or desc", { order: "invalid" });
  const q = query.q?.trim();
  if (q && q.length > 200) throw invalid("q must be at most 200 characters", { q: "length" });
  const tag = query.tag?.trim();
  if (tag && tag.length > TAG_MAX) throw invalid(`tag must be at most ${TAG_MAX} characters`, { tag: "length" });
  const folder = query.folder?.trim() || undefined;
  if (folder !== undefined && folder !== "none" && !/^[a-z2-7]{16}$/.test(folder))
    throw invalid("folder must be a folder id or none", { folder: "invalid" });
  const favorites = query.favorites === undefined || query.favorites === "" ? undefined : query.favorites;
  if (favorites !== undefined && favorites !== "1" && favorites !== "true")
    throw invalid("favorites must be 1 when given", { favorites: "invalid" });
  const scope = query.scope || undefined;
  if (scope !== undefined && scope !== "mine" && scope !== "shared")
    throw invalid("scope must be mine or shared", { scope: "invalid" });
  return {
    q: q || undefined,
    tag: tag || undefined,
    folder,
    favorites: favorites ? true : undefined,
    scope,
    sort,
    order,
    page: int(query.page, "page", 1, 1_000_000, 1),
    limit: int(query.limit, "limit", 1, PAGE_LIMIT_MAX, 20),
  };
}

/** A title from the first Markdown heading of a .pymd source, else from the file name. */
export function titleFromPymd(content: string, fileName: string | null): string {
  for (const line of content.split("\n", 200)) {
    const m = /^#\s+#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m?.[1]) return m[1].slice(0, TITLE_MAX);
  }
  const base = (fileName ?? "")
    .replace(/^.*[\\/]/, "")
    .replace(/\.(pymd|py|md|txt)$/i, "")
    .trim();
  return (base || "Untitled").slice(0, TITLE_MAX);
}

/** A file name safe in a Content-Disposition header and on any file system. */
export function safeFileName(title: string, ext: string): string {
  const base = title
    .normalize("NFKD")
    .replace(/[^\w\- .]+/g, "")
    .replace(/\s+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 80);
  return `${base || "document"}.${ext}`;
}
