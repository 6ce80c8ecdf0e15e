// One live session per open document: its warm kernel, the run in progress, its last outputs,
// and the people watching it. Runs are shared: everyone in the document sees the same cells.
import { parsePymd, type ParsedPymd } from "../../protocol/pymd-parser.ts";
import { executableBlocks } from "../../protocol/pymd-run-blocks.ts";
import type { BlockResult, HostFailureFrame, RunBlock, RunEvent } from "../../protocol/run-frames.ts";
import type { CellStateJson, KernelStateJson, PreviewBlockJson, ServerMessage } from "../../protocol/ws-messages.ts";
import type { Kernel, WorkspaceMount } from "../../sandbox/index.ts";
import type { WorkspaceFiles } from "../files/workspace-files.ts";
import type { SharedWorkspace } from "../files/shared-workspaces.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { OutputsStore } from "../store/outputs-store.ts";
import { BlockRenderCache, renderBlocks, renderOutputs } from "../render/index.ts";
import type { Executions } from "./executions.ts";
import { markOutputs, OutputPlacement, type RanIn } from "./output-staleness.ts";
import { STREAM_INLINE_BELOW, StreamedCell } from "./streamed-cell.ts";
import { RENDER_DEADLINE_MS } from "../render/render-pool.ts";

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
export function resultsByBlock(
  outputs: ReadonlyMap<string, BlockResult>,
  parsed: ParsedPymd,
): Map<number, BlockResult> {
  const out = new Map<number, BlockResult>();
  for (const b of executableBlocks(parsed)) {
    const r = outputs.get(codeHash(b.code));
    if (r) out.set(b.id, { ...r, block: b.id });
  }
  return out;
}

/** A stored output with the execution counter it was made with. */
interface CountedResult extends BlockResult {
  count?: number | null;
}

/** How long a session with nobody watching keeps its kernel, by default (--kernel-idle-close). */
export const DEFAULT_IDLE_CLOSE_MINUTES = 30;
/** Live kernels one user may hold at once, by default (--kernels-per-user). */
export const DEFAULT_KERNELS_PER_USER = 4;
/** Documents whose kernel was closed for idleness are remembered this long, to say so when they are opened again. */
const IDLE_NOTICE_KEEP = 5000;

/**
 * The session's render cache: block listings by what they depend on, and for each block position
 * the HTML of one version of its outputs only (older versions are dropped as a new one is cached),
 * so what it holds is bounded by the document's current outputs.
 */
class SessionRenderCache extends BlockRenderCache {
  private readonly outputKeys = new Map<string, string>();

  override set(key: string, html: string): void {
    if (key.startsWith("out\u0000")) {
      const slot = key.slice(0, key.indexOf("\u0000", 4));
      const before = this.outputKeys.get(slot);
      if (before !== undefined && before !== key) this.delete(before);
      this.outputKeys.set(slot, key);
    }
    super.set(key, html);
  }
}

class NotebookSession {
  readonly watchers = new Map<string, Watcher>();
  private kernel: Kernel | null = null;
  private outputs: Map<string, BlockResult>;
  private versions = new Map<string, number>();
  /** Output versions are numbered across the session, so a cached render is never taken for another. */
  private versionSeq = 0;
  /** Sessions are numbered across the process, so an outputs stamp names one session's outputs. */
  private static opened = 0;
  private readonly serial = ++NotebookSession.opened;
  private running: { runId: string; abort: AbortController } | null = null;
  private readonly cache = new SessionRenderCache();
  idleSince = Date.now();
  /** Moves whenever the kernel's namespace is lost (restart, crash, limit): outputs made before are stale. */
  private kernelNo = 1;
  /** Executions in the current kernel. */
  private counter = 0;
  /** Stored outputs (stored ones came from an earlier kernel, kernel 0). */
  private readonly ranIn = new Map<string, RanIn>();
  private readonly placement = new OutputPlacement();
  private restarts = 0;
  private state: KernelStateJson;
  /** Who started the current kernel (it counts against their --kernels-per-user), and when it last ran. */
  private kernelOwner: string | null = null;
  private startingKernel = false;
  lastRunAt = 0;
  /** Told of each run the limits let start (for the document's analytics); must not throw. */
  onRunStarted: ((docId: string, userId: string) => void) | null = null;

  /** The document's working directory, shared with its terminals; `unwork` takes this kernel off its list. */
  private workspace: { shared: SharedWorkspace; unwork: () => void } | null = null;

