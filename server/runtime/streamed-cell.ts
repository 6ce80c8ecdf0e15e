// A running block's cell as the people watching it see it. Its output is held as text and rendered
// only for them: one render of the cell at a time (updates that arrive meanwhile fold into one
// pending render of the latest state), at most once per interval that grows with how long a render
// takes, and only what is new is rendered again while it streams (finished outputs and the settled
// pieces of a long printed text keep their HTML). The block's final state is rendered whole.
import type { BlockResult } from "../../protocol/run-frames.ts";
import { MARKDOWN_CHUNK_CHARS, splitMarkdown } from "../render/markdown-hast.ts";

/**
 * Streaming renders of outputs that parse more than this many characters run on the render
 * workers: a cell renders often, and its pieces one after another, so even small ones would add up
 * on the event loop.
 */
export const STREAM_INLINE_BELOW = 2048;

/** Updates of one streaming cell are rendered at most this often. */
export const CELL_MIN_INTERVAL_MS = 100;
/**
 * After a render that took d ms the next one of the same cell waits at least RENDER_SPACING × d,
 * so a cell whose output is slow to render spends at most a third of a render thread on it.
 */
export const RENDER_SPACING = 2;

export interface CellView {
  result: BlockResult;
  status: "queued" | "running" | "not-run" | BlockResult["status"];
  startedAt: number | null;
  count: number | null;
}

export interface StreamedCellDeps {
  /** The cell as it is now (read when a render starts, so a render always shows the latest state). */
  view(): CellView;
  /** Renders outputs to sanitized HTML. */
  render(result: BlockResult): Promise<string>;
  /** Whether anyone watches: nobody watching, nothing is rendered. */
  watched(): boolean;
  send(view: CellView, html: string): void;
  minIntervalMs?: number;
}

/** Finished outputs are rendered, and keep their HTML, this many at a time. */
const OUTPUT_GROUP = 64;

const STDOUT_OPEN = '<div class="pymd-stdout">';
const STDOUT_CLOSE = "</div>";

