// Password policy and hashing (argon2id through Bun.password).
import { invalid } from "../errors.ts";

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export function checkPasswordPolicy(password: unknown): string {
  if (typeof password !== "string") throw invalid("password must be a string");
  if (password.length < PASSWORD_MIN) throw invalid(`password must be at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw invalid(`password must be at most ${PASSWORD_MAX} characters`);
  return password;
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;
/** Verifies against a throwaway hash so a login for an unknown user costs the same time as a real one. */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword("pymd-dummy-password-for-timing");
  await verifyPassword(password, await dummyHash);
}