  constructor(
    readonly docId: string,
    private readonly store: OutputsStore,
    private readonly executions: Executions,
    private readonly log: Logger,
    private readonly files: WorkspaceFiles | null = null,
    stopped: { reason: KernelStateJson["reason"]; message: string | null } = { reason: "not-started", message: null },
    /** Frees a kernel slot of the user's before this session starts one (closes their oldest idle kernel). */
    private readonly makeRoom: (userId: string) => Promise<void> = async () => {},
  ) {
    this.outputs = store.forDocument(docId);
    for (const [h, r] of this.outputs) this.ranIn.set(h, { kernel: 0, count: (r as CountedResult).count ?? null });
    this.state = { status: "stopped", block: null, reason: stopped.reason, message: stopped.message, counter: 0 };
  }

  get kernelState(): KernelStateJson {
    return this.state;
  }

  /** The user whose live (or starting) kernel this session holds, else null. */
  get kernelUser(): string | null {
    return this.startingKernel || this.kernel?.alive ? this.kernelOwner : null;
  }

  /** Closes the kernel to give its slot to another of the same user's documents; everyone here is told. */
  async closeKernelForRoom(cap: number): Promise<void> {
    const k = this.kernel;
    this.kernel = null;
    if (k) await k.close();
    this.lostKernel();
    this.setKernel({
      status: "stopped",
      block: null,
      reason: "idle-close",
      message: `Kernel closed: at most ${cap} kernels per user run at once and this one was idle longest — variables are gone`,
    });
  }

  /** The host stopped the idle kernel (its background work used up the CPU allowed between runs). */
  private readonly kernelStopped = (why: string): void => {
    if (this.running) return;
    this.lostKernel();
    this.setKernel({
      status: "stopped",
      block: null,
      reason: "limit",
      message: `Kernel stopped: ${why} — variables are gone`,
    });
    this.log.info("idle kernel stopped", { doc: this.docId, why });
  };

  /** Whether a kernel ever ran code in this session (so closing it loses something). */
  get hadKernel(): boolean {
    return this.kernel !== null;
  }

  private setKernel(next: Omit<KernelStateJson, "counter">): void {
    this.state = { ...next, counter: this.counter };
    this.broadcast({ t: "kernel", doc: this.docId, kernel: this.state });
  }

  /** The namespace is gone: every output made so far belongs to an earlier kernel. */
  private lostKernel(): void {
    if (this.counter === 0) return;
    this.kernelNo++;
    this.counter = 0;
  }

  /** Workspace files referenced by relative path, as the editor's preview loads them. */
  private readonly fileUrl = (path: string, use: "img" | "link"): string =>
    `/api/v1/documents/${this.docId}/file?path=${encodeURIComponent(path)}${use === "img" ? "&inline=1" : ""}`;

