// Security headers set on every response the server sends.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The policy of an embed (/embed/SLUG): the same, but these origins may frame it; none keeps 'none'. */
export function embedContentSecurityPolicy(origins: readonly string[]): string {
  return origins.length === 0
    ? CONTENT_SECURITY_POLICY
    : CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", `frame-ancestors ${origins.join(" ")}`);
}

export function applySecurityHeaders(headers: Headers, opts: { https: boolean }): void {
  if (!headers.has("content-security-policy")) headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  headers.set("x-content-type-options", "nosniff");
  // DENY unless the response's own policy names who may frame it (an embed with --embed-origins)
  const ancestors = /(?:^|;)\s*frame-ancestors\s+([^;]*)/.exec(headers.get("content-security-policy")!)?.[1]?.trim();
  if (ancestors && ancestors !== "'none'") headers.delete("x-frame-options");
  else headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "strict-origin-when-cross-origin");
  headers.set("cross-origin-opener-policy", "same-origin");
  // same-origin unless the response says otherwise (the browser runtime's files, read by its sandboxed frame)
  if (!headers.has("cross-origin-resource-policy")) headers.set("cross-origin-resource-policy", "same-origin");
  headers.set("permissions-policy", "camera=(), microphone=(), geolocation=()");
  if (opts.https) headers.set("strict-transport-security", "max-age=31536000");
}
