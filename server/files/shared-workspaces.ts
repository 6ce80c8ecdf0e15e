// One working directory per open document, shared by its kernel and every terminal on it: a file
// a terminal writes is there for the next block at once, and a block's output file is in the
// terminals as soon as it is written. The directory mirrors the document's stored workspace
// (WorkspaceMirror); syncs in and back run one at a time, with every process working in the
// directory stopped meanwhile, and the directory goes when its last user lets it go.
import { createWorkspaceDir, type WorkspaceDir } from "../../sandbox/workspace-dir.ts";
import type { SyncReport, WorkspaceFiles, WorkspaceMirror } from "./workspace-files.ts";

/** Something whose processes work in the directory: stopped while the host reads or writes it. */
export interface WorkspaceWorker {
  /** Stops the processes; the function returned resumes them. */
  freeze(): () => void;
}

export class SharedWorkspace {
  private readonly workers = new Set<WorkspaceWorker>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Holders that have not let it go; at 0 the directory is removed. */
  holders = 0;
  removed = false;

  constructor(
    readonly documentId: string,
    private readonly workDir: WorkspaceDir,
    private readonly mirror: WorkspaceMirror,
    /** The most the directory may hold (the document's workspace limit). */
    readonly maxBytes: number,
  ) {}

  /** The host path the jails mount as /work. */
  get dir(): string {
    return this.workDir.dir;
  }

  /** Registers processes working in the directory; the function returned takes them off. */
  work(w: WorkspaceWorker): () => void {
    this.workers.add(w);
    return () => this.workers.delete(w);
  }

  /** Brings the directory up to the stored workspace. */
  syncIn(): Promise<void> {
    return this.exclusive(() => this.mirror.syncIn(), undefined);
  }

  /** Copies what code changed in the directory to the stored workspace, as `userId`'s change. */
  syncBack(userId: string | null): Promise<SyncReport> {
    return this.exclusive(() => this.mirror.syncBack(userId), { changed: false, skipped: [] });
  }

  /** The directory is removed once the syncs already asked for have run; later ones do nothing. */
  remove(): Promise<void> {
    const done = this.exclusive(async () => this.workDir.remove(), undefined);
    this.removed = true;
    return done;
  }

  /**
   * Runs one sync after those before it, with every process in the directory stopped (resumed in
   * reverse order); asked for after removal, it does nothing and gives `gone`.
   */
  private exclusive<T>(f: () => Promise<T>, gone: T): Promise<T> {
    if (this.removed) return Promise.resolve(gone);
    const run = this.queue.then(async () => {
      const thaws = [...this.workers].map((w) => w.freeze());
      try {
        return await f();
      } finally {
        for (const thaw of thaws.reverse()) thaw();
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

/** The shared directories of the documents that have a kernel or a terminal open. */
export class SharedWorkspaces {
  private readonly open = new Map<string, SharedWorkspace>();

  constructor(
    private readonly files: WorkspaceFiles,
    private readonly makeDir: () => WorkspaceDir = createWorkspaceDir,
  ) {}

  /** The document's directory, made (and filled from the store) on first use; null for a document that does not exist. Call `release` when done. */
  acquire(documentId: string): SharedWorkspace | null {
    let ws = this.open.get(documentId);
    if (!ws) {
      const owner = this.files.ownerOf(documentId);
      if (!owner) return null;
      const dir = this.makeDir();
      ws = new SharedWorkspace(
        documentId,
        dir,
        this.files.mirror(documentId, owner, dir),
        this.files.limits.documentBytes,
      );
      this.open.set(documentId, ws);
    }
    ws.holders++;
    return ws;
  }

  /** A holder is done with the directory; the last one's release removes it. */
  release(ws: SharedWorkspace): Promise<void> {
    if (ws.removed) return Promise.resolve();
    if (--ws.holders > 0) return Promise.resolve();
    if (this.open.get(ws.documentId) === ws) this.open.delete(ws.documentId);
    return ws.remove();
  }

  /** Open directories (for tests and the admin's view). */
  get size(): number {
    return this.open.size;
  }
}
