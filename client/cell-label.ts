// The words for a cell's run state, its stale mark and the kernel's state, shared by the preview
// pane and the outputs under the code in the Editor view.
import type { KernelStateJson, StaleReason } from "../protocol/ws-messages.ts";
import { t } from "./i18n.ts";

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** "done in 12 ms", "running 1.20 s", "queued", "not run yet", … */
export function cellLabel(
  status: string,
  durationMs: number | null,
  startedAt: number | null = null,
  now = Date.now(),
): string {
  if (status === "running") return startedAt ? t("running {time}", { time: formatMs(now - startedAt) }) : t("running");
  if (status === "queued") return t("queued");
  if (status === "not-run") return t("not run yet");
  if (durationMs === null)
    return status === "ok"
      ? t("done")
      : status === "error"
        ? t("error")
        : status === "exit"
          ? t("exited")
          : t("interrupted");
  const time = formatMs(durationMs);
  return status === "ok"
    ? t("done in {time}", { time })
    : status === "error"
      ? t("error in {time}", { time })
      : status === "exit"
        ? t("exited in {time}", { time })
        : t("interrupted in {time}", { time });
}

/** Why a block's outputs are stale, in the current language. */
export function staleText(reason: StaleReason): string {
  switch (reason) {
    case "edited":
      return t("stale: the code changed since it ran");
    case "upstream":
      return t("stale: an earlier block changed or ran again since");
    case "kernel":
      return t("stale: from an earlier kernel (its variables are gone)");
  }
}

/** The kernel's state in a few words, for the editor's bar. */
export function kernelLabel(k: KernelStateJson | null): string {
  if (!k) return t("Kernel …");
  switch (k.status) {
    case "idle":
      return t("Kernel idle");
    case "busy":
      return k.block ? t("Busy on block {n}", { n: k.block.number }) : t("Busy");
    case "starting":
      return t("Kernel starting…");
    case "stopped":
      switch (k.reason) {
        case "not-started":
          return t("No kernel yet");
        case "limit":
          return t("Kernel stopped (limit)");
        case "interrupt":
          return t("Kernel stopped (interrupt)");
        case "idle-close":
          return t("Kernel stopped (idle)");
        default:
          return t("Kernel stopped (crash)");
      }
  }
}
