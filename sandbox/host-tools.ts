// Locates the host programs the sandbox launches, in fixed system directories only: never
// through PATH, never in a directory a notebook or an unprivileged user could write.
import { accessSync, constants, statSync } from "node:fs";

const SYSTEM_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin"];

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findTool(name: string): string | null {
  for (const dir of SYSTEM_DIRS) {
    const path = `${dir}/${name}`;
    if (isExecutable(path)) return path;
  }
  return null;
}

export function pathExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
