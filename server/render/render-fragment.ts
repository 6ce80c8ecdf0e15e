// renderFragment: the notebook as a sanitized HTML fragment, for the live preview and the page export.

import type { BlockResult } from "../../protocol/run-frames.ts";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { finishHtml } from "./html-pipeline.ts";
import { notebookHast, type NotebookHastOptions } from "./notebook-hast.ts";

/**
 * `results` is keyed by block index in `parsePymd(source).blocks` (the RunBlock id). Blocks without
 * a result are shown as source only.
 */
export function renderFragment(source: string, results?: ReadonlyMap<number, BlockResult>, opts: NotebookHastOptions = {}): Promise<string> {
  return finishHtml(notebookHast(parsePymd(source), results, opts), { fileUrl: opts.fileUrl });
}
