// One connection's live previews: one renders at a time, and a request that arrives while one
// renders replaces any older one waiting for the same document, so a flood costs at most one
// render in flight and one waiting per document; the client's one-at-a-time pipelining is unaffected.
import type { Metrics } from "../log/metrics.ts";

export class PreviewQueue {
  private rendering = false;
  private readonly waiting = new Map<string, { seq: number; source: string }>();

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

  /** Forgets the request waiting for a document the connection left or lost. */
  drop(docId: string): void {
    if (this.waiting.delete(docId)) this.metrics.previews.waiting--;
  }

  /** The connection closed: nothing waiting is rendered. */
  clear(): void {
    this.metrics.previews.waiting -= this.waiting.size;
    this.waiting.clear();
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
