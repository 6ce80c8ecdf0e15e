// Markdown export of a notebook: prose as written, code as fenced listings and, when results are
// given, each executed block's outputs (printed Markdown as is, tables as GFM, images as data URIs or files).

import { printedMarkdown } from "./printed-text.ts";
import type { BlockOutput, BlockResult } from "../../protocol/run-frames.ts";
import { parsePymd, type PymdCodeBlock } from "../../protocol/pymd-parser.ts";
import { escapeMarkdownText, htmlToMarkdown } from "./html-table-markdown.ts";
import { outputRuns } from "./output-runs.ts";

export interface MarkdownExportOptions {
  /** Relative directory the Markdown links images from; with `assetsWriter`, images become files there. */
  assetsDir?: string;
  /** Receives each image as `figure-N.png` and its bytes; without it images stay data URIs. */
  assetsWriter?: (name: string, bytes: Uint8Array) => void;
}

/** A fence longer than any backtick run in the text, so the listing cannot be closed from inside. */
function fenced(text: string, info: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  const body = text.replace(/\s+$/, "");
  return `${fence}${info}\n${body}${body ? "\n" : ""}${fence}`;
}

function listing(block: PymdCodeBlock): string {
  return fenced(block.code, block.kind === "code" ? "python" : block.info || block.lang);
}

function outputsMarkdown(
  outputs: readonly BlockOutput[],
  opts: MarkdownExportOptions,
  figures: { n: number },
): string[] {
  const parts: string[] = [];
  for (const run of outputRuns(outputs)) {
    switch (run.kind) {
      case "markdown":
        parts.push(printedMarkdown(run.text).replace(/\s+$/, ""));
        break;
      case "stderr":
        parts.push(fenced(run.text, "text"));
        break;
      case "display":
        if (run.mime === "image/png") {
          figures.n++;
          const data = run.data.replace(/\s+/g, "");
          if (opts.assetsDir !== undefined && opts.assetsWriter) {
            const name = `figure-${figures.n}.png`;
            opts.assetsWriter(name, Uint8Array.from(Buffer.from(data, "base64")));
            const dir = opts.assetsDir.replace(/\/+$/, "");
            parts.push(`![Figure ${figures.n}](${encodeURI(dir ? `${dir}/${name}` : name)})`);
          } else {
            parts.push(`![Figure ${figures.n}](data:image/png;base64,${data})`);
          }
        } else if (run.mime === "text/html") {
          const md = htmlToMarkdown(run.data);
          if (md) parts.push(md);
        } else {
          parts.push(run.data.replace(/\s+$/, ""));
        }
        break;
      case "error":
        parts.push(fenced(run.traceback.trim() !== "" ? run.traceback : `${run.name}: ${run.value}`, "text"));
        break;
      case "truncated":
        parts.push(`*Output truncated: this block printed more than ${run.limitBytes} bytes.*`);
        break;
      case "host-error":
        parts.push(`> **Run stopped:** ${escapeMarkdownText(run.message)}`);
        break;
    }
  }
  return parts.filter((p) => p !== "");
}

function exportMarkdown(
  source: string,
  results: ReadonlyMap<number, BlockResult> | undefined,
  opts: MarkdownExportOptions,
): string {
  const parts: string[] = [];
  const figures = { n: 0 };
  parsePymd(source).blocks.forEach((block, index) => {
    if (block.kind === "comment") return;
    if (block.kind === "markdown") {
      const text = block.text.replace(/\s+$/, "");
      if (text) parts.push(text);
      return;
    }
    if (block.code.trim() !== "") parts.push(listing(block));
    const result = block.kind === "code" ? results?.get(index) : undefined;
    if (result) parts.push(...outputsMarkdown(result.outputs, opts, figures));
  });
  return parts.length ? `${parts.join("\n\n")}\n` : "";
}

/** Markdown of the executed notebook; `results` is keyed by block index (the RunBlock id). */
export async function renderMarkdown(
  source: string,
  results: ReadonlyMap<number, BlockResult> | undefined,
  opts: MarkdownExportOptions = {},
): Promise<string> {
  return exportMarkdown(source, results, opts);
}

/** Markdown of the source alone (prose and code listings), without running anything. */
export function renderMarkdownOnly(source: string): string {
  return exportMarkdown(source, undefined, {});
}
