// Work that can wait until the page is idle (the outline, a draft copy, the preview request): one
// task per kind, run once however many edits asked for it meanwhile, never on a keystroke's path.

export interface IdleTask {
  /** Asks for the task: it runs once, after `delayMs` without a new request and when the page is idle. */
  schedule(): void;
  /** Runs it now if it was asked for (leaving the page, saving). */
  flush(): void;
  cancel(): void;
}

const idle: (f: () => void, timeoutMs: number) => () => void =
  typeof requestIdleCallback === "function"
    ? (f, timeoutMs) => {
        const h = requestIdleCallback(f, { timeout: timeoutMs });
        return () => cancelIdleCallback(h);
      }
    : (f) => {
        const h = setTimeout(f, 0);
        return () => clearTimeout(h);
      };

/** `run` after `delayMs` of quiet, in idle time, at the latest `maxWaitMs` after the quiet began. */
export function idleTask(run: () => void, delayMs: number, maxWaitMs = 500): IdleTask {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelIdle: (() => void) | null = null;
  let wanted = false;
  const fire = () => {
    cancelIdle = null;
    if (!wanted) return;
    wanted = false;
    run();
  };
  return {
    schedule() {
      wanted = true;
      clearTimeout(timer);
      cancelIdle?.();
      cancelIdle = null;
      timer = setTimeout(() => (cancelIdle = idle(fire, maxWaitMs)), delayMs);
    },
    flush() {
      clearTimeout(timer);
      cancelIdle?.();
      fire();
    },
    cancel() {
      wanted = false;
      clearTimeout(timer);
      cancelIdle?.();
      cancelIdle = null;
    },
  };
}

/** Calls `f` once after the next frame has been painted: what a keystroke shows comes first. */
export function afterPaint(f: () => void): void {
  requestAnimationFrame(() => setTimeout(f, 0));
}

interface TaskScheduler {
  postTask(f: () => void, opts: { priority: "background"; signal: AbortSignal }): Promise<void>;
}

/**
 * Calls `f` once as a background task: after input, frames and ordinary tasks waiting at that
 * moment (where the browser has a task scheduler; a zero timeout elsewhere). Returns a cancel.
 */
export function inBackground(f: () => void): () => void {
  const scheduler = (globalThis as { scheduler?: TaskScheduler }).scheduler;
  if (typeof scheduler?.postTask === "function") {
    const abort = new AbortController();
    scheduler.postTask(f, { priority: "background", signal: abort.signal }).catch(() => undefined);
    return () => abort.abort();
  }
  const h = setTimeout(f, 0);
  return () => clearTimeout(h);
}
