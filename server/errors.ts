// Domain errors: what went wrong, in words a user may read. They carry no HTTP status;
// server/http/error-status.ts is the one table that maps codes to statuses.

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "unsupported_media_type"
  | "unavailable"
  | "insufficient_storage"
  | "internal";

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (rate limits). */
  readonly retryAfterSeconds?: number;
  /** Field-level details, safe to show. */
  readonly details?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    extra?: { retryAfterSeconds?: number; details?: Record<string, string> },
  ) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.retryAfterSeconds = extra?.retryAfterSeconds;
    this.details = extra?.details;
  }
}

export const notFound = (what = "Not found") => new AppError("not_found", what);
export const invalid = (message: string, details?: Record<string, string>) =>
  new AppError("validation_failed", message, { details });
export const forbidden = (message = "You are not allowed to do that") => new AppError("forbidden", message);
export const conflict = (message: string) => new AppError("conflict", message);
