// Python in the reader's browser, as the page sees it: run blocks, interrupt, restart, and each
// block's outputs as sanitized HTML. Python runs in a worker inside a sandboxed frame (no cookies,
// no access to the site's API or storage); its outputs are checked here and rendered by the
// server's own renderer in a worker of its own. Nothing is sent to the server or stored.
import { parsePymd } from "../protocol/pymd-parser.ts";
import { executableBlocks } from "../protocol/pymd-run-blocks.ts";
import type { BlockOutput, BlockResult, RunBlock, RunnerFrame } from "../protocol/run-frames.ts";
import { type BrowserPythonInfo, checkFromPython, outputBytes, type ToPython } from "./python-frames.ts";

export type BrowserKernelState = "idle" | "loading" | "running" | "failed";

export interface BrowserKernelEvents {
  /** The kernel's state, with a line to show (what it is loading, which Python, why it failed). */
  state(s: BrowserKernelState, detail: string): void;
  /** A block's outputs so far, rendered and sanitized; `status` is "running" until it ends, then how long it took. */
  block(index: number, html: string, status: BlockResult["status"] | "running", durationMs: number | null): void;
  /** A run ended (all its blocks, or stopped). */
  done(runId: string): void;
}

/** Bytes of output one block may show in the browser, as on the server by default. */
export const BROWSER_OUTPUT_BYTES = 1024 * 1024;

/** The executed blocks of a PyMD source, as the server's runs take them. */
export function runBlocksOf(source: string): RunBlock[] {
  return executableBlocks(parsePymd(source));
}

export async function browserPythonInfo(): Promise<BrowserPythonInfo | null> {
  try {
    const r = await fetch("/api/v1/browser-python");
    return r.ok ? ((await r.json()) as BrowserPythonInfo) : null;
  } catch {
    return null;
  }
}

export class BrowserKernel {
  private frame: HTMLIFrameElement;
  private renderer: Worker;
  private ready = false;
  private queue: { runId: string; blocks: RunBlock[] }[] = [];
  private current: { runId: string; blocks: RunBlock[]; events: Map<number, RunnerFrame[]> } | null = null;
  private renders = new Map<number, (html: string) => void>();
  private rendering = new Set<number>();
  private dirty = new Set<number>();
  private nextRender = 0;
  private runs = 0;
  private python = "";
  private readonly onMessage = (e: MessageEvent) => this.fromFrame(e);

