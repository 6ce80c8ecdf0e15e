// Storage failures (a full disk, a read-only file system, a database locked by another process,
// an I/O error) turned into clear domain errors, so a request answers 507 or 503 with what
// happened instead of a generic 500. SQLite rolls back the failed statement or transaction, so
// what was stored before stays as it was.
import { AppError } from "../errors.ts";

const FULL =
  "The server's disk is full, so this change could not be stored. What was saved before is safe; " +
  "try again once the administrator has freed space on the data directory.";
const READ_ONLY =
  "The server's data directory is read-only, so this change could not be stored. What was saved before is safe; " +
  "the administrator must make the data directory writable.";
const BUSY =
  "The database is busy (locked by another program, such as a backup); this change was not stored. Try again in a moment.";
const IO =
  "The server could not read or write its database (an I/O error); this change was not stored. The administrator's log has the details.";

/** The storage failure `e` reports, as an AppError with a message a user may read; null when it is something else. */
export function storageFailure(e: unknown): AppError | null {
  if (e instanceof AppError || typeof e !== "object" || e === null) return null;
  const code = String((e as { code?: unknown }).code ?? "");
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT")
    return new AppError("insufficient_storage", FULL);
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS") return new AppError("unavailable", READ_ONLY);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return new AppError("unavailable", BUSY, { retryAfterSeconds: 2 });
  if (code.startsWith("SQLITE_IOERR") || code === "EIO") {
    // SQLite reports a full disk met while writing its journal as an I/O error on some paths.
    if (/disk is full|no space/i.test(String((e as Error).message))) return new AppError("insufficient_storage", FULL);
    return new AppError("unavailable", IO);
  }
  return null;
}
