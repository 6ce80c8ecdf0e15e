// renderPdf: the notebook as a PDF, laid out by Typst from the same sanitized HTML the other
// exports show, on a render worker (see render-pool.ts).
import type { BlockResult } from "../../protocol/run-frames.ts";
import type { FileUrl } from "./html-pipeline.ts";
import { fileTable, resultTexts } from "./render-jobs.ts";
import { render } from "./render-pool.ts";
import { compilePdf, TypstError } from "./typst-compiler.ts";
import { typstFromHtml, type Paper } from "./typst-from-html.ts";

export interface PdfOptions {
  title: string;
  paper?: Paper;
  /** Where workspace images are read from (data URIs); none: they show as their alt text. */
  fileUrl?: FileUrl;
}

/** The PDF of rendered HTML. An image Typst cannot read is shown as its alt text instead. */
export async function pdfOfHtml(html: string, opts: { title: string; paper: Paper }): Promise<Uint8Array> {
  const doc = typstFromHtml(html, opts);
  try {
    return await compilePdf(doc);
  } catch (e) {
    if (!(e instanceof TypstError) || doc.files.size === 0) throw e;
    return compilePdf(typstFromHtml(html, { ...opts, noImages: true }));
  }
}

/** `results` is keyed by block index in `parsePymd(source).blocks`, as for renderFragment. */
export async function renderPdf(
  source: string,
  results: ReadonlyMap<number, BlockResult> | undefined,
  opts: PdfOptions,
): Promise<Uint8Array> {
  const texts = function* () {
    yield source;
    for (const r of results?.values() ?? []) yield* resultTexts(r);
  };
  const base64 = await render({
    kind: "pdf",
    source,
    results: results ? [...results] : undefined,
    title: opts.title,
    paper: opts.paper ?? "a4",
    files: fileTable(opts.fileUrl, texts()),
  });
  return Uint8Array.from(Buffer.from(base64, "base64"));
}
