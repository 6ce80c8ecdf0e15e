// The render module's public face: notebook source (+ run results) to HTML fragment, page or Markdown.

export { renderFragment } from "./render-fragment.ts";
export { renderHtmlPage, PAGE_CSP } from "./render-html-page.ts";
export { renderMarkdown, renderMarkdownOnly, type MarkdownExportOptions } from "./render-markdown.ts";
export { renderPdf, type PdfOptions } from "./render-pdf.ts";
export type { Paper } from "./typst-from-html.ts";
export type { NotebookHastOptions as RenderFragmentOptions } from "./notebook-hast.ts";
export { renderBlocks, renderOutputs, BlockRenderCache, type RenderedBlock } from "./render-blocks.ts";
export { workspaceReference, type FileUrl } from "./html-pipeline.ts";
