// Host directories that jails use as their working directory: private to the server, writable
// by the jail's host uid (for a root server a uid of the workspace's own from the jail range, which
// its kernels then run as; else the server's own account).
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireJailUid } from "./jail-uids.ts";

export interface WorkspaceDir {
  /** Mounted as the jail's /work. */
  dir: string;
  /** Who the host must give files it writes here, so the jail can change them: set only for a root server (else they are the server's own). */
  chownTo: { uid: number; gid: number } | null;
  remove(): void;
}

export function createWorkspaceDir(): WorkspaceDir {
  // the parent only lets its owner list it (0711), so other host users cannot find the workspaces
  const base = mkdtempSync(join(tmpdir(), "pymd-ws-"));
  chmodSync(base, 0o711);
  const dir = join(base, "work");
  mkdirSync(dir, { mode: 0o700 });
  const held = process.getuid?.() === 0 ? acquireJailUid() : null;
  const chownTo = held ? { uid: held.uid, gid: held.uid } : null;
  if (chownTo) chownSync(dir, chownTo.uid, chownTo.gid);
  return {
    dir,
    chownTo,
    remove() {
      try {
        rmSync(base, { recursive: true, force: true });
      } catch {}
      held?.release();
    },
  };
}
