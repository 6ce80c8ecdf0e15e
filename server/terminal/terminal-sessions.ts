// Open terminals: one jailed shell per terminal, private to the user who opened it, in the
// document's working directory, the one its kernel uses (synced with the stored files). Owns who may
// open and reattach one, the per-user cap, idle close, the reconnect grace, closing on lost access,
// and passing output on only as fast as the browser takes it.
import type { AuditLog } from "../auth/audit-log.ts";
import type { Sandbox, TerminalEvent, TerminalProcess, TerminalSignal } from "../../sandbox/index.ts";
import type { Authenticated, SessionManager } from "../auth/sessions.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import { AppError } from "../errors.ts";
import type { WorkspaceFiles } from "../files/workspace-files.ts";
import type { SharedWorkspace } from "../files/shared-workspaces.ts";
import type { Logger } from "../log/logger.ts";
import type { Executions } from "../runtime/executions.ts";
import { canEdit } from "../../protocol/api-types.ts";
import { readersCannot } from "../documents/document-rules.ts";

/** Where a terminal's output goes: the socket of the browser tab that has it open. */
export interface TerminalClient {
  /** Sends terminal bytes; false when the socket dropped them. */
  sendBytes(data: Uint8Array): boolean;
  sendJson(m: unknown): void;
  /** Bytes queued on the socket and not yet sent. */
  buffered(): number;
  close(code: number, reason: string): void;
}

export interface TerminalOptions {
  /** Minutes without input before a terminal's shell is closed (0: never for idleness). */
  idleCloseMinutes: number;
  /** Live terminals one user may have at once. */
  perUser: number;
  /** How long a terminal whose socket dropped keeps its shell for a reconnect. */
  graceMs?: number;
  /** How often the workspace is synced while a terminal is in use. */
  syncMs?: number;
}

export const DEFAULT_GRACE_MS = 60_000;
/** Output kept for a reconnect to redraw from, per terminal. */
const SCROLLBACK_BYTES = 256 * 1024;
/** Output queued on a socket past which no more is read from the jail until it drains. */
const SOCKET_HIGH_WATER = 256 * 1024;
/**
 * Output passed on per second at most, metered in short slices: a flood costs the server a bounded,
 * evenly spread share of its time (a burst would hold the event loop from other sockets).
 */
const OUTPUT_BYTES_PER_SECOND = 2 * 1024 * 1024;
const OUTPUT_SLICE_MS = 20;
const ACCESS_CHECK_MS = 2_000;

let seq = 0;
const newTerminalId = () =>
  `t${Date.now().toString(36)}${(++seq).toString(36)}${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36), "")}`;

export class Terminal {
  client: TerminalClient | null = null;
  lastInputAt = Date.now();
  detachedAt: number | null = Date.now();
  private scrollback: Uint8Array[] = [];
  private scrollbackBytes = 0;
  private closeReason: string | null = null;
  private attachWaiter: (() => void) | null = null;
  private dirty = true;
  filesChanged = false;
  private workspaceGone = false;
  private syncing: Promise<void> | null = null;
  ended = false;
  readonly done: Promise<void>;

  constructor(
    readonly id: string,
    readonly docId: string,
    public auth: Authenticated,
    readonly proc: TerminalProcess,
    private readonly workspace: SharedWorkspace | null,
    private readonly log: Logger,
    private readonly onEnd: (t: Terminal) => void,
    /** Lets go of the shared directory once the shell has ended. */
    private readonly releaseWorkspace: () => Promise<void>,
  ) {
    this.unwork = workspace?.work(proc) ?? (() => {});
    this.done = this.pump();
  }

  private readonly unwork: () => void;

  get userId(): string {
    return this.auth.user.id;
  }

  /** Connects a socket; one that had the terminal before is told and closed. Replays recent output. */
  attach(client: TerminalClient, auth: Authenticated): void {
    if (this.client && this.client !== client) {
      this.client.sendJson({ t: "error", code: "conflict", message: "This terminal was opened in another tab" });
      this.client.close(4409, "opened elsewhere");
    }
    this.auth = auth;
    this.client = client;
    this.detachedAt = null;
    for (const chunk of this.scrollback) client.sendBytes(chunk);
    this.wake();
  }

  detach(client: TerminalClient): void {
    if (this.client !== client) return;
    this.client = null;
    this.detachedAt = Date.now();
  }

  /** Called when the socket drained; the pump may read on. */
  wake(): void {
    const w = this.attachWaiter;
    this.attachWaiter = null;
    w?.();
  }

  input(data: Uint8Array): void {
    this.lastInputAt = Date.now();
    this.dirty = true;
    this.proc.write(data);
  }

  resize(rows: number, cols: number): void {
    this.proc.resize(rows, cols);
  }

  signal(sig: TerminalSignal): void {
    this.lastInputAt = Date.now();
    this.proc.signal(sig);
  }

