// renderHtmlPage: a self-contained HTML document of an executed notebook, script-free unless it
// draws mermaid diagrams (diagram-script.ts).

import type { BlockResult } from "../../protocol/run-frames.ts";
import { katexPageStyle } from "./katex-style.ts";
import { hasMath } from "./math.ts";
import { pageStyle } from "./page-style.ts";
import { allowScripts, diagramScripts } from "./diagram-script.ts";
import { renderFragment } from "./render-fragment.ts";
import type { FileUrl } from "./html-pipeline.ts";

/** Scripts, frames, plugins, forms and remote styles are all refused; images may be inline or remote. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'; style-src 'unsafe-inline'; font-src data:; img-src data: https: http:; media-src data:";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export async function renderHtmlPage(
  source: string,
  results: ReadonlyMap<number, BlockResult> | undefined,
  opts: { title: string; showCode?: boolean; fileUrl?: FileUrl },
): Promise<string> {
  const body = await renderFragment(source, results, { showCode: opts.showCode, fileUrl: opts.fileUrl });
  // scripts only to draw mermaid diagrams, allowed by their hashes alone
  const diagrams = await diagramScripts(body);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${allowScripts(PAGE_CSP, diagrams.hashes)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="pymd">
<title>${escapeHtml(opts.title)}</title>
<style>${pageStyle}</style>${hasMath(body) ? `\n<style>${katexPageStyle()}</style>` : ""}${diagrams.tags ? `\n${diagrams.tags}` : ""}
</head>
<body>
<main class="pymd-notebook">
${body}
</main>
</body>
</html>
`;
}