  /** The kernel's working directory: the document's shared one, mirroring its files (taken on first use). */
  private async workspaceMount(): Promise<WorkspaceMount | undefined> {
    if (!this.files) return undefined;
    if (!this.workspace) {
      const shared = this.files.shared.acquire(this.docId);
      if (!shared) return undefined;
      // a kernel (from an earlier run it may still have threads) is stopped while the host writes there
      this.workspace = { shared, unwork: shared.work({ freeze: () => this.kernel?.freeze() ?? (() => {}) }) };
    }
    await this.workspace.shared.syncIn();
    return { dir: this.workspace.shared.dir, maxBytes: this.workspace.shared.maxBytes };
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

  /** Moves whenever the outputs this session holds change. */
  get outputsStamp(): string {
    return `live:${this.serial}:${this.versionSeq}`;
  }

  /** Results of the last runs mapped onto the blocks of `parsed` by their code. */
  resultsFor(parsed: ParsedPymd): Map<number, BlockResult> {
    return resultsByBlock(this.outputs, parsed);
  }

  /**
   * The output each executed block shows (an edited block keeps its last one), with the counter it
   * ran with and whether it is stale, from what ran in which order in the current kernel.
   */
  private placeOutputs(
    parsed: ParsedPymd,
  ): Map<number, { hash: string; result: BlockResult; count: number | null; stale: PreviewBlockJson["stale"] }> {
    const execs = executableBlocks(parsed);
    const codes = execs.map((b) => codeHash(b.code));
    const shown = this.placement.place(codes, (h) => this.outputs.has(h));
    const marks = markOutputs(
      codes.map((code, i) => ({ code, shown: shown[i]! })),
      (h) => this.ranIn.get(h),
      this.kernelNo,
    );
    const out = new Map<
      number,
      { hash: string; result: BlockResult; count: number | null; stale: PreviewBlockJson["stale"] }
    >();
    execs.forEach((b, i) => {
      const h = shown[i];
      if (h) out.set(b.id, { hash: h, result: { ...this.outputs.get(h)!, block: b.id }, ...marks[i]! });
    });
    return out;
  }

  async preview(source: string): Promise<{ blocks: PreviewBlockJson[]; problems: ParsedPymd["problems"] }> {
    const parsed = parsePymd(source);
    const placed = this.placeOutputs(parsed);
    const results = new Map([...placed].map(([i, p]) => [i, p.result]));
    const blocks = await renderBlocks(
      parsed,
      results,
      (i) => {
        const h = placed.get(i)?.hash;
        return h ? `${h}:${this.versions.get(h) ?? 0}` : "";
      },
      this.cache,
      this.fileUrl,
    );
    return {
      blocks: blocks.map((b) => ({
        ...b,
        count: placed.get(b.block)?.count ?? null,
        stale: placed.get(b.block)?.stale ?? null,
      })),
      problems: parsed.problems,
    };
  }

  async run(watcher: Watcher, source: string, scope: { all: true } | { blocks: number[] }): Promise<void> {
    if (this.running)
      throw new AppError("conflict", "A run is already in progress in this document; interrupt it or wait");
    const parsed = parsePymd(source);
    const all = executableBlocks(parsed);
    // Chosen blocks run exactly: in the state a top-down run has before the first of them (the
    // kernel resumes its checkpoint, or runs what it must of the blocks above), through the last.
    const chosen = "all" in scope ? [] : all.flatMap((b, i) => (scope.blocks.includes(b.id) ? [i] : []));
    const from = "all" in scope ? 0 : (chosen[0] ?? 0);
    const blocks: RunBlock[] = "all" in scope ? all : chosen.length ? all.slice(from, chosen.at(-1)! + 1) : [];
    const prefix = all.slice(0, from);
    if (blocks.length === 0) throw new AppError("validation_failed", "There is no executable block to run there");
    const runId = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const abort = new AbortController();
    this.running = { runId, abort };
    const started = performance.now();
    this.placeOutputs(parsed);
    const restartsBefore = this.restarts;
    /** The counter each block started with, and the kernel it ran in. */
    const ran = new Map<number, RanIn>();
    let reached = false;
    let failure: HostFailureFrame | null = null;
    let interrupted: number | null = null;
    const busyOn = (index: number) => ({
      index,
      number: all.findIndex((b) => b.id === index) + 1,
      line: parsed.blocks[index]?.startLine ?? 0,
    });
    this.broadcast({ t: "run-started", doc: this.docId, runId, by: watcher.username, blocks: blocks.map((b) => b.id) });
    const live = new Map<number, BlockResult & { startedAt: number | null }>();
    for (const b of blocks) {
      live.set(b.id, { block: b.id, status: "not-run", durationMs: null, outputs: [], startedAt: null });
      this.sendCell(runId, b.id, {
        block: b.id,
        status: "queued",
        durationMs: null,
        html: "",
        startedAt: null,
        count: null,
      });
    }
    let over = false;
    // each cell renders for its watchers one render at a time, from the text its block printed
    const cells = new Map<number, StreamedCell>();
    for (const b of blocks) {
      const r = live.get(b.id)!;
      cells.set(
        b.id,
        new StreamedCell({
          view: () => ({
            result: r,
            // once the run is over, a block it never reached is "not run", never left "queued"
            status: r.status === "not-run" ? (over ? "not-run" : r.startedAt ? "running" : "queued") : r.status,
            startedAt: r.startedAt,
            count: ran.get(b.id)?.count ?? null,
          }),
          render: (result) => renderOutputs(result, this.fileUrl, STREAM_INLINE_BELOW),
          watched: () => this.watchers.size > 0,
          send: (v, html) =>
            this.sendCell(runId, b.id, {
              block: b.id,
              status: v.status,
              durationMs: v.result.durationMs,
              html,
              startedAt: v.startedAt,
              count: v.count,
            }),
        }),
      );
    }
    const pushCell = (block: number, urgent: boolean) => cells.get(block)?.update(urgent);
    // what a block wrote in the workspace is copied back as each block ends, one sync at a time
    let syncs: Promise<void> = Promise.resolve();
    const skipped: string[] = [];
    const syncBack = () => {
      const ws = this.workspace;
      if (!ws) return;
      syncs = syncs.then(async () => {
        // the next block may already run: the kernel (and any terminal) is stopped while the host reads the directory
        try {
          const r = await ws.shared.syncBack(watcher.userId);
          for (const s of r.skipped) if (!skipped.includes(s)) skipped.push(s);
        } catch (err) {
          this.log.error("workspace sync failed", { doc: this.docId, err: String(err) });
        }
      });
    };
    const onEvent = (e: RunEvent) => {
      if (e.type === "block-done") syncBack();
      if (e.type === "host-error") failure = e;
      if (!("block" in e) || e.block === null) return;
      const r = live.get(e.block);
      if (!r) return;
      switch (e.type) {
        case "block-start":
          r.startedAt = Date.now();
          ran.set(e.block, { kernel: this.kernelNo, count: ++this.counter });
          this.setKernel({ status: "busy", block: busyOn(e.block), reason: null, message: null });
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
          if (e.status === "interrupted") interrupted = e.block;
          void cells.get(e.block)?.finish();
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
        this.lastRunAt = Date.now();
        if (!this.kernel?.alive) {
          // a new kernel takes one of the user's slots: their oldest idle one closes if none is free
          this.startingKernel = true;
          this.kernelOwner = watcher.userId;
          try {
            await this.makeRoom(watcher.userId);
          } catch (e) {
            this.startingKernel = false;
            throw e;
          }
        }
        reached = true;
        try {
          this.onRunStarted?.(this.docId, watcher.userId);
        } catch (e) {
          this.log.error("counting a run failed", { doc: this.docId, err: String(e) });
        }
        if (!this.kernel?.alive) {
          this.lostKernel();
          this.setKernel({ status: "starting", block: null, reason: null, message: null });
        }
        let workspace: WorkspaceMount | undefined;
        try {
          workspace = await this.workspaceMount();
          this.kernel ??= await sandbox.startKernel({ workspace, onStop: this.kernelStopped });
        } finally {
          this.startingKernel = false;
        }
        const events = await this.kernel.run(blocks, onEvent, abort.signal, { prefix });
        syncBack();
        await syncs;
        if (skipped.length) this.broadcast({ t: "files", doc: this.docId, skipped });
        const failure = events.find((e) => e.type === "host-error" && e.block === null);
        if (failure && failure.type === "host-error") {
          error = failure.message;
          const first = live.get(blocks[0]!.id)!;
          if (first.outputs.length === 0)
            first.outputs.push({ kind: "host-error", reason: failure.reason, message: failure.message });
          if (first.status === "not-run") first.status = "error";
        }
      });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      if (!(e instanceof AppError)) this.log.error("run failed", { doc: this.docId, err: error });
    } finally {
      over = true;
      for (const b of blocks) {
        const r = live.get(b.id)!;
        if (r.status !== "not-run" || r.outputs.length > 0) {
          const { startedAt: _s, ...result } = r;
          const h = codeHash(b.code);
          const meta = ran.get(b.id) ?? { kernel: this.kernelNo, count: null };
          const counted: CountedResult = { ...result, count: meta.count };
          this.outputs.set(h, counted);
          this.ranIn.set(h, meta);
          this.versions.set(h, ++this.versionSeq);
          try {
            this.store.save(this.docId, h, counted);
          } catch (err) {
            this.log.error("saving outputs failed", { doc: this.docId, err: String(err) });
          }
        }
      }
      this.retainShown(parsed);
      // every cell's final state is sent before the run is said to be over (a render is stopped
      // at its deadline; one lost with its worker does not hold the run)
      let waited: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(blocks.map((b) => cells.get(b.id)!.finish())),
        new Promise((resolve) => (waited = setTimeout(resolve, RENDER_DEADLINE_MS + 5_000))),
      ]);
      clearTimeout(waited);
      for (const cell of cells.values()) cell.cancel();
      this.running = null;
      this.lastRunAt = Date.now();
      // a restart during the run has said what the kernel is now
      if (reached && this.restarts === restartsBefore)
        this.settle(failure, interrupted === null ? null : busyOn(interrupted).number, error);
      this.broadcast({ t: "run-finished", doc: this.docId, runId, durationMs: performance.now() - started, error });
    }
  }

  /**
   * Keeps only the outputs the blocks of `parsed` show (their own, or the one an edited block
   * still shows until it runs again), in memory and in the store: edit-and-run rounds replace
   * outputs instead of piling them up. Only a run calls this (a preview's text is the sender's).
   */
  private retainShown(parsed: ParsedPymd): void {
    const shown = new Set([...this.placeOutputs(parsed).values()].map((p) => p.hash));
    for (const h of [...this.outputs.keys()]) {
      if (shown.has(h)) continue;
      this.versionSeq++;
      this.outputs.delete(h);
      this.ranIn.delete(h);
      this.versions.delete(h);
    }
    try {
      this.store.retain(this.docId, shown);
    } catch (err) {
      this.log.error("dropping old outputs failed", { doc: this.docId, err: String(err) });
    }
  }

  /** The kernel's state once a run is over: idle if its namespace survived, else stopped and why. */
  private settle(failure: HostFailureFrame | null, interruptedBlock: number | null, error: string | null): void {
    if (this.kernel?.alive) {
      this.setKernel({
        status: "idle",
        block: null,
        reason: null,
        message: interruptedBlock !== null ? `Interrupted block ${interruptedBlock} — variables kept` : null,
      });
      return;
    }
    this.lostKernel();
    const f = failure;
    const why = f?.message ?? error ?? "the Python process ended";
    const reason: KernelStateJson["reason"] =
      f?.reason === "refused"
        ? "not-started"
        : f?.reason === "timeout"
          ? "limit"
          : f?.reason === "killed"
            ? /interrupt/.test(why)
              ? "interrupt"
              : "limit"
            : "crash";
    const message =
      reason === "not-started" ? `The kernel could not start: ${why}` : `Kernel stopped: ${why} — variables are gone`;
    this.setKernel({ status: "stopped", block: null, reason, message });
  }

  private sendCell(runId: string, _block: number, cell: CellStateJson): void {
    this.broadcast({ t: "cell", doc: this.docId, runId, cell });
  }

  interrupt(): void {
    if (!this.running) return;
    const s = this.state;
    if (s.status === "busy" && s.block) this.setKernel({ ...s, message: `Interrupting block ${s.block.number}…` });
    if (this.kernel) this.kernel.interrupt();
    else this.running.abort.abort();
  }

  /** A fresh namespace: every output so far becomes stale; everyone in the document is told how it went. */
  async restart(): Promise<void> {
    this.restarts++;
    this.setKernel({ status: "starting", block: null, reason: null, message: "Restarting…" });
    if (this.running) this.running.abort.abort();
    this.kernelNo++;
    this.counter = 0;
    try {
      if (this.kernel) await this.kernel.restart();
    } catch (e) {
      this.setKernel({
        status: "stopped",
        block: null,
        reason: "crash",
        message: `The kernel did not restart: ${e instanceof Error ? e.message : String(e)}`,
      });
      return;
    }
    if (this.kernel?.alive)
      this.setKernel({ status: "idle", block: null, reason: null, message: "Kernel restarted — variables cleared" });
    else
      this.setKernel({
        status: "stopped",
        block: null,
        reason: "not-started",
        message: "Kernel restarted — variables cleared; a new one starts with the next run",
      });
  }

  async close(): Promise<void> {
    this.running?.abort.abort();
    if (this.kernel) await this.kernel.close();
    this.kernel = null;
    const ws = this.workspace;
    this.workspace = null;
    if (ws) {
      ws.unwork();
      await this.files?.shared.release(ws.shared);
    }
  }
}

