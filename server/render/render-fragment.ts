// renderFragment: the notebook as a sanitized HTML fragment, for the live preview and the page export.

import type { BlockResult } from "../../protocol/run-frames.ts";
import type { NotebookHastOptions } from "./notebook-hast.ts";
import { fileTable, resultTexts, type RenderJob } from "./render-jobs.ts";
import { render } from "./render-pool.ts";

/** Fragments rendered lately, by a 128-bit hash of everything the HTML depends on, up to this many characters. */
const CACHE_CHARS = 32 * 1024 * 1024;
const cache = new Map<string, string>();
let cachedChars = 0;
const counts = { hits: 0, misses: 0 };

/** How often the fragment cache answered: for tests and metrics. */
export function fragmentCacheStats(): { hits: number; misses: number; entries: number; chars: number } {
  return { ...counts, entries: cache.size, chars: cachedChars };
}

function jobKey(job: RenderJob & { kind: "fragment" }): string {
  const text = JSON.stringify([job.source, job.results ?? null, job.showCode ?? null, job.files ?? null]);
  return `${Bun.hash.wyhash(text, 1n).toString(36)}:${Bun.hash.wyhash(text, 2n).toString(36)}:${text.length}`;
}

function remember(key: string, html: string): void {
  if (html.length > CACHE_CHARS / 4) return;
  cache.set(key, html);
  cachedChars += html.length;
  for (const [k, v] of cache) {
    if (cachedChars <= CACHE_CHARS) break;
    cache.delete(k);
    cachedChars -= v.length;
  }
}

/**
 * `results` is keyed by block index in `parsePymd(source).blocks` (the RunBlock id). Blocks without
 * a result are shown as source only. The same inputs (a public page read again, an export of an
 * unchanged notebook) are answered from a small cache instead of rendering again.
 */
export async function renderFragment(
  source: string,
  results?: ReadonlyMap<number, BlockResult>,
  opts: NotebookHastOptions = {},
): Promise<string> {
  const texts = function* () {
    yield source;
    for (const r of results?.values() ?? []) yield* resultTexts(r);
  };
  const job = {
    kind: "fragment" as const,
    source,
    results: results ? [...results] : undefined,
    showCode: opts.showCode,
    files: fileTable(opts.fileUrl, texts()),
  };
  const key = jobKey(job);
  const hit = cache.get(key);
  if (hit !== undefined) {
    counts.hits++;
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  counts.misses++;
  const html = await render(job);
  remember(key, html);
  return html;
}
