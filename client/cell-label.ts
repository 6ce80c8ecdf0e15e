// The words for a cell's run state, its stale mark and the kernel's state, shared by the preview
// pane and the outputs under the code in the Editor view.
import type { KernelStateJson, StaleReason } from "../protocol/ws-messages.ts";

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** "done in 12 ms", "running 1.20 s", "queued", "not run yet", … */
export function cellLabel(status: string, durationMs: number | null, startedAt: number | null = null, now = Date.now()): string {
  if (status === "running") return startedAt ? `running ${formatMs(now - startedAt)}` : "running";
  if (status === "queued") return "queued";
  if (status === "not-run") return "not run yet";
  const what = status === "ok" ? "done" : status === "error" ? "error" : status === "exit" ? "exited" : "interrupted";
  return durationMs !== null ? `${what} in ${formatMs(durationMs)}` : what;
}

export const STALE_TEXT: Record<StaleReason, string> = {
  edited: "stale: the code changed since it ran",
  upstream: "stale: an earlier block changed or ran again since",
  kernel: "stale: from an earlier kernel (its variables are gone)",
};

/** The kernel's state in a few words, for the editor's bar. */
export function kernelLabel(k: KernelStateJson | null): string {
  if (!k) return "Kernel …";
  switch (k.status) {
    case "idle":
      return "Kernel idle";
    case "busy":
      return k.block ? `Busy on block ${k.block.number}` : "Busy";
    case "starting":
      return "Kernel starting…";
    case "stopped":
      return k.reason === "not-started" ? "No kernel yet" : `Kernel stopped (${{ limit: "limit", crash: "crash", interrupt: "interrupt", "idle-close": "idle" }[k.reason ?? "crash"]})`;
  }
}
