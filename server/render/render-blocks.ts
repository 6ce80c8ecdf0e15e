// Renders a notebook block by block for the live preview: each block's sanitized HTML, with a
// cache so that typing re-renders only the blocks that changed.
import type { BlockResult } from "../../protocol/run-frames.ts";
import type { PreviewBlockJson } from "../../protocol/ws-messages.ts";
import type { ParsedPymd, PymdBlock } from "../../protocol/pymd-parser.ts";
import type { FileUrl } from "./html-pipeline.ts";
import { fileTable, resultTexts } from "./render-jobs.ts";
import { render } from "./render-pool.ts";

/** The preview's view of one block, as sent to the browser (the session adds its counter and stale mark). */
export type RenderedBlock = Omit<PreviewBlockJson, "count" | "stale">;

/** A bounded cache of rendered block HTML keyed by what the HTML depends on. */
export class BlockRenderCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly max = 4000) {}

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

/** What a block's listing or Markdown HTML depends on (its outputs are cached apart). */
function keyOf(index: number, block: PymdBlock): string {
  const body = block.kind === "markdown" ? block.text : block.kind === "comment" ? "" : `${block.kind}\u0000${block.lang}\u0000${block.code}`;
  return `${index}\u0000${block.kind}\u0000${block.startLine}\u0000${body}`;
}

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
  const out: RenderedBlock[] = [];
  for (let i = 0; i < parsed.blocks.length; i++) {
    const block = parsed.blocks[i]!;
    if (block.kind === "comment") continue;
    const result = block.kind === "code" ? results.get(i) : undefined;
    const key = keyOf(i, block);
    let html = cache.get(key);
    if (html === undefined) {
      // The listing alone: outputs are rendered apart so a run can replace them in place.
      html = await render({ kind: "block", index: i, block, files: fileTable(fileUrl, block.kind === "markdown" ? [block.text] : []) });
      cache.set(key, html);
    }
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

/** The sanitized HTML of a block's outputs alone (`inlineBelow`: see render). */
export function renderOutputs(result: BlockResult, fileUrl?: FileUrl, inlineBelow?: number): Promise<string> {
  return render({ kind: "outputs", result, files: fileTable(fileUrl, resultTexts(result)) }, inlineBelow);
}