  constructor(
    info: BrowserPythonInfo,
    private events: BrowserKernelEvents,
  ) {
    this.renderer = new Worker("/browser-outputs-worker.js", { type: "module" });
    this.renderer.onmessage = (e: MessageEvent<{ id: number; html: string }>) => {
      this.renders.get(e.data.id)?.(e.data.html);
      this.renders.delete(e.data.id);
    };
    this.frame = document.createElement("iframe");
    // scripts only: an opaque origin, so nothing in it reaches this site's cookies, storage or API
    this.frame.setAttribute("sandbox", "allow-scripts");
    this.frame.setAttribute("aria-hidden", "true");
    this.frame.tabIndex = -1;
    this.frame.style.display = "none";
    this.frame.src = "/python-sandbox.html";
    this.frame.addEventListener("load", () =>
      this.toFrame({ t: "init", origin: "", packages: info.packages, modules: info.modules }),
    );
    addEventListener("message", this.onMessage);
    document.body.append(this.frame);
    events.state("loading", "Loading Python…");
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Runs these blocks after any run before them, in the kernel's one namespace. */
  run(blocks: RunBlock[]): string {
    const runId = `b${++this.runs}`;
    this.queue.push({ runId, blocks });
    this.next();
    return runId;
  }

  /** Stops the running block; Python starts again, so its variables are gone. */
  interrupt(): void {
    if (!this.current && this.queue.length === 0) return;
    this.stopAll("Interrupted. Python in your browser was restarted, so its variables are gone.");
    this.toFrame({ t: "interrupt" });
  }

  /** A fresh Python with no variables. */
  restart(): void {
    this.stopAll("Stopped: Python in your browser was restarted.");
    this.toFrame({ t: "restart" });
  }

  dispose(): void {
    removeEventListener("message", this.onMessage);
    this.frame.remove();
    this.renderer.terminate();
  }

  private toFrame(m: ToPython): void {
    this.frame.contentWindow?.postMessage(m, "*");
  }

  private next(): void {
    if (!this.ready || this.current) return;
    const run = this.queue.shift();
    if (!run) return;
    this.current = { ...run, events: new Map() };
    this.events.state("running", this.python);
    this.toFrame({ t: "run", runId: run.runId, blocks: run.blocks, maxOutputBytes: BROWSER_OUTPUT_BYTES });
  }

  private stopAll(why: string): void {
    const cur = this.current;
    this.ready = false;
    this.current = null;
    const stopped = [cur, ...this.queue].filter((r) => r !== null);
    this.queue = [];
    let first = true;
    for (const run of stopped) {
      for (const b of run.blocks) {
        const evs = run === cur ? (cur.events.get(b.id) ?? []) : [];
        const started = evs.some((f) => f.type === "block-start");
        const ended = evs.some((f) => f.type === "block-done");
        if (ended) continue;
        if (started && first) {
          first = false;
          const result = this.resultOf(b.id, evs);
          result.outputs.push({ kind: "host-error", reason: "killed", message: why });
          result.status = "interrupted";
          this.show(b.id, result);
        } else this.events.block(b.id, "", "not-run", null);
      }
      this.events.done(run.runId);
    }
    this.events.state("loading", "Restarting Python…");
  }

  private fromFrame(e: MessageEvent): void {
    if (e.source !== this.frame.contentWindow) return;
    const m = checkFromPython(e.data, this.current?.runId ?? "");
    if (!m) return;
    if (m.t === "fatal") {
      this.events.state("failed", m.message);
      return;
    }
    if (m.t === "status") {
      if (m.state === "ready") {
        this.ready = true;
        this.python = m.python ?? "Python";
        this.events.state("idle", this.python);
        this.next();
      } else if (m.state === "loading") this.events.state("loading", m.detail ?? "Loading Python…");
      return;
    }
    const f = m.frame;
    const cur = this.current;
    if (!cur || f.type === "ready") return;
    if (f.type === "done") {
      this.current = null;
      this.events.done(f.runId);
      this.events.state("idle", this.python);
      this.next();
      return;
    }
    // only the blocks this run asked for
    if (!cur.blocks.some((b) => b.id === f.block)) return;
    const evs = cur.events.get(f.block) ?? [];
    // the page's own cap: a worker that ignores the block's limit is not rendered past it
    if ((f.type === "stdout" || f.type === "stderr" || f.type === "display") && this.over(evs)) return;
    evs.push(f);
    cur.events.set(f.block, evs);
    this.show(f.block, this.resultOf(f.block, evs));
  }

  private over(evs: RunnerFrame[]): boolean {
    const r = this.resultOf(-1, evs);
    return outputBytes(r.outputs) > BROWSER_OUTPUT_BYTES * 2 || r.outputs.some((o) => o.kind === "truncated");
  }

  private resultOf(block: number, evs: RunnerFrame[]): BlockResult {
    const outputs: BlockOutput[] = [];
    let status: BlockResult["status"] = "not-run";
    let durationMs: number | null = null;
    for (const f of evs) {
      if (f.type === "stdout" || f.type === "stderr") {
        const last = outputs[outputs.length - 1];
        if (last && last.kind === f.type) last.text += f.text;
        else outputs.push({ kind: f.type, text: f.text });
      } else if (f.type === "display") outputs.push({ kind: "display", mime: f.mime, data: f.data });
      else if (f.type === "error")
        outputs.push({ kind: "error", name: f.name, value: f.value, traceback: f.traceback, line: f.line });
      else if (f.type === "truncated") outputs.push({ kind: "truncated", limitBytes: f.limitBytes });
      else if (f.type === "block-done") {
        status = f.status;
        durationMs = f.durationMs;
      }
    }
    return { block, status, durationMs, outputs };
  }

  /** Renders a block's result; one render per block at a time, the latest state rendered last. */
  private show(block: number, result: BlockResult): void {
    if (this.rendering.has(block)) {
      this.dirty.add(block);
      this.latest.set(block, result);
      return;
    }
    this.rendering.add(block);
    const id = ++this.nextRender;
    this.renders.set(id, (html) => {
      this.rendering.delete(block);
      this.events.block(block, html, result.status === "not-run" ? "running" : result.status, result.durationMs);
      if (this.dirty.delete(block)) {
        const again = this.latest.get(block);
        this.latest.delete(block);
        if (again) this.show(block, again);
      }
    });
    this.renderer.postMessage({ id, result });
  }

  private latest = new Map<number, BlockResult>();
}
