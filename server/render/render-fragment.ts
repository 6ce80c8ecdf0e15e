// renderFragment: the notebook as a sanitized HTML fragment, for the live preview and the page export.

import type { BlockResult } from "../../protocol/run-frames.ts";
import type { NotebookHastOptions } from "./notebook-hast.ts";
import { fileTable, resultTexts } from "./render-jobs.ts";
import { render } from "./render-pool.ts";

/**
 * `results` is keyed by block index in `parsePymd(source).blocks` (the RunBlock id). Blocks without
 * a result are shown as source only.
 */
export function renderFragment(source: string, results?: ReadonlyMap<number, BlockResult>, opts: NotebookHastOptions = {}): Promise<string> {
  const texts = function* () {
    yield source;
    for (const r of results?.values() ?? []) yield* resultTexts(r);
  };
  return render({ kind: "fragment", source, results: results ? [...results] : undefined, showCode: opts.showCode, files: fileTable(opts.fileUrl, texts()) });
}
