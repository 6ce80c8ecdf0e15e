// renderHtmlPage: a self-contained, script-free HTML document of an executed notebook.

import type { BlockResult } from "../../protocol/run-frames.ts";
import { katexPageStyle } from "./katex-style.ts";
import { hasMath } from "./math.ts";
import { pageStyle } from "./page-style.ts";
import { renderFragment } from "./render-fragment.ts";
import type { FileUrl } from "./html-pipeline.ts";

/** Scripts, frames, plugins, forms and remote styles are all refused; images may be inline or remote. */
export const PAGE_CSP = "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'; style-src 'unsafe-inline'; font-src data:; img-src data: https: http:; media-src data:";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export async function renderHtmlPage(
  source: string,
  results: ReadonlyMap<number, BlockResult> | undefined,
  opts: { title: string; showCode?: boolean; fileUrl?: FileUrl },
): Promise<string> {
  const body = await renderFragment(source, results, { showCode: opts.showCode, fileUrl: opts.fileUrl });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="pymd">
<title>${escapeHtml(opts.title)}</title>
<style>${pageStyle}</style>${hasMath(body) ? `\n<style>${katexPageStyle()}</style>` : ""}
</head>
<body>
<main class="pymd-notebook">
${body}
</main>
</body>
</html>
`;
}
