// One live session per open document: its warm kernel, the run in progress, its last outputs,
// and the people watching it. Runs are shared: everyone in the document sees the same cells.
import { parsePymd, type ParsedPymd } from "../../protocol/pymd-parser.ts";
import { executableBlocks } from "../../protocol/pymd-run-blocks.ts";
import type { BlockResult, RunBlock, RunEvent } from "../../protocol/run-frames.ts";
import type { CellStateJson, ServerMessage } from "../../protocol/ws-messages.ts";
import type { Kernel, WorkspaceMount } from "../../sandbox/index.ts";
import { createWorkspaceDir, type WorkspaceDir } from "../../sandbox/workspace-dir.ts";
import type { WorkspaceFiles, WorkspaceMirror } from "../files/workspace-files.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { OutputsStore } from "../store/outputs-store.ts";
import { BlockRenderCache, renderBlocks, renderOutputs } from "../render/index.ts";
import type { Executions } from "./executions.ts";

export interface Watcher {
  id: string;
  userId: string;
  username: string;
  send(message: ServerMessage): void;
}

export function codeHash(code: string): string {
  return new Bun.CryptoHasher("sha256").update(code).digest("hex").slice(0, 32);
}

/** Stored outputs (keyed by code hash) placed on the executed blocks of `parsed` with that code. */
export function resultsByBlock(outputs: ReadonlyMap<string, BlockResult>, parsed: ParsedPymd): Map<number, BlockResult> {
  const out = new Map<number, BlockResult>();
  for (const b of executableBlocks(parsed)) {
    const r = outputs.get(codeHash(b.code));
    if (r) out.set(b.id, { ...r, block: b.id });
  }
  return out;
}

/** How long a session with nobody watching keeps its kernel. */
const IDLE_CLOSE_MS = 10 * 60_000;
/** Cell updates of one block are sent at most this often while it streams. */
const CELL_THROTTLE_MS = 100;

class NotebookSession {
  readonly watchers = new Map<string, Watcher>();
  private kernel: Kernel | null = null;
  private outputs: Map<string, BlockResult>;
  private versions = new Map<string, number>();
  private running: { runId: string; abort: AbortController } | null = null;
  private readonly cache = new BlockRenderCache();
  idleSince = Date.now();

  private workspace: { dir: WorkspaceDir; mirror: WorkspaceMirror } | null = null;

  constructor(
    readonly docId: string,
    private readonly store: OutputsStore,
    private readonly executions: Executions,
    private readonly log: Logger,
    private readonly files: WorkspaceFiles | null = null,
  ) {
    this.outputs = store.forDocument(docId);
  }

  /** Workspace files referenced by relative path, as the editor's preview loads them. */
  private readonly fileUrl = (path: string, use: "img" | "link"): string =>
    `/api/v1/documents/${this.docId}/file?path=${encodeURIComponent(path)}${use === "img" ? "&inline=1" : ""}`;

