// Which stored output each executed block of a document shows, and whether that output is still
// true of the code and of the kernel: worked out from what ran, in which order, in which kernel.
import type { StaleReason } from "../../protocol/ws-messages.ts";

/** When an output was made: the kernel (a number that moves whenever a namespace is lost) and its execution counter. */
export interface RanIn {
  kernel: number;
  count: number | null;
}

/**
 * Follows the executed blocks of a document from one version of its text to the next, so a block
 * whose code was edited keeps showing the output it had (marked stale) until it runs again.
 * Outputs are stored by a hash of their code; an edited block has a new hash, so which old output
 * was its own is known only by following the block: the unchanged blocks at the start and end are
 * matched as they are, and the changed ones between them pair up in order.
 */
export class OutputPlacement {
  private codes: string[] = [];
  private shown: (string | null)[] = [];

  /**
   * For each block (by its code hash, in document order), the hash of the output it shows: its own
   * when there is one, else the output it showed before an edit, else null.
   */
  place(codes: string[], has: (hash: string) => boolean): (string | null)[] {
    const prev = this.codes;
    const n = codes.length;
    const m = prev.length;
    let p = 0;
    while (p < n && p < m && codes[p] === prev[p]) p++;
    let s = 0;
    while (s < n - p && s < m - p && codes[n - 1 - s] === prev[m - 1 - s]) s++;
    const inherited = (i: number): string | null => {
      if (i < p) return this.shown[i] ?? null;
      if (i >= n - s) return this.shown[m - (n - i)] ?? null;
      // the changed blocks in between pair up in order
      return i < m - s ? (this.shown[i] ?? null) : null;
    };
    const own = new Set(codes);
    const shown = codes.map((h, i) => {
      if (has(h)) return h;
      const before = inherited(i);
      // an output that belongs to another block's code is that block's to show
      return before !== null && !own.has(before) && has(before) ? before : null;
    });
    this.codes = codes;
    this.shown = shown;
    return shown;
  }
}

export interface BlockMark {
  count: number | null;
  stale: StaleReason | null;
}

/**
 * The counter and stale mark of each block's output. An output is stale when its block's code
 * changed since it ran, when it ran in a kernel that is gone, or when an earlier block changed
 * since it ran in this kernel or ran again after it (the namespace it saw is not the one the
 * document now describes).
 */
export function markOutputs(
  blocks: { code: string; shown: string | null }[],
  ranIn: (hash: string) => RanIn | undefined,
  kernel: number,
): BlockMark[] {
  let latestUpstream = 0;
  let upstreamEdited = false;
  return blocks.map((b) => {
    if (b.shown === null) return { count: null, stale: null };
    const r = ranIn(b.shown);
    const edited = b.shown !== b.code;
    const here = r !== undefined && r.kernel === kernel;
    const count = r?.count ?? null;
    let stale: StaleReason | null = null;
    if (edited) stale = "edited";
    else if (!here) stale = "kernel";
    else if (upstreamEdited || latestUpstream > (count ?? 0)) stale = "upstream";
    if (here) {
      latestUpstream = Math.max(latestUpstream, count ?? 0);
      if (edited) upstreamEdited = true;
    }
    return { count, stale };
  });
}
