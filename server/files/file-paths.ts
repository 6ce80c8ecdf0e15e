// Workspace file names are hostile input until checked: one rule turns a name from a URL, an
// upload, a zip or a block's output into a normalised relative path, or refuses it with a reason.
//   checkPath("data/sales.csv") -> { path: "data/sales.csv", key: "data/sales.csv" }
// `key` (case-folded) is what makes two names the same file: names that differ only in case,
// or in Unicode normalisation, are one name.

export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;
export const MAX_DEPTH = 16;

export class BadPathError extends Error {}

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

// C0 and C1 controls, DEL; bidirectional overrides and isolates; zero-width and invisible
// formatting characters; the replacement character (what undecodable bytes become)
const FORBIDDEN =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffd]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface CheckedPath {
  /** NFC, "/"-separated, no leading or trailing slash. */
  path: string;
  /** The identity of the name: path lower-cased. */
  key: string;
}

export function pathKey(path: string): string {
  return path.normalize("NFC").toLowerCase();
}

export function checkPath(raw: unknown): CheckedPath {
  if (typeof raw !== "string") throw new BadPathError("a file name must be a string");
  if (LONE_SURROGATE.test(raw)) throw new BadPathError("the file name is not valid Unicode");
  const path = raw.normalize("NFC");
  if (path === "") throw new BadPathError("the file name is empty");
  if (utf8Bytes(path) > MAX_PATH_BYTES) throw new BadPathError(`the file path is longer than ${MAX_PATH_BYTES} bytes`);
  const m = FORBIDDEN.exec(path);
  if (m)
    throw new BadPathError(
      `the file name contains a control or invisible character (U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`,
    );
  if (path.includes("\\")) throw new BadPathError("the file name contains a backslash; folders are separated by /");
  if (path.startsWith("/")) throw new BadPathError("the file path must be relative to the workspace (no leading /)");
  const segments = path.split("/");
  if (segments.length > MAX_DEPTH) throw new BadPathError(`folders may be nested at most ${MAX_DEPTH} deep`);
  for (const s of segments) {
    if (s === "") throw new BadPathError("the file path has an empty folder name (// or a trailing /)");
    if (s === "." || s === "..") throw new BadPathError("the file path may not contain . or .. folders");
    if (utf8Bytes(s) > MAX_SEGMENT_BYTES)
      throw new BadPathError(`a file or folder name is longer than ${MAX_SEGMENT_BYTES} bytes`);
    if (/[ .]$/.test(s) || /^ /.test(s))
      throw new BadPathError(`the name ${JSON.stringify(s)} starts with a space or ends with a space or dot`);
  }
  return { path, key: pathKey(path) };
}

/** The folders a path lives in, outermost first: "a/b/c.txt" -> ["a", "a/b"]. */
export function parentFolders(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** The content type a download may carry: raster images as themselves (for <img>), the rest as bytes. */
export function downloadType(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const images: Record<string, string> = {
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    gif: "image/gif",
    webp: "image/webp",
    avif: "image/avif",
  };
  return images[ext] ?? "application/octet-stream";
}