  /** The kernel's working directory, mirroring the document's files (made on first use). */
  private async workspaceMount(): Promise<WorkspaceMount | undefined> {
    if (!this.files) return undefined;
    if (!this.workspace) {
      const owner = this.files.ownerOf(this.docId);
      if (!owner) return undefined;
      const dir = createWorkspaceDir();
      this.workspace = { dir, mirror: this.files.mirror(this.docId, owner, dir) };
    }
    // a kernel from an earlier run may still have threads: it is stopped while the host writes
    const thaw = this.kernel?.freeze() ?? (() => {});
    try {
      await this.workspace.mirror.syncIn();
    } finally {
      thaw();
    }
    return { dir: this.workspace.dir.dir, maxBytes: this.files.limits.documentBytes };
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  broadcast(message: ServerMessage): void {
    for (const w of this.watchers.values()) {
      try {
        w.send(message);
      } catch {
        // A watcher whose socket failed is removed when its close arrives.
      }
    }
  }

  /** Results of the last runs mapped onto the blocks of `parsed` by their code. */
  resultsFor(parsed: ParsedPymd): Map<number, BlockResult> {
    return resultsByBlock(this.outputs, parsed);
  }

  async preview(source: string) {
    const parsed = parsePymd(source);
    const results = this.resultsFor(parsed);
    const blocks = await renderBlocks(
      parsed,
      results,
      (i) => {
        const b = parsed.blocks[i];
        if (!b || b.kind !== "code") return "";
        const h = codeHash(b.code);
        return `${h}:${this.versions.get(h) ?? 0}`;
      },
      this.cache,
      this.fileUrl,
    );
    return { blocks, problems: parsed.problems };
  }

  async run(watcher: Watcher, source: string, scope: { all: true } | { blocks: number[] }): Promise<void> {
    if (this.running) throw new AppError("conflict", "A run is already in progress in this document; interrupt it or wait");
    const parsed = parsePymd(source);
    const all = executableBlocks(parsed);
    const blocks: RunBlock[] = "all" in scope ? all : all.filter((b) => scope.blocks.includes(b.id));
    if (blocks.length === 0) throw new AppError("validation_failed", "There is no executable block to run there");
    const runId = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const abort = new AbortController();
    this.running = { runId, abort };
    const started = performance.now();
    this.broadcast({ t: "run-started", doc: this.docId, runId, by: watcher.username, blocks: blocks.map((b) => b.id) });
    const live = new Map<number, BlockResult & { startedAt: number | null }>();
    for (const b of blocks) {
      live.set(b.id, { block: b.id, status: "not-run", durationMs: null, outputs: [], startedAt: null });
      this.sendCell(runId, b.id, { block: b.id, status: "queued", durationMs: null, html: "", startedAt: null });
    }
    const lastSent = new Map<number, number>();
    const pending = new Map<number, ReturnType<typeof setTimeout>>();
    let over = false;
    const pushCell = (block: number, force: boolean) => {
      const r = live.get(block);
      if (!r) return;
      const now = Date.now();
      const send = () => {
        pending.delete(block);
        lastSent.set(block, Date.now());
        // once the run is over, a block it never reached is "not run", never left "queued"
        const status = r.status === "not-run" ? (over ? "not-run" : r.startedAt ? "running" : "queued") : r.status;
        void renderOutputs(r, this.fileUrl).then((html) => this.sendCell(runId, block, { block, status, durationMs: r.durationMs, html, startedAt: r.startedAt }));
      };
      if (force || now - (lastSent.get(block) ?? 0) >= CELL_THROTTLE_MS) {
        clearTimeout(pending.get(block));
        send();
      } else if (!pending.has(block)) {
        pending.set(block, setTimeout(send, CELL_THROTTLE_MS));
      }
    };
    // what a block wrote in the workspace is copied back as each block ends, one sync at a time
    let syncs: Promise<void> = Promise.resolve();
    const skipped: string[] = [];
    const syncBack = () => {
      const ws = this.workspace;
      if (!ws) return;
      syncs = syncs.then(async () => {
        // the next block may already run: the kernel is stopped while the host reads its directory
        const thaw = this.kernel?.freeze() ?? (() => {});
        try {
          const r = await ws.mirror.syncBack(watcher.userId);
          for (const s of r.skipped) if (!skipped.includes(s)) skipped.push(s);
        } catch (err) {
          this.log.error("workspace sync failed", { doc: this.docId, err: String(err) });
        } finally {
          thaw();
        }
      });
    };
    const onEvent = (e: RunEvent) => {
      if (e.type === "block-done") syncBack();
      if (!("block" in e) || e.block === null) return;
      const r = live.get(e.block);
      if (!r) return;
      switch (e.type) {
        case "block-start":
          r.startedAt = Date.now();
          pushCell(e.block, true);
          return;
        case "stdout":
        case "stderr": {
          const last = r.outputs[r.outputs.length - 1];
          if (last && last.kind === e.type) last.text += e.text;
          else r.outputs.push({ kind: e.type, text: e.text });
          break;
        }
        case "display":
          r.outputs.push({ kind: "display", mime: e.mime, data: e.data });
          break;
        case "error":
          r.outputs.push({ kind: "error", name: e.name, value: e.value, traceback: e.traceback, line: e.line });
          break;
        case "truncated":
          r.outputs.push({ kind: "truncated", limitBytes: e.limitBytes });
          break;
        case "host-error":
          r.outputs.push({ kind: "host-error", reason: e.reason, message: e.message });
          r.status = "error";
          break;
        case "block-done":
          r.status = e.status;
          r.durationMs = e.durationMs;
          pushCell(e.block, true);
          return;
      }
      pushCell(e.block, false);
    };
    let error: string | null = null;
    try {
      await this.executions.withLimits(watcher.userId, async () => {
        const sandbox = await this.executions.sandboxNow();
        if ("all" in scope && this.kernel) {
          await this.kernel.close();
          this.kernel = null;
        }
        const workspace = await this.workspaceMount();
        this.kernel ??= await sandbox.startKernel({ workspace });
        const events = await this.kernel.run(blocks, onEvent, abort.signal);
        syncBack();
        await syncs;
        if (skipped.length) this.broadcast({ t: "files", doc: this.docId, skipped });
        const failure = events.find((e) => e.type === "host-error" && e.block === null);
        if (failure && failure.type === "host-error") {
          error = failure.message;
          const first = live.get(blocks[0]!.id)!;
          if (first.outputs.length === 0) first.outputs.push({ kind: "host-error", reason: failure.reason, message: failure.message });
          if (first.status === "not-run") first.status = "error";
        }
      });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      if (!(e instanceof AppError)) this.log.error("run failed", { doc: this.docId, err: error });
    } finally {
      over = true;
      for (const t of pending.values()) clearTimeout(t);
      for (const b of blocks) {
        const r = live.get(b.id)!;
        if (r.status !== "not-run" || r.outputs.length > 0) {
          const { startedAt: _s, ...result } = r;
          const h = codeHash(b.code);
          this.outputs.set(h, result);
          this.versions.set(h, (this.versions.get(h) ?? 0) + 1);
          try {
            this.store.save(this.docId, h, result);
          } catch (err) {
            this.log.error("saving outputs failed", { doc: this.docId, err: String(err) });
          }
        }
        pushCell(b.id, true);
      }
      this.running = null;
      this.broadcast({ t: "run-finished", doc: this.docId, runId, durationMs: performance.now() - started, error });
    }
  }

  private sendCell(runId: string, _block: number, cell: CellStateJson): void {
    this.broadcast({ t: "cell", doc: this.docId, runId, cell });
  }

  interrupt(): void {
    if (!this.running) return;
    if (this.kernel) this.kernel.interrupt();
    else this.running.abort.abort();
  }

  async restart(): Promise<void> {
    if (this.running) this.running.abort.abort();
    if (this.kernel) await this.kernel.restart();
  }

  async close(): Promise<void> {
    this.running?.abort.abort();
    if (this.kernel) await this.kernel.close();
    this.kernel = null;
    this.workspace?.dir.remove();
    this.workspace = null;
  }
}

export class NotebookSessions {
  private readonly sessions = new Map<string, NotebookSession>();

