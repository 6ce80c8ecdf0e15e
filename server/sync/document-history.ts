// A document's history as versions: consecutive changes by one author, close in time, form one
// version, named by its last change and viewable at the heads the history had after it.
import type { VersionJson } from "../../protocol/collab-frames.ts";

export interface ChangeMeta {
  hash: string;
  deps: string[];
  /** Seconds since the epoch, as the author's clock said. */
  time: number;
  userId: string | null;
}

/** A pause longer than this starts a new version even for the same author. */
export const VERSION_GAP_SECONDS = 300;

/** Groups changes given in causal order; returns the versions newest first. */
export function groupVersions(changes: ChangeMeta[], usernameOf: (userId: string) => string | null): VersionJson[] {
  const versions: VersionJson[] = [];
  const heads = new Set<string>();
  let current: { userId: string | null; from: number; to: number; count: number; last: string } | null = null;
  const close = () => {
    if (!current) return;
    const name = current.userId ? usernameOf(current.userId) : null;
    versions.push({
      hash: current.last,
      heads: [...heads].sort(),
      author: current.userId && name ? { id: current.userId, username: name } : null,
      from: new Date(current.from * 1000).toISOString(),
      to: new Date(current.to * 1000).toISOString(),
      changes: current.count,
    });
  };
  for (const c of changes) {
    if (!current || current.userId !== c.userId || c.time - current.to > VERSION_GAP_SECONDS) {
      close();
      current = { userId: c.userId, from: c.time, to: c.time, count: 0, last: c.hash };
    }
    for (const d of c.deps) heads.delete(d);
    heads.add(c.hash);
    current.to = Math.max(current.to, c.time);
    current.count++;
    current.last = c.hash;
  }
  close();
  return versions.reverse();
}
