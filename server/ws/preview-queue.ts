// One connection's live previews: one renders at a time, and a request that arrives while one
// renders replaces any older one waiting for the same document, so a flood costs at most one
// render in flight and one waiting per document; the client's one-at-a-time pipelining is unaffected.
// It also holds, per document, the last source the connection sent (so a request can carry only its
// edits) and the last answer sent (so an answer can carry only the blocks that changed).
import { movedBlockHtml } from "../../protocol/preview-edits.ts";
import type { PreviewBlockJson, PreviewEditJson, PreviewSpliceJson } from "../../protocol/ws-messages.ts";
import { AppError } from "../errors.ts";
import type { Metrics } from "../log/metrics.ts";

/** Fields of a block that must be equal for it to count as unchanged or moved, besides its place and HTML. */
const SAME_FIELDS = ["kind", "outputsHtml", "status", "durationMs", "count", "stale"] as const;

export class PreviewQueue {
  private rendering = false;
  private readonly waiting = new Map<string, { seq: number; source: string }>();
  /** The source of the connection's latest request for each document. */
  private readonly sources = new Map<string, { seq: number; text: string }>();
  /** The blocks of the latest answer sent for each document. */
  private readonly answers = new Map<string, { seq: number; blocks: PreviewBlockJson[] }>();

  constructor(
    private readonly metrics: Metrics,
    /** Renders one request and answers it (or answers why not); never throws. */
    private readonly renderOne: (docId: string, seq: number, source: string) => Promise<void>,
  ) {}

  request(docId: string, seq: number, source: string): void {
    if (this.waiting.has(docId)) this.metrics.previews.superseded++;
    else this.metrics.previews.waiting++;
    this.waiting.set(docId, { seq, source });
    void this.drain();
  }

  /**
   * The source a request stands for: its whole `source`, or its `edits` applied in order to the
   * source of request `base`; null when this connection's latest source for the document is not
   * that one (the client then sends the whole source). A whole source also resets the answers:
   * the next one for the document is sent whole.
   */
  sourceOf(
    docId: string,
    seq: number,
    m: { source?: string; base?: number; edits?: PreviewEditJson[] },
  ): string | null {
    if (m.source !== undefined && m.edits !== undefined)
      throw new AppError("bad_request", "a preview carries either its source or a base and edits, not both");
    let text: string;
    if (m.source !== undefined) {
      text = m.source;
      this.answers.delete(docId);
    } else {
      const last = this.sources.get(docId);
      if (!last || last.seq !== m.base) return null;
      text = last.text;
      for (const e of m.edits!) {
        if (e.from > e.to || e.to > text.length)
          throw new AppError("bad_request", "a preview edit reaches outside the source it changes");
        text = text.slice(0, e.from) + e.insert + text.slice(e.to);
      }
    }
    this.sources.set(docId, { seq, text });
    return text;
  }

  /**
   * What to send for an answer of these blocks: all of them, or (when most are as in the last
   * answer sent for the document) the changed middle and how to rebuild the rest from that answer.
   */
  answer(
    docId: string,
    seq: number,
    blocks: PreviewBlockJson[],
  ): { blocks: PreviewBlockJson[]; splice?: PreviewSpliceJson } {
    const last = this.answers.get(docId);
    this.answers.set(docId, { seq, blocks });
    if (!last || last.blocks.length === 0 || blocks.length === 0) return { blocks };
    const old = last.blocks;
    const a = old[old.length - 1]!;
    const b = blocks[blocks.length - 1]!;
    const lines = b.startLine - a.startLine;
    const shift = b.block - a.block;
    /** y is x moved by these lines and block numbers (by none: the same block): its HTML differs only in the place it names. */
    const alike = (x: PreviewBlockJson, y: PreviewBlockJson, byLines: number, byBlocks: number) =>
      SAME_FIELDS.every((k) => x[k] === y[k]) &&
      y.startLine - x.startLine === byLines &&
      y.endLine - x.endLine === byLines &&
      y.block - x.block === byBlocks &&
      movedBlockHtml(x.html, { block: x.block, line: x.startLine }, { block: y.block, line: y.startLine }) === y.html;
    const most = Math.min(old.length, blocks.length);
    let prefix = 0;
    while (prefix < most && alike(old[prefix]!, blocks[prefix]!, 0, 0)) prefix++;
    let suffix = 0;
    while (
      suffix < most - prefix &&
      alike(old[old.length - 1 - suffix]!, blocks[blocks.length - 1 - suffix]!, lines, shift)
    )
      suffix++;
    // a splice that keeps little is not worth its bookkeeping
    if (prefix + suffix < blocks.length / 2) return { blocks };
    return {
      blocks: blocks.slice(prefix, blocks.length - suffix),
      splice: { of: last.seq, prefix, suffix, lines, blocks: shift },
    };
  }

  /** Forgets the request waiting for a document the connection left or lost, and its sources. */
  drop(docId: string): void {
    if (this.waiting.delete(docId)) this.metrics.previews.waiting--;
    this.sources.delete(docId);
    this.answers.delete(docId);
  }

  /** The connection closed: nothing waiting is rendered. */
  clear(): void {
    this.metrics.previews.waiting -= this.waiting.size;
    this.waiting.clear();
    this.sources.clear();
    this.answers.clear();
  }

  private async drain(): Promise<void> {
    if (this.rendering) return;
    this.rendering = true;
    try {
      for (;;) {
        // A render holds the event loop; frames that arrived meanwhile are read first, so they
        // replace the waiting request instead of each starting a render of its own.
        await new Promise((resolve) => setImmediate(resolve));
        const next = this.waiting.entries().next();
        if (next.done) break;
        const [docId, { seq, source }] = next.value;
        this.waiting.delete(docId);
        try {
          await this.renderOne(docId, seq, source);
        } finally {
          this.metrics.previews.waiting--;
        }
      }
    } finally {
      this.rendering = false;
    }
  }
}
