// The versioned frame format spoken between the host and the Python runner in the sandbox.
// Requests go in on stdin and frames come out on stdout, one JSON object per line.

export const RUN_FRAME_VERSION = 1;

/** One executed code block handed to the runner. */
export interface RunBlock {
  /** Stable id of the block within the request (the host uses the block's index in the document). */
  id: number;
  /** The Python source of the block, without its fences. */
  code: string;
  /** 1-based line in the document of the block's first code line, so tracebacks point at the document. */
  line: number;
}

/** A request: run these blocks, in order, in the runner's one namespace. */
export interface RunRequest {
  v: typeof RUN_FRAME_VERSION;
  type: "run";
  /** Correlates the frames of this request. */
  runId: string;
  blocks: RunBlock[];
  /** Bytes of stdout+stderr+display data allowed per block before it is truncated with a marker. */
  maxOutputBytes: number;
  /** Output bytes per second over time (after a burst of maxOutputBytes); the printing code waits past it. */
  outputBytesPerSecond?: number;
  /**
   * An exact run in a kernel: the document's executed blocks before `blocks`, and the state key
   * after each block of prefix + blocks (a hash chain of their code). The kernel resumes the state
   * after `prefix` from a checkpoint (or runs what it must of the prefix again) and keeps a
   * checkpoint before each block it runs.
   */
  prefix?: RunBlock[];
  keys?: string[];
  /** Why the host restarted the kernel for this request (shown in the note on a re-run prefix). */
  restarted?: string;
}

/** Sent once by the runner at start, before any request is read. */
export interface ReadyFrame {
  v: number;
  type: "ready";
  python: string;
}

export interface BlockStartFrame {
  type: "block-start";
  runId: string;
  block: number;
}

export interface StreamFrame {
  type: "stdout" | "stderr";
  runId: string;
  block: number;
  text: string;
}

export type DisplayMime = "image/png" | "text/html" | "text/markdown";

export interface DisplayFrame {
  type: "display";
  runId: string;
  block: number;
  mime: DisplayMime;
  /** base64 for image/png, text for the others. */
  data: string;
}

export interface ErrorFrame {
  type: "error";
  runId: string;
  block: number;
  /** Exception class name, e.g. "ZeroDivisionError". */
  name: string;
  /** str(exception). */
  value: string;
  /** Traceback text trimmed to the document's own frames, with document line numbers. */
  traceback: string;
  /** Document line (1-based) where the error was raised, when known. */
  line: number | null;
}

/** The block's output went over maxOutputBytes; further output of the block was dropped. */
export interface TruncatedFrame {
  type: "truncated";
  runId: string;
  block: number;
  limitBytes: number;
}

export type BlockStatus = "ok" | "error" | "exit" | "interrupted";

export interface BlockDoneFrame {
  type: "block-done";
  runId: string;
  block: number;
  status: BlockStatus;
  durationMs: number;
}

export interface DoneFrame {
  type: "done";
  runId: string;
  durationMs: number;
  /** Nothing ran: no saved state could be resumed for an exact run, the host must restart the kernel (why). */
  restart?: string;
}

export type RunnerFrame =
  | ReadyFrame
  | BlockStartFrame
  | StreamFrame
  | DisplayFrame
  | ErrorFrame
  | TruncatedFrame
  | BlockDoneFrame
  | DoneFrame;

/**
 * Frames the host itself adds when the runner cannot say them: the jail ended the run
 * (deadline, memory, a crash) or execution was refused.
 */
export interface HostFailureFrame {
  type: "host-error";
  runId: string;
  /** The block running when it happened, if any. */
  block: number | null;
  reason: "timeout" | "killed" | "crashed" | "refused" | "protocol";
  message: string;
}

export type RunEvent = RunnerFrame | HostFailureFrame;

/** One output of a code block, in the order it was produced: what renderers consume. */
export type BlockOutput =
  | { kind: "stdout"; text: string }
  | { kind: "stderr"; text: string }
  | { kind: "display"; mime: DisplayMime; data: string }
  | { kind: "error"; name: string; value: string; traceback: string; line: number | null }
  | { kind: "truncated"; limitBytes: number }
  | { kind: "host-error"; reason: HostFailureFrame["reason"]; message: string };

export interface BlockResult {
  block: number;
  status: BlockStatus | "not-run";
  durationMs: number | null;
  outputs: BlockOutput[];
}

/** Folds a stream of events into per-block results, merging adjacent stream chunks. */
export function collectResults(events: Iterable<RunEvent>): Map<number, BlockResult> {
  const results = new Map<number, BlockResult>();
  const get = (block: number): BlockResult => {
    let r = results.get(block);
    if (!r) {
      r = { block, status: "not-run", durationMs: null, outputs: [] };
      results.set(block, r);
    }
    return r;
  };
  for (const e of events) {
    switch (e.type) {
      case "block-start":
        get(e.block);
        break;
      case "stdout":
      case "stderr": {
        const outs = get(e.block).outputs;
        const last = outs[outs.length - 1];
        if (last && last.kind === e.type) last.text += e.text;
        else outs.push({ kind: e.type, text: e.text });
        break;
      }
      case "display":
        get(e.block).outputs.push({ kind: "display", mime: e.mime, data: e.data });
        break;
      case "error":
        get(e.block).outputs.push({
          kind: "error",
          name: e.name,
          value: e.value,
          traceback: e.traceback,
          line: e.line,
        });
        break;
      case "truncated":
        get(e.block).outputs.push({ kind: "truncated", limitBytes: e.limitBytes });
        break;
      case "block-done": {
        const r = get(e.block);
        r.status = e.status;
        r.durationMs = e.durationMs;
        break;
      }
      case "host-error":
        if (e.block !== null) {
          const r = get(e.block);
          r.outputs.push({ kind: "host-error", reason: e.reason, message: e.message });
          r.status = "error";
        }
        break;
      default:
        break;
    }
  }
  return results;
}
