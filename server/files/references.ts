// Which workspace files a document references by relative path, in its Markdown and in its last
// outputs (`![chart](chart.png)`, `<img src="figures/a.png">`, `[data](sales.csv)`): what a public
// link may serve, and what an export embeds.
import type { BlockResult } from "../../protocol/run-frames.ts";
import { workspaceReference } from "../render/html-pipeline.ts";
import { pathKey } from "./file-paths.ts";

const MARKDOWN_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^)]*["'])?\s*\)/g;
const HTML_ATTR = /\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;

function scan(text: string, into: Set<string>): void {
  for (const m of text.matchAll(MARKDOWN_LINK)) add(m[1]!, into);
  for (const m of text.matchAll(HTML_ATTR)) add(m[1] ?? m[2] ?? "", into);
}

function add(url: string, into: Set<string>): void {
  const ref = workspaceReference(url.replace(/&amp;/g, "&"));
  if (ref) into.add(pathKey(ref));
}

/** Case-folded paths of the workspace files the source and outputs point at. */
export function referencedFiles(source: string, results?: ReadonlyMap<number, BlockResult>): Set<string> {
  const out = new Set<string>();
  scan(source, out);
  for (const r of results?.values() ?? []) {
    for (const o of r.outputs) {
      if (o.kind === "stdout") scan(o.text, out);
      else if (o.kind === "display" && (o.mime === "text/html" || o.mime === "text/markdown")) scan(o.data, out);
    }
  }
  return out;
}
