// A host folder given to `pymd render --workspace DIR`: copied into a jail workspace before the
// run and the files the run added or changed copied back after it. Only regular files and folders
// move either way; links are neither followed nor created.
import { chownSync, copyFileSync, lstatSync, mkdirSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";

type Seen = Map<string, { size: number; mtimeMs: number }>;

function walk(root: string, visit: (rel: string, st: Stats) => void, rel = ""): void {
  for (const name of readdirSync(join(root, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, r));
    if (st.isDirectory()) {
      visit(r, st);
      walk(root, visit, r);
    } else if (st.isFile()) visit(r, st);
  }
}

/** Copies src into the (empty) workspace; returns what is there, to tell later what the run changed. */
export function copyIn(src: string, workspace: string, owner: { uid: number; gid: number } | null): Seen {
  walk(src, (rel, st) => {
    const to = join(workspace, rel);
    if (st.isDirectory()) mkdirSync(to, { recursive: true });
    else copyFileSync(join(src, rel), to);
    if (owner) chownSync(to, owner.uid, owner.gid);
  });
  const seen: Seen = new Map();
  walk(workspace, (rel, st) => st.isFile() && seen.set(rel, { size: st.size, mtimeMs: st.mtimeMs }));
  return seen;
}

/** Copies back the files the run created or changed; returns their relative paths. */
export function copyBack(workspace: string, dest: string, before: Seen): string[] {
  const changed: string[] = [];
  walk(workspace, (rel, st) => {
    const to = join(dest, rel);
    if (st.isDirectory()) {
      mkdirSync(to, { recursive: true });
      return;
    }
    const was = before.get(rel);
    if (was && was.size === st.size && was.mtimeMs === st.mtimeMs) return;
    try {
      if (lstatSync(to).isSymbolicLink()) return; // never write through a link in the host folder
    } catch {}
    copyFileSync(join(workspace, rel), to);
    changed.push(rel);
  });
  return changed;
}