/** While a block streams, a long printed text is also cut between lines about this often. */
const STREAM_CUT_CHARS = 16_384;
const FENCE_LINE = /^ {0,3}(?:`{3,}|~{3,})/;
/** A line that may belong to the line before it (a list, a quote, indented content, a table). */
const JOINS_ABOVE = /^(?:[ \t]|[-*+>|](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|[-:| ]+$)/;

/**
 * The pieces a streaming printed text is rendered in: where Markdown allows (splitMarkdown), and
 * within a long piece between two lines (outside fences, before a line that starts flush left and
 * cannot continue a list, quote or table): printed lines are paragraphs of their own, so the
 * pieces render as the whole does except where a cut falls inside a printed group (a list, a
 * column layout), which the final render shows whole. A cut depends only on the text before it
 * and the line after it, so the pieces before the last stay the same as the text grows.
 */
export function streamPieces(text: string): string[] {
  const out: string[] = [];
  for (const piece of splitMarkdown(text)) {
    if (piece.length <= 2 * STREAM_CUT_CHARS) {
      out.push(piece);
      continue;
    }
    let start = 0;
    let fenced = false;
    for (let i = 0; ; ) {
      const nl = piece.indexOf("\n", i);
      if (nl < 0) break;
      if (FENCE_LINE.test(piece.slice(i, Math.min(nl, i + 16)))) fenced = !fenced;
      const next = nl + 1;
      if (!fenced && next - start >= STREAM_CUT_CHARS && next < piece.length) {
        const end = piece.indexOf("\n", next);
        const following = piece.slice(next, end < 0 ? piece.length : Math.min(end, next + 16));
        const before = piece.slice(Math.max(i, nl - 16), nl);
        if (
          following.trim() !== "" &&
          before.trim() !== "" &&
          !JOINS_ABOVE.test(following) &&
          !FENCE_LINE.test(following)
        ) {
          out.push(piece.slice(start, nl));
          start = next;
        }
      }
      i = next;
    }
    out.push(piece.slice(start));
  }
  return out;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** What the final render of a cell depends on: equal signatures, equal HTML. */
function signature(v: CellView): string {
  const last = v.result.outputs.at(-1);
  const lastSize = !last
    ? 0
    : last.kind === "stdout" || last.kind === "stderr"
      ? last.text.length
      : last.kind === "display"
        ? last.data.length
        : 1;
  return `${v.status}|${v.count}|${v.result.durationMs}|${v.startedAt}|${v.result.outputs.length}|${lastSize}`;
}

/** A copy whose outputs no longer change as the block keeps printing. */
function snapshot(v: CellView): CellView {
  return { ...v, result: { ...v.result, outputs: v.result.outputs.map((o) => ({ ...o })) } };
}

export class StreamedCell {
  private rendering = false;
  private want: "none" | "partial" | "full" = "none";
  private urgent = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextAt = 0;
  private lastFull: string | null = null;
  private settledWaiters: (() => void)[] = [];
  /** HTML of outputs that no longer change, by position (and, for pieces, their text). */
  private readonly segments = new Map<string, { text: string; html: string }>();
  /** Renders started, and the most ever in flight at once (for tests and benchmarks). */
  renders = 0;
  maxInFlight = 0;
  private inFlight = 0;

  constructor(private readonly deps: StreamedCellDeps) {}

  /** New output or a new status: rendered when the interval allows (`urgent`: as soon as no render is in flight). */
  update(urgent = false): void {
    if (this.want === "none") this.want = "partial";
    if (urgent) this.urgent = true;
    this.schedule();
  }

  /** The cell's state is final: one whole render of it after any in flight; resolves once it was sent (or was not needed). */
  finish(): Promise<void> {
    this.want = "full";
    this.urgent = true;
    const done = new Promise<void>((resolve) => this.settledWaiters.push(resolve));
    this.schedule();
    return done;
  }

  /** Stops any waiting render (the run is gone). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.want = "none";
    this.settle();
  }

  private settle(): void {
    if (this.rendering || this.want !== "none") return;
    for (const w of this.settledWaiters.splice(0)) w();
  }

  private schedule(): void {
    if (this.rendering) return;
    if (this.want === "none") {
      this.settle();
      return;
    }
    const wait = this.urgent ? 0 : this.nextAt - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.renderNow();
  }

  private async renderNow(): Promise<void> {
    const full = this.want === "full";
    this.want = "none";
    this.urgent = false;
    this.rendering = true;
    const started = performance.now();
    try {
      const view = snapshot(this.deps.view());
      const sig = signature(view);
      if (this.deps.watched() && !(full && sig === this.lastFull)) {
        this.renders++;
        this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
        let html: string;
        try {
          html =
            full || view.result.outputs.length === 0
              ? await this.deps.render(view.result)
              : await this.partial(view.result);
        } catch (e) {
          html = `<p class="pymd-host-error">${escapeHtml(e instanceof Error ? e.message : String(e))}</p>`;
        } finally {
          this.inFlight--;
        }
        this.lastFull = full ? sig : null;
        this.deps.send(view, html);
      }
    } finally {
      const took = performance.now() - started;
      this.nextAt = Date.now() + Math.max(this.deps.minIntervalMs ?? CELL_MIN_INTERVAL_MS, took * RENDER_SPACING);
      this.rendering = false;
      this.schedule();
    }
  }

  /**
   * The outputs so far, rendering only what changed since the last render: every output but the
   * last is final (the block only appends to its last one), so full groups of them keep their HTML;
   * and a long last printed text is cut
   * into pieces (streamPieces) so that only its last piece, still growing, is rendered again.
   */
  private async partial(result: BlockResult): Promise<string> {
    const outs = result.outputs;
    const used = new Set<string>();
    const cached = async (key: string, text: string, make: () => Promise<string>): Promise<string> => {
      used.add(key);
      const hit = this.segments.get(key);
      if (hit && hit.text === text) return hit.html;
      const html = await make();
      this.segments.set(key, { text, html });
      return html;
    };
    const some = (outputs: BlockResult["outputs"]) => this.deps.render({ ...result, outputs });
    const parts: string[] = [];
    // the finished outputs, in groups rendered as one job each (a block alternating stdout and
    // stderr makes thousands of outputs): a full group keeps its HTML, the trailing one is redone
    const last = outs.length - 1;
    for (let g = 0; g * OUTPUT_GROUP < last; g++) {
      const from = g * OUTPUT_GROUP;
      const to = Math.min(from + OUTPUT_GROUP, last);
      const group = outs.slice(from, to);
      parts.push(to - from === OUTPUT_GROUP ? await cached(`g${g}`, "", () => some(group)) : await some(group));
    }
    const o = outs[last]!;
    if (o.kind !== "stdout" || o.text.length <= MARKDOWN_CHUNK_CHARS) {
      parts.push(await some([o]));
    } else {
      const pieces = streamPieces(o.text);
      const inner: string[] = [];
      for (let k = 0; k < pieces.length; k++) {
        const piece = pieces[k]!;
        const render = () => some([{ kind: "stdout", text: piece }]);
        const html = k < pieces.length - 1 ? await cached(`o${last}p${k}`, piece, render) : await render();
        inner.push(
          html.startsWith(STDOUT_OPEN) && html.endsWith(STDOUT_CLOSE)
            ? html.slice(STDOUT_OPEN.length, -STDOUT_CLOSE.length)
            : html,
        );
      }
      parts.push(`${STDOUT_OPEN}${inner.filter((h) => h !== "").join("\n")}${STDOUT_CLOSE}`);
    }
    for (const key of this.segments.keys()) if (!used.has(key)) this.segments.delete(key);
    return parts.join("");
  }
}
