// Heavy renders run in a small pool of worker threads, so one large document or output never holds
// the server's event loop: HTTP and WebSocket traffic keep flowing while it renders. Each job has
// a deadline; a worker that passes it is stopped (and replaced) and the job fails with a clear error.
// Small jobs render in place: a thread hop costs more than they do.
import { availableParallelism } from "node:os";
import { AppError } from "../errors.ts";
import { jobWeight, runJob, type RenderJob } from "./render-jobs.ts";

/** Jobs that parse fewer characters than this render on the calling thread. */
export const INLINE_WEIGHT = 32_768;
/** How long one render may take before it is stopped. */
export const RENDER_DEADLINE_MS = 30_000;

type Pending = { id: number; job: RenderJob; resolve: (html: string) => void; reject: (e: Error) => void };
type Slot = { worker: Worker; busy: Pending | null; timer: ReturnType<typeof setTimeout> | null };

export class RenderTimeoutError extends AppError {
  constructor(seconds: number) {
    super(
      "too_large",
      `Rendering took longer than ${seconds} s and was stopped: the document or its output is too large or too complex to render. Split it into smaller blocks or print less.`,
    );
  }
}

export class RenderPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private broken: string | null = null;

  constructor(
    readonly size: number,
    private readonly deadlineMs = RENDER_DEADLINE_MS,
  ) {}

  /** Runs a job on a worker (queued while all are busy). */
  run(job: RenderJob): Promise<string> {
    if (this.broken !== null) return runJob(job);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.pump();
    });
  }

  /** Workers running or waiting, and jobs queued: for tests and metrics. */
  stats(): { workers: number; busy: number; queued: number } {
    return { workers: this.slots.length, busy: this.slots.filter((s) => s.busy).length, queued: this.queue.length };
  }

  close(): void {
    for (const s of this.slots.splice(0)) s.worker.terminate();
  }

  private spawn(): Slot | null {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl());
    } catch (e) {
      // without worker threads everything renders in place, as before
      this.broken = e instanceof Error ? e.message : String(e);
      return null;
    }
    (worker as unknown as { unref(): void }).unref();
    const slot: Slot = { worker, busy: null, timer: null };
    worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; html?: string; message?: string }>) => {
      const p = slot.busy;
      if (!p || p.id !== e.data.id) return;
      this.finish(slot);
      if (e.data.ok) p.resolve(e.data.html!);
      else p.reject(new Error(e.data.message));
    };
    worker.onerror = (e) => {
      const p = slot.busy;
      this.retire(slot);
      p?.reject(new Error(`render worker failed: ${e.message}`));
    };
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
    queueMicrotask(() => this.pump());
  }

  private retire(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.busy === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn() ?? undefined;
      if (!slot) {
        if (this.broken !== null) for (const p of this.queue.splice(0)) runJob(p.job).then(p.resolve, p.reject);
        return;
      }
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.timer = setTimeout(() => {
        this.retire(slot!);
        p.reject(new RenderTimeoutError(Math.round(this.deadlineMs / 1000)));
      }, this.deadlineMs);
      slot.worker.postMessage({ id: p.id, job: p.job });
    }
  }
}

/**
 * The worker's entry: next to this file when run from source; in the compiled executable, where
 * everything is bundled into the main entry (server/main.ts), at its path relative to that.
 */
function workerUrl(): string {
  const compiled = import.meta.url.includes("/$bunfs/");
  return new URL(compiled ? "./render/render-worker.ts" : "./render-worker.ts", import.meta.url).href;
}

let shared: RenderPool | null = null;

/** One fewer worker than the cores, at least one and at most four. */
export function defaultRenderWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

let configured: number | null = null;

/** Sets the number of render workers (the server's --render-workers); 0 renders in place. */
export function configureRenderWorkers(n: number): void {
  configured = n;
  if (shared && shared.size !== n) {
    shared.close();
    shared = null;
  }
}

/**
 * Renders a job: in place when it is small or workers are off, else on the shared pool.
 * `inlineBelow` lowers the weight that counts as small (a caller doing many renders in a row).
 */
export function render(job: RenderJob, inlineBelow = INLINE_WEIGHT): Promise<string> {
  const size = configured ?? defaultRenderWorkers();
  if (size === 0 || jobWeight(job) < inlineBelow) return runJob(job);
  shared ??= new RenderPool(size);
  return shared.run(job);
}
