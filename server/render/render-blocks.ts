// Renders a notebook block by block for the live preview: each block's sanitized HTML, with a
// cache so that typing re-renders only the blocks that changed.
import type { BlockResult } from "../../protocol/run-frames.ts";
import type { PreviewBlockJson } from "../../protocol/ws-messages.ts";
import type { ParsedPymd, PymdBlock } from "../../protocol/pymd-parser.ts";
import { NOWHERE, movedBlockHtml } from "../../protocol/preview-edits.ts";
import type { FileUrl } from "./html-pipeline.ts";
import { blockWeight, fileTable, resultTexts } from "./render-jobs.ts";
import { INLINE_WEIGHT, render } from "./render-pool.ts";

/** Characters of block source one job of a large preview renders at most (each job has the render deadline). */
export const BATCH_WEIGHT = 65_536;
/** Listings a session's cache may hold at most, however long its document. */
const CACHE_CEILING = 200_000;

/** The preview's view of one block, as sent to the browser (the session adds its counter and stale mark). */
export type RenderedBlock = Omit<PreviewBlockJson, "count" | "stale">;

/** A bounded cache of rendered block HTML keyed by what the HTML depends on. */
export class BlockRenderCache {
  private readonly map = new Map<string, string>();
  constructor(private max = 4000) {}

  /** Lets the cache hold at least `n` entries (a long document's every block), up to a ceiling. */
  reserve(n: number): void {
    this.max = Math.max(this.max, Math.min(n, CACHE_CEILING));
  }

  get(key: string): string | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  set(key: string, html: string): void {
    this.map.set(key, html);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * What a block's listing or Markdown HTML depends on (its outputs are cached apart), wherever it is:
 * the cache holds the HTML rendered at block 0, line 0, and each use names the block's own place.
 */
function keyOf(block: PymdBlock): string {
  const body =
    block.kind === "markdown"
      ? block.text
      : block.kind === "comment"
        ? ""
        : `${block.kind}\u0000${block.lang}\u0000${block.code}`;
  return `${block.kind}\u0000${body}`;
}

/** A listing rendered at block 0, line 0, for this block at its place. */
const placed = (html: string, index: number, block: PymdBlock) =>
  movedBlockHtml(html, NOWHERE, { block: index, line: block.startLine });
/** The block as rendered for the cache: at block 0, line 0. */
const unplaced = (block: PymdBlock): PymdBlock => ({ ...block, startLine: 0 });

/**
 * Every visible block of `parsed`, rendered. `resultVersion(i)` identifies the state of block i's
 * result so a changed output re-renders its cell.
 */
export async function renderBlocks(
  parsed: ParsedPymd,
  results: ReadonlyMap<number, BlockResult>,
  resultVersion: (index: number) => string,
  cache: BlockRenderCache,
  fileUrl?: FileUrl,
): Promise<RenderedBlock[]> {
  cache.reserve(parsed.blocks.length * 2 + 100);
  const listings = await renderListings(parsed, cache, fileUrl);
  const out: RenderedBlock[] = [];
  for (let i = 0; i < parsed.blocks.length; i++) {
    const block = parsed.blocks[i]!;
    if (block.kind === "comment") continue;
    const result = block.kind === "code" ? results.get(i) : undefined;
    const html = listings.get(i)!;
    let outputsHtml = "";
    if (result && result.outputs.length > 0) {
      const okey = `out\u0000${i}\u0000${resultVersion(i)}`;
      outputsHtml = cache.get(okey) ?? (await renderOutputs(result, fileUrl));
      cache.set(okey, outputsHtml);
    }
    if (html === "" && outputsHtml === "") continue;
    out.push({
      block: i,
      kind: block.kind,
      startLine: block.startLine,
      endLine: block.endLine,
      html,
      outputsHtml,
      status: result?.status ?? "not-run",
      durationMs: result?.durationMs ?? null,
    });
  }
  return out;
}

/**
 * The listing HTML of every visible block, from the cache where it holds them. A few changed
 * blocks (typing) render in place; many (a paste, a first open) render on the worker pool in
 * jobs of at most BATCH_WEIGHT characters, so the event loop stays free however long the document.
 */
async function renderListings(
  parsed: ParsedPymd,
  cache: BlockRenderCache,
  fileUrl?: FileUrl,
): Promise<Map<number, string>> {
  const html = new Map<number, string>();
  const missing: { index: number; block: PymdBlock; key: string }[] = [];
  let weight = 0;
  parsed.blocks.forEach((block, index) => {
    if (block.kind === "comment") return;
    const key = keyOf(block);
    const hit = cache.get(key);
    if (hit !== undefined) html.set(index, placed(hit, index, block));
    else {
      missing.push({ index, block, key });
      weight += blockWeight(block);
    }
  });
  const texts = (items: typeof missing) => items.flatMap((m) => (m.block.kind === "markdown" ? [m.block.text] : []));
  if (weight < INLINE_WEIGHT) {
    for (const m of missing)
      html.set(
        m.index,
        await render({ kind: "block", index: 0, block: unplaced(m.block), files: fileTable(fileUrl, texts([m])) }),
      );
  } else {
    const batches: (typeof missing)[] = [[]];
    let size = 0;
    for (const m of missing) {
      const w = blockWeight(m.block);
      if (size + w > BATCH_WEIGHT && batches.at(-1)!.length > 0) {
        batches.push([]);
        size = 0;
      }
      batches.at(-1)!.push(m);
      size += w;
    }
    // every batch goes to the pool (inlineBelow 0): together they are too much for the event loop
    const done = await Promise.all(
      batches.map((b) =>
        render(
          {
            kind: "blocks",
            items: b.map(({ block }) => ({ index: 0, block: unplaced(block) })),
            files: fileTable(fileUrl, texts(b)),
          },
          0,
        ),
      ),
    );
    batches.forEach((b, j) => {
      const got = JSON.parse(done[j]!) as string[];
      for (const [k, m] of b.entries()) html.set(m.index, got[k]!);
    });
  }
  for (const m of missing) {
    const template = html.get(m.index)!;
    cache.set(m.key, template);
    html.set(m.index, placed(template, m.index, m.block));
  }
  return html;
}

/** The sanitized HTML of a block's outputs alone (`inlineBelow`: see render). */
export function renderOutputs(result: BlockResult, fileUrl?: FileUrl, inlineBelow?: number): Promise<string> {
  return render({ kind: "outputs", result, files: fileTable(fileUrl, resultTexts(result)) }, inlineBelow);
}
