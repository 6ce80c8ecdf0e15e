// Host directories that jails use as their working directory: private to the server, writable
// by the jail's host uid (nobody for a root server, else the server's own account).
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jailOutsideIds } from "./jail-spec.ts";

export interface WorkspaceDir {
  /** Mounted as the jail's /work. */
  dir: string;
  /** The host ids files in it must belong to so the jail can change them. */
  owner: { uid: number; gid: number };
  remove(): void;
}

export function createWorkspaceDir(): WorkspaceDir {
  // the parent only lets its owner list it (0711), so other host users cannot find the workspaces
  const base = mkdtempSync(join(tmpdir(), "pymd-ws-"));
  chmodSync(base, 0o711);
  const dir = join(base, "work");
  mkdirSync(dir, { mode: 0o700 });
  const owner = jailOutsideIds();
  if (process.getuid?.() === 0) chownSync(dir, owner.uid, owner.gid);
  return {
    dir,
    owner,
    remove() {
      try {
        rmSync(base, { recursive: true, force: true });
      } catch {}
    },
  };
}