  /** Ends the shell; the socket (if any) is told why. keepChanges false: what it changed since the last sync is not copied back (its user lost access). */
  close(reason: string, keepChanges = true): void {
    this.closeReason ??= reason;
    if (!keepChanges) this.workspaceGone = true;
    void this.proc.close();
    this.wake();
  }

  private remember(chunk: Uint8Array): void {
    this.scrollback.push(chunk);
    this.scrollbackBytes += chunk.length;
    while (this.scrollbackBytes > SCROLLBACK_BYTES && this.scrollback.length > 1)
      this.scrollbackBytes -= this.scrollback.shift()!.length;
  }

  /** Resolves once output may be read again: a socket is attached and not backed up. */
  private async mayRead(): Promise<void> {
    for (;;) {
      if (this.ended || this.closeReason !== null || !this.proc.alive) return;
      const c = this.client;
      if (c && c.buffered() < SOCKET_HIGH_WATER) return;
      await new Promise<void>((resolve) => {
        this.attachWaiter = resolve;
        // a socket that never reports draining is looked at again shortly
        if (c) setTimeout(resolve, 25);
      });
    }
  }

  private async pump(): Promise<void> {
    let windowStart = performance.now();
    let windowBytes = 0;
    const perSlice = (OUTPUT_BYTES_PER_SECOND * OUTPUT_SLICE_MS) / 1000;
    let last: TerminalEvent;
    for (;;) {
      await this.mayRead();
      last = await this.proc.next();
      if (last.type === "exit") break;
      this.dirty = true;
      this.remember(last.data);
      if (this.client && !this.client.sendBytes(last.data)) {
        // the socket dropped output: it reconnects and redraws from the scrollback
        this.client.close(1013, "too far behind");
      }
      windowBytes += last.data.length;
      if (windowBytes >= perSlice) {
        const wait = windowStart + OUTPUT_SLICE_MS - performance.now();
        if (wait > 0) await Bun.sleep(wait);
        windowStart = performance.now();
        windowBytes = 0;
      } else {
        // reads that find data waiting resolve without returning to the event loop: let other sockets in
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    this.ended = true;
    const reason = this.closeReason ?? last.reason;
    await this.sync().catch(() => {});
    this.client?.sendJson({ t: "exit", code: this.closeReason ? null : last.code, reason });
    this.client?.close(4410, "terminal ended");
    this.client = null;
    this.workspaceGone = true;
    this.unwork();
    await this.releaseWorkspace().catch(() => {});
    this.onEnd(this);
  }

  /** Copies what the shell changed back to the document's files, then brings in what changed there. */
  sync(force = false): Promise<void> {
    const ws = this.workspace;
    // once the directory is gone nothing may be copied back (an empty walk would read as "all deleted")
    if (!ws || this.workspaceGone) return Promise.resolve();
    if (this.syncing) return this.syncing;
    if (!force && !this.dirty && !this.filesChanged) return Promise.resolve();
    this.dirty = false;
    this.syncing = (async () => {
      // the shell's processes (and the document's kernel) are stopped while the host reads and writes the directory
      try {
        const r = await ws.syncBack(this.userId);
        this.filesChanged = false;
        await ws.syncIn();
        if (r.skipped.length)
          this.log.info("terminal files not copied back", { doc: this.docId, skipped: r.skipped.slice(0, 5) });
      } catch (err) {
        this.log.error("terminal workspace sync failed", { doc: this.docId, err: String(err) });
      } finally {
        this.syncing = null;
        // a change that arrived while this sync ran is brought in right after it
        if (this.filesChanged && !this.workspaceGone) setTimeout(() => void this.sync(), 0);
      }
    })();
    return this.syncing;
  }
}

export class TerminalSessions {
  private readonly terminals = new Map<string, Terminal>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly syncTimer: ReturnType<typeof setInterval>;
  private readonly graceMs: number;
  private stopped = false;

  constructor(
    private readonly d: {
      sandbox: () => Promise<Sandbox>;
      executions: Executions;
      documents: DocumentsService;
      sessions: SessionManager;
      files: WorkspaceFiles | null;
      log: Logger;
      audit?: AuditLog;
    },
    readonly opts: TerminalOptions,
  ) {
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.timer = setInterval(() => this.housekeep(), ACCESS_CHECK_MS);
    this.timer.unref?.();
    this.syncTimer = setInterval(() => {
      for (const t of this.terminals.values()) void t.sync();
    }, opts.syncMs ?? 2000);
    this.syncTimer.unref?.();
    d.sessions.onRevoked((userId) => this.checkAccess(userId));
    // a change to the document's files (an upload, a block's output) reaches its terminals at once
    d.files?.onChange((docId) => {
      for (const t of this.terminals.values())
        if (t.docId === docId) {
          t.filesChanged = true;
          setTimeout(() => void t.sync(), 0);
        }
    });
  }

  get count(): number {
    return this.terminals.size;
  }

  /** Open terminals per user (for the admin page). */
  byUser(): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.terminals.values()) if (!t.ended) out.set(t.userId, (out.get(t.userId) ?? 0) + 1);
    return out;
  }

