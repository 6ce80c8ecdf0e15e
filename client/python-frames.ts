// The messages of Python in the reader's browser: between the page, the sandbox frame that holds
// the Python worker (client/python-sandbox.ts) and the worker itself (client/python-worker.ts).
// The worker runs code the notebook's author wrote, so everything it sends is checked here before
// the page uses it; outputs then go through the server's own sanitizer (the render worker).
import type { BlockOutput, BlockStatus, DisplayMime, RunBlock, RunnerFrame } from "../protocol/run-frames.ts";

/** What the browser runtime offers, as GET /api/v1/browser-python answers it. */
export interface BrowserPythonInfo {
  available: boolean;
  /** The Pyodide version served. */
  version: string;
  /** Whether packages (numpy, pandas, matplotlib, …) can be loaded: an admin set --pyodide-dir. */
  packages: boolean;
  /** The Python modules the worker loads before the first block, by name (served under /assets/pyodide/pymd/). */
  modules: string[];
}

/** Page → frame → worker. */
export type ToPython =
  | { t: "init"; origin: string; packages: boolean; modules: string[] }
  | { t: "run"; runId: string; blocks: RunBlock[]; maxOutputBytes: number }
  /** Handled by the frame: stop the running block (the worker is ended and started again, its variables lost). */
  | { t: "interrupt" }
  /** Handled by the frame: a fresh worker, no variables. */
  | { t: "restart" };

/** Worker → frame → page. */
export type FromPython =
  | { t: "status"; state: "loading" | "ready" | "restarted"; python?: string; detail?: string }
  | { t: "frame"; frame: RunnerFrame }
  | { t: "fatal"; message: string };

const MIMES: readonly DisplayMime[] = ["image/png", "text/html", "text/markdown"];
const STATUSES: readonly BlockStatus[] = ["ok", "error", "exit", "interrupted"];
/** Largest text one frame may carry (a bigger one is a worker misbehaving and is refused). */
const MAX_FRAME_TEXT = 16 * 1024 * 1024;

const isStr = (v: unknown, max = MAX_FRAME_TEXT): v is string => typeof v === "string" && v.length <= max;
const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** A runner frame from the worker, checked field by field; null when it is not one. */
export function checkRunnerFrame(raw: unknown, runId: string): RunnerFrame | null {
  if (typeof raw !== "object" || raw === null) return null;
  const f = raw as Record<string, unknown>;
  if (f.type === "ready") return isStr(f.python, 200) ? { v: 1, type: "ready", python: f.python } : null;
  if (f.runId !== runId) return null;
  switch (f.type) {
    case "block-start":
      return isInt(f.block) ? { type: "block-start", runId, block: f.block } : null;
    case "stdout":
    case "stderr":
      return isInt(f.block) && isStr(f.text) ? { type: f.type, runId, block: f.block, text: f.text } : null;
    case "display":
      return isInt(f.block) && MIMES.includes(f.mime as DisplayMime) && isStr(f.data)
        ? { type: "display", runId, block: f.block, mime: f.mime as DisplayMime, data: f.data }
        : null;
    case "error":
      return isInt(f.block) && isStr(f.name, 1000) && isStr(f.value) && isStr(f.traceback)
        ? {
            type: "error",
            runId,
            block: f.block,
            name: f.name,
            value: f.value,
            traceback: f.traceback,
            line: isInt(f.line) ? f.line : null,
          }
        : null;
    case "truncated":
      return isInt(f.block) && isInt(f.limitBytes)
        ? { type: "truncated", runId, block: f.block, limitBytes: f.limitBytes }
        : null;
    case "block-done":
      return isInt(f.block) && STATUSES.includes(f.status as BlockStatus) && isNum(f.durationMs)
        ? { type: "block-done", runId, block: f.block, status: f.status as BlockStatus, durationMs: f.durationMs }
        : null;
    case "done":
      return isNum(f.durationMs) ? { type: "done", runId, durationMs: f.durationMs } : null;
    default:
      return null;
  }
}

/** A message from the sandbox frame, checked; null when it is not one. */
export function checkFromPython(raw: unknown, runId: string): FromPython | null {
  if (typeof raw !== "object" || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.t === "status" && (m.state === "loading" || m.state === "ready" || m.state === "restarted")) {
    return {
      t: "status",
      state: m.state,
      python: isStr(m.python, 200) ? m.python : undefined,
      detail: isStr(m.detail, 2000) ? m.detail : undefined,
    };
  }
  if (m.t === "fatal") return { t: "fatal", message: isStr(m.message, 4000) ? m.message : "Python stopped" };
  if (m.t === "frame") {
    const frame = checkRunnerFrame(m.frame, runId);
    return frame ? { t: "frame", frame } : null;
  }
  return null;
}

/** Bytes of output a block printed so far, for the page's own cap on what it renders. */
export function outputBytes(outputs: readonly BlockOutput[]): number {
  let n = 0;
  for (const o of outputs) {
    if (o.kind === "stdout" || o.kind === "stderr") n += o.text.length;
    else if (o.kind === "display") n += o.data.length;
    else if (o.kind === "error") n += o.traceback.length + o.value.length;
  }
  return n;
}
