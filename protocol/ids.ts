// Identifier formats shared by client and server: opaque lowercase base32 strings.

export const ID_PATTERN = /^[a-z2-7]{16}$/;

export function isId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}
