// The HTML renders that can run in a worker thread: plain data in, a string out. Links to
// workspace files are resolved through a table made beforehand (a function cannot cross threads).
import type { BlockResult } from "../../protocol/run-frames.ts";
import { parsePymd, type PymdBlock } from "../../protocol/pymd-parser.ts";
import { finishHtml, workspaceReference, type FileUrl } from "./html-pipeline.ts";
import { HeadingSlugger } from "./markdown-hast.ts";
import { blockHast, notebookHast, outputsHast } from "./notebook-hast.ts";
import { pdfOfHtml } from "./render-pdf.ts";
import type { Paper } from "./typst-from-html.ts";

/** Where each referenced workspace path points in this render, for images and for links. */
export type FileTable = Record<string, { img: string | null; link: string | null }>;

export type RenderJob = { files?: FileTable } & (
  | { kind: "fragment"; source: string; results?: [number, BlockResult][]; showCode?: boolean }
  | { kind: "block"; index: number; block: PymdBlock }
  | { kind: "blocks"; items: { index: number; block: PymdBlock }[] }
  | { kind: "outputs"; result: BlockResult }
  // the PDF, answered as base64 (it is laid out and compiled on the worker too)
  | { kind: "pdf"; source: string; results?: [number, BlockResult][]; title: string; paper: Paper }
);

const MARKDOWN_LINK = /\]\(\s*<?([^)\s>]+)>?/g;
const DEFINITION_LINK = /^ {0,3}\[[^\]\n]+\]:\s*<?([^\s>]+)/gm;
const HTML_ATTR = /\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi;

/** Every relative reference in a text, as the render pipeline will ask for it. */
function referencesIn(text: string, into: Set<string>): void {
  const add = (url: string | undefined) => {
    if (!url) return;
    for (const u of [url, url.replace(/&amp;/g, "&")]) {
      const ref = workspaceReference(u);
      if (ref !== null) into.add(ref);
    }
  };
  for (const m of text.matchAll(MARKDOWN_LINK)) add(m[1]);
  for (const m of text.matchAll(DEFINITION_LINK)) add(m[1]);
  for (const m of text.matchAll(HTML_ATTR)) add(m[1] ?? m[2] ?? m[3]);
}

/** The table a worker needs to resolve the references of these texts as `fileUrl` would. */
export function fileTable(fileUrl: FileUrl | undefined, texts: Iterable<string>): FileTable | undefined {
  if (!fileUrl) return undefined;
  const refs = new Set<string>();
  for (const t of texts) referencesIn(t, refs);
  const table: FileTable = {};
  for (const ref of refs) table[ref] = { img: fileUrl(ref, "img"), link: fileUrl(ref, "link") };
  return table;
}

/** The texts of a result that may hold references. */
export function* resultTexts(result: BlockResult): Generator<string> {
  for (const o of result.outputs) {
    if (o.kind === "stdout") yield o.text;
    else if (o.kind === "display" && (o.mime === "text/html" || o.mime === "text/markdown")) yield o.data;
  }
}

/** A rough measure of how much work a job is: the characters it parses. */
export function jobWeight(job: RenderJob): number {
  const outputs = (r: BlockResult) =>
    r.outputs.reduce(
      (n, o) =>
        n +
        (o.kind === "stdout" || o.kind === "stderr"
          ? o.text.length
          : o.kind === "display"
            ? o.mime === "image/png"
              ? 0
              : o.data.length
            : 0),
      0,
    );
  switch (job.kind) {
    case "fragment":
      return job.source.length + (job.results ?? []).reduce((n, [, r]) => n + outputs(r), 0);
    case "block":
      return blockWeight(job.block);
    case "blocks":
      return job.items.reduce((n, it) => n + blockWeight(it.block), 0);
    case "outputs":
      return outputs(job.result);
    case "pdf":
      // always off the event loop: laying out pages costs far more than parsing
      return Number.POSITIVE_INFINITY;
  }
}

/** The characters rendering one block's listing parses. */
export function blockWeight(block: PymdBlock): number {
  return block.kind === "markdown" ? block.text.length : block.kind === "comment" ? 0 : block.code.length;
}

/** One block's listing alone: outputs are rendered apart so a run can replace them in place. */
function blockHtml(index: number, block: PymdBlock, fileUrl: FileUrl | undefined): Promise<string> {
  const node = blockHast(index, block, undefined, {}, new HeadingSlugger(), { n: 0 });
  return node ? finishHtml({ type: "root", children: [node] }, { fileUrl }) : Promise.resolve("");
}

export function runJob(job: RenderJob): Promise<string> {
  const table = job.files;
  const fileUrl: FileUrl | undefined = table ? (path, use) => table[path]?.[use] ?? null : undefined;
  switch (job.kind) {
    case "fragment": {
      const results = job.results ? new Map(job.results) : undefined;
      return finishHtml(notebookHast(parsePymd(job.source), results, { showCode: job.showCode }), { fileUrl });
    }
    case "block":
      return blockHtml(job.index, job.block, fileUrl);
    case "blocks":
      // several listings in one job (a JSON array of their HTML): one thread hop for many small blocks
      return (async () => {
        const out: string[] = [];
        for (const it of job.items) out.push(await blockHtml(it.index, it.block, fileUrl));
        return JSON.stringify(out);
      })();
    case "outputs":
      return finishHtml(outputsHast(job.result, new HeadingSlugger(), { n: 0 }), { fileUrl });
    case "pdf":
      return (async () => {
        const results = job.results ? new Map(job.results) : undefined;
        const html = await finishHtml(notebookHast(parsePymd(job.source), results, {}), { fileUrl });
        return Buffer.from(await pdfOfHtml(html, { title: job.title, paper: job.paper })).toString("base64");
      })();
  }
}