export class NotebookSessions {
  private readonly sessions = new Map<string, NotebookSession>();

  /** Whether code can run here (for the editor's banner). */
  executionStatus(): Promise<{ available: boolean; reason: string | null }> {
    return this.executions.status();
  }
  private readonly timer: ReturnType<typeof setInterval>;
  /** Documents whose kernel was closed for idleness, and after how many minutes: said when they are opened again. */
  private readonly closedIdle = new Map<string, number>();
  private readonly idleCloseMinutes: number;
  private readonly kernelsPerUser: number;
  private readonly onRunStarted: ((docId: string, userId: string) => void) | null;

  constructor(
    private readonly store: OutputsStore,
    private readonly executions: Executions,
    private readonly log: Logger,
    private readonly files: WorkspaceFiles | null = null,
    /** Minutes a kernel nobody watches is kept (0: until the server stops); live kernels one user may hold; told of each run that starts. */
    opts: {
      idleCloseMinutes?: number;
      kernelsPerUser?: number;
      onRunStarted?: (docId: string, userId: string) => void;
    } = {},
  ) {
    this.onRunStarted = opts.onRunStarted ?? null;
    this.idleCloseMinutes = opts.idleCloseMinutes ?? DEFAULT_IDLE_CLOSE_MINUTES;
    this.kernelsPerUser = opts.kernelsPerUser ?? DEFAULT_KERNELS_PER_USER;
    this.timer = setInterval(() => void this.closeIdle(), 60_000);
    this.timer.unref?.();
    // every change to a document's files reaches the people who have it open
    files?.onChange((doc) => this.sessions.get(doc)?.broadcast({ t: "files", doc, skipped: [] }));
  }