  /** Why terminals cannot run on this server (no jail, execution off), else null. */
  async unavailable(): Promise<string | null> {
    try {
      const sb = await this.d.sandbox();
      return sb.backend === "unavailable" ? sb.refusal : null;
    } catch (e) {
      return `the sandbox could not be set up: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** The user's live terminals on a document. */
  countFor(userId: string, docId: string): number {
    let n = 0;
    for (const t of this.terminals.values()) if (!t.ended && t.userId === userId && t.docId === docId) n++;
    return n;
  }

  /** The user's role on the document, checked afresh; throws when they may not have a terminal there. */
  authorize(auth: Authenticated, docId: string): Authenticated {
    const fresh = this.d.sessions.revalidate(auth);
    if (!fresh) throw new AppError("unauthenticated", "Your session ended; sign in again");
    const { role } = this.d.documents.access(fresh.user, docId);
    if (!canEdit(role)) throw readersCannot(role, "cannot open a terminal");
    return fresh;
  }

  /** A terminal of this user's on this document, else not_found (another user's terminal is never found). */
  find(auth: Authenticated, docId: string, termId: string): Terminal {
    const t = this.terminals.get(termId);
    if (!t || t.ended || t.docId !== docId || t.userId !== auth.user.id)
      throw new AppError("not_found", "No such terminal (it may have ended)");
    return t;
  }

  /** Starts a shell for the user in the document's workspace, within their limits. */
  async open(auth: Authenticated, docId: string, size: { rows: number; cols: number }): Promise<Terminal> {
    if (this.stopped) throw new AppError("unavailable", "The server is stopping");
    const mine = [...this.terminals.values()].filter((t) => t.userId === auth.user.id && !t.ended).length;
    if (mine >= this.opts.perUser)
      throw new AppError("rate_limited", `At most ${this.opts.perUser} terminals per user at once; close one first`, {
        retryAfterSeconds: 5,
      });
    const sandbox = await this.d.sandbox();
    // opening a terminal counts as one execution of the user's (daily and at-once limits)
    return this.d.executions.withLimits(auth.user.id, async () => {
      // the document's own working directory, shared with its kernel and its other terminals
      const files = this.d.files;
      const workspace = files?.shared.acquire(docId) ?? null;
      const release = () => (workspace ? files!.shared.release(workspace) : Promise.resolve());
      try {
        await workspace?.syncIn();
      } catch (e) {
        await release();
        throw e;
      }
      const proc = sandbox.startTerminal({
        ...size,
        workspace: workspace ? { dir: workspace.dir, maxBytes: workspace.maxBytes } : undefined,
      });
      if (typeof proc === "string") {
        await release();
        throw new AppError("unavailable", `Terminals cannot run on this server: ${proc}`);
      }
      const t = new Terminal(
        newTerminalId(),
        docId,
        auth,
        proc,
        workspace,
        this.d.log,
        (x) => {
          this.terminals.delete(x.id);
          this.d.log.info("terminal closed", { doc: x.docId, user: x.userId, term: x.id });
        },
        release,
      );
      this.terminals.set(t.id, t);
      this.d.log.info("terminal opened", { doc: docId, user: auth.user.id, term: t.id });
      this.d.audit?.record({ user: auth.user }, { action: "terminal.open", target: docId, detail: { terminal: t.id } });
      return t;
    });
  }

  /** Closes the terminals whose user lost access (disabled, signed out, removed from the document, made a viewer). */
  checkAccess(userId?: string): void {
    for (const t of this.terminals.values()) {
      if (t.ended || (userId !== undefined && t.userId !== userId)) continue;
      try {
        t.auth = this.authorize(t.auth, t.docId);
      } catch (e) {
        const msg = e instanceof AppError ? e.message : "access check failed";
        t.client?.sendJson({ t: "error", code: e instanceof AppError ? e.code : "internal", message: msg });
        t.close(`closed: ${msg}`, false);
      }
    }
  }

  private housekeep(): void {
    if (this.terminals.size === 0) return;
    const now = Date.now();
    try {
      this.checkAccess();
    } catch {
      // the database is closing with the server; the terminals close with it
      return;
    }
    for (const t of this.terminals.values()) {
      if (t.ended) continue;
      if (t.detachedAt !== null && now - t.detachedAt >= this.graceMs)
        t.close("closed: its browser tab did not come back");
      else if (this.opts.idleCloseMinutes > 0 && now - t.lastInputAt >= this.opts.idleCloseMinutes * 60_000)
        t.close(`closed after ${this.opts.idleCloseMinutes} min without input`);
    }
  }

  async closeAll(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.syncTimer);
    const all = [...this.terminals.values()];
    for (const t of all) t.close("closed: the server is stopping");
    await Promise.all(all.map((t) => t.done));
  }
}
