// Builds the (not yet sanitized) HTML tree of a whole notebook: Markdown blocks, code listings
// and, after each executed block, its outputs in the order they were produced.

import type { FileUrl } from "./html-pipeline.ts";
import type { Element, ElementContent, Root, RootContent } from "hast";
import type { BlockOutput, BlockResult } from "../../protocol/run-frames.ts";
import type { ParsedPymd, PymdBlock, PymdCodeBlock } from "../../protocol/pymd-parser.ts";
import { HeadingSlugger, htmlToHast, markdownToHast, printedToHast } from "./markdown-hast.ts";
import { outputRuns } from "./output-runs.ts";

export interface NotebookHastOptions {
  /** Show the source of executed blocks (default true). Display-only blocks are always shown. */
  showCode?: boolean;
  /** Where relative references to workspace files point in this render (none: they are dropped). */
  fileUrl?: FileUrl;
}

const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function el(tagName: string, properties: Element["properties"], children: ElementContent[]): Element {
  return { type: "element", tagName, properties, children };
}

const text = (value: string): ElementContent => ({ type: "text", value });

function codeListing(block: PymdCodeBlock): Element {
  const lang = block.kind === "code" ? "python" : block.lang;
  return el("pre", { className: ["pymd-source"] }, [
    el("code", { className: [`language-${lang}`] }, [text(block.code)]),
  ]);
}

function asContent(root: Root): ElementContent[] {
  return root.children.filter((c): c is ElementContent => c.type !== "doctype");
}

/** Renders one output run; `figures` numbers images across the document for their alt text. */
function outputNode(
  run: ReturnType<typeof outputRuns>[number],
  slugger: HeadingSlugger,
  figures: { n: number },
): Element {
  switch (run.kind) {
    case "markdown":
      return el("div", { className: ["pymd-stdout"] }, asContent(printedToHast(run.text, slugger)));
    case "stderr":
      return el("pre", { className: ["pymd-stderr"] }, [text(run.text)]);
    case "display":
      if (run.mime === "image/png") {
        figures.n++;
        if (!BASE64.test(run.data))
          return el("p", { className: ["pymd-host-error"] }, [
            text("An image output was not valid base64 and is not shown."),
          ]);
        const src = `data:image/png;base64,${run.data.replace(/\s+/g, "")}`;
        return el("figure", { className: ["pymd-display", "pymd-display-image"] }, [
          el("img", { src, alt: `Figure ${figures.n}` }, []),
        ]);
      }
      if (run.mime === "text/html") {
        return el("div", { className: ["pymd-display", "pymd-display-html"] }, asContent(htmlToHast(run.data)));
      }
      return el(
        "div",
        { className: ["pymd-display", "pymd-display-markdown"] },
        asContent(markdownToHast(run.data, slugger)),
      );
    case "error": {
      const body = run.traceback.trim() !== "" ? run.traceback.replace(/\s+$/, "") : `${run.name}: ${run.value}`;
      return el("pre", { className: ["pymd-error"] }, [text(body)]);
    }
    case "truncated":
      return el("p", { className: ["pymd-truncated"] }, [
        text(`Output truncated: this block printed more than ${run.limitBytes} bytes.`),
      ]);
    case "host-error":
      return el("p", { className: ["pymd-host-error"] }, [text(run.message)]);
  }
}

function codeCell(
  index: number,
  block: PymdCodeBlock,
  result: BlockResult | undefined,
  opts: NotebookHastOptions,
  slugger: HeadingSlugger,
  figures: { n: number },
): Element | null {
  const executed = block.kind === "code";
  const outputs: readonly BlockOutput[] = executed && result ? result.outputs : [];
  if (block.code.trim() === "" && outputs.length === 0) return null;
  const classes = ["pymd-cell", executed ? "pymd-executed" : "pymd-display-only"];
  if (executed && result) classes.push(`pymd-status-${result.status}`);
  const children: ElementContent[] = [];
  if (!executed || opts.showCode !== false) children.push(codeListing(block));
  const runs = outputRuns(outputs);
  if (runs.length > 0) {
    children.push(
      el(
        "div",
        { className: ["pymd-outputs"] },
        runs.map((r) => outputNode(r, slugger, figures)),
      ),
    );
  }
  if (children.length === 0) return null;
  return el("div", { className: classes, dataBlock: String(index), dataLine: String(block.startLine) }, children);
}

/** The tree of one block at `index` of the document: a Markdown block, or a code cell with its outputs. */
export function blockHast(
  index: number,
  block: PymdBlock,
  result: BlockResult | undefined,
  opts: NotebookHastOptions,
  slugger: HeadingSlugger,
  figures: { n: number },
): Element | null {
  if (block.kind === "comment") return null;
  if (block.kind === "markdown") {
    return el(
      "div",
      { className: ["pymd-markdown"], dataBlock: String(index), dataLine: String(block.startLine) },
      asContent(markdownToHast(block.text, slugger)),
    );
  }
  return codeCell(index, block, result, opts, slugger, figures);
}

/** Only the outputs of a code block, for updating a cell while it runs. */
export function outputsHast(result: BlockResult, slugger: HeadingSlugger, figures: { n: number }): Root {
  const runs = outputRuns(result.outputs);
  return { type: "root", children: runs.map((r) => outputNode(r, slugger, figures)) };
}

export function notebookHast(
  parsed: ParsedPymd,
  results: ReadonlyMap<number, BlockResult> | undefined,
  opts: NotebookHastOptions = {},
): Root {
  const slugger = new HeadingSlugger();
  const figures = { n: 0 };
  const children: RootContent[] = [];
  parsed.blocks.forEach((block, index) => {
    const node = blockHast(index, block, results?.get(index), opts, slugger, figures);
    if (node) children.push(node);
  });
  return { type: "root", children };
}