  get(docId: string): NotebookSession {
    let s = this.sessions.get(docId);
    if (!s) {
      const idle = this.closedIdle.get(docId);
      this.closedIdle.delete(docId);
      const stopped =
        idle === undefined
          ? undefined
          : { reason: "idle-close" as const, message: `Kernel stopped after ${idle} min idle — variables are gone` };
      s = new NotebookSession(docId, this.store, this.executions, this.log, this.files, stopped, this.makeRoom);
      s.onRunStarted = this.onRunStarted;
      this.sessions.set(docId, s);
    }
    return s;
  }

  /**
   * Keeps a user's live kernels within --kernels-per-user as one of their documents starts one:
   * their kernels idle longest are closed; when all of them are running, the new one is refused.
   */
  private readonly makeRoom = async (userId: string): Promise<void> => {
    const live = [...this.sessions.values()].filter((s) => s.kernelUser === userId);
    const over = live.length - this.kernelsPerUser;
    if (over <= 0) return;
    const idle = live.filter((s) => !s.isRunning).sort((a, b) => a.lastRunAt - b.lastRunAt);
    if (idle.length < over)
      throw new AppError(
        "rate_limited",
        `At most ${this.kernelsPerUser} kernels per user at once, and all of yours are running; wait for one to finish or stop one`,
        {
          retryAfterSeconds: 5,
        },
      );
    for (const s of idle.slice(0, over)) {
      this.log.info("kernel closed for the user's kernel cap", { doc: s.docId, cap: this.kernelsPerUser });
      await s.closeKernelForRoom(this.kernelsPerUser);
    }
  };

