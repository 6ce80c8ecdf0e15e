// The per-request context handed to route handlers: identity, body reading, replies.
// Handlers never see Elysia; http-app.ts adapts it.
import { AppError, invalid } from "../errors.ts";
import type { Authenticated } from "../auth/sessions.ts";
import type { UserRow } from "../store/users-store.ts";
import type { Logger } from "../log/logger.ts";

export const MAX_BODY_BYTES = 6 * 1024 * 1024;

export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export const reply = (status: number, body: unknown, headers?: Record<string, string>) =>
  new Reply(status, body, headers);

export interface Ctx {
  readonly request: Request;
  readonly url: URL;
  readonly params: Record<string, string>;
  readonly query: Record<string, string | undefined>;
  readonly requestId: string;
  readonly ip: string;
  readonly log: Logger;
  readonly auth: Authenticated | null;
  /** The signed-in user, or a 401. */
  user(): UserRow;
  /** The signed-in admin, or 401/403. */
  admin(): UserRow;
  /** Reads a JSON body (415 for another type, 413 when too big, 400 when malformed). */
  json(): Promise<unknown>;
  /** Reads the raw body as text within the size limit. */
  text(maxBytes?: number): Promise<string>;
  /** Adds a Set-Cookie header to the reply. */
  setCookie(cookie: string): void;
  readonly cookies: string[];
}

export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    throw new AppError("too_large", `request body must be at most ${maxBytes} bytes`);
  }
  const buf = await request.arrayBuffer();
  if (buf.byteLength > maxBytes) throw new AppError("too_large", `request body must be at most ${maxBytes} bytes`);
  return new TextDecoder("utf-8", { fatal: false }).decode(buf);
}

export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new AppError("unsupported_media_type", "request body must be application/json");
  }
  const text = await readBodyText(request, maxBytes);
  if (text.trim() === "") throw invalid("request body is empty; a JSON object was expected");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "request body is not valid JSON");
  }
}
