// The one table mapping domain error codes to HTTP statuses and the JSON error body.
import { AppError, type ErrorCode } from "../errors.ts";
import { storageFailure } from "../store/storage-errors.ts";

export const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  insufficient_storage: 507,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, string>; requestId?: string };
}

export function errorResponseParts(
  caught: unknown,
  requestId: string,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  // A full disk, a read-only or locked database: a clear 507/503, never a generic 500.
  const err = storageFailure(caught) ?? caught;
  if (err instanceof AppError) {
    const headers: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) headers["retry-after"] = String(err.retryAfterSeconds);
    return {
      status: STATUS_OF[err.code],
      body: {
        error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}), requestId },
      },
      headers,
    };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "Internal server error", requestId } },
    headers: {},
  };
}