  join(docId: string, w: Watcher): NotebookSession {
    const s = this.get(docId);
    s.watchers.set(w.id, w);
    // after the caller's "joined": the kernel as it is now
    queueMicrotask(() => {
      if (s.watchers.get(w.id) === w) w.send({ t: "kernel", doc: docId, kernel: s.kernelState });
    });
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
    if (live) return live.resultsFor(parsed);
    // only the outputs of the blocks there are now are read
    return resultsByBlock(
      this.store.forHashes(
        docId,
        executableBlocks(parsed).map((b) => codeHash(b.code)),
      ),
      parsed,
    );
  }

  /** Names the outputs `resultsFor` reads now: equal stamps, equal results (for caching what is rendered from them). */
  outputsStamp(docId: string): string {
    return this.sessions.get(docId)?.outputsStamp ?? `stored:${this.store.stamp(docId)}`;
  }

  /** Closes the sessions nobody has watched for the idle-close time; their kernels' variables are gone. */
  async closeIdle(now = Date.now()): Promise<void> {
    if (this.idleCloseMinutes === 0) return;
    for (const [id, s] of this.sessions) {
      if (s.watchers.size === 0 && !s.isRunning && now - s.idleSince >= this.idleCloseMinutes * 60_000) {
        this.sessions.delete(id);
        if (s.hadKernel) {
          this.closedIdle.set(id, this.idleCloseMinutes);
          if (this.closedIdle.size > IDLE_NOTICE_KEEP) this.closedIdle.delete(this.closedIdle.keys().next().value!);
          this.log.info("kernel closed after idle", { doc: id, minutes: this.idleCloseMinutes });
        }
        await s.close().catch(() => {});
      }
    }
  }

  /** Live kernels per user (for the admin page). */
  kernelsByUser(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.sessions.values()) {
      const u = s.kernelUser;
      if (u) out.set(u, (out.get(u) ?? 0) + 1);
    }
    return out;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.sessions.values()) await s.close().catch(() => {});
    this.sessions.clear();
  }
}