  /** Whether code can run here (for the editor's banner). */
  executionStatus(): Promise<{ available: boolean; reason: string | null }> {
    return this.executions.status();
  }
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly store: OutputsStore,
    private readonly executions: Executions,
    private readonly log: Logger,
    private readonly files: WorkspaceFiles | null = null,
  ) {
    this.timer = setInterval(() => void this.closeIdle(), 60_000);
    this.timer.unref?.();
    // every change to a document's files reaches the people who have it open
    files?.onChange((doc) => this.sessions.get(doc)?.broadcast({ t: "files", doc, skipped: [] }));
  }

  get(docId: string): NotebookSession {
    let s = this.sessions.get(docId);
    if (!s) {
      s = new NotebookSession(docId, this.store, this.executions, this.log, this.files);
      this.sessions.set(docId, s);
    }
    return s;
  }

  peek(docId: string): NotebookSession | undefined {
    return this.sessions.get(docId);
  }

  join(docId: string, w: Watcher): NotebookSession {
    const s = this.get(docId);
    s.watchers.set(w.id, w);
    return s;
  }

  leave(docId: string, watcherId: string): void {
    const s = this.sessions.get(docId);
    if (!s) return;
    s.watchers.delete(watcherId);
    if (s.watchers.size === 0) s.idleSince = Date.now();
  }

  /** Last outputs of a document for rendering without a live session (exports, public links). */
  resultsFor(docId: string, parsed: ParsedPymd): Map<number, BlockResult> {
    const live = this.sessions.get(docId);
    return live ? live.resultsFor(parsed) : resultsByBlock(this.store.forDocument(docId), parsed);
  }

  private async closeIdle(now = Date.now()): Promise<void> {
    for (const [id, s] of this.sessions) {
      if (s.watchers.size === 0 && !s.isRunning && now - s.idleSince > IDLE_CLOSE_MS) {
        this.sessions.delete(id);
        await s.close().catch(() => {});
      }
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.sessions.values()) await s.close().catch(() => {});
    this.sessions.clear();
  }
}
