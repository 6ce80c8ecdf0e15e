// The Typst compiler (a native addon built into the executable) that makes the PDF export. It
// reads nothing from disk: its workspace is an empty directory of its own, and the images a
// document shows are handed to it from memory, so a document cannot make it read a file.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeCompiler as Compiler } from "@myriaddreamin/typst-ts-node-compiler";
import type { TypstDocument } from "./typst-from-html.ts";

type Addon = { NodeCompiler: typeof Compiler };

let addon: Addon | null = null;
let loadError: string | null = null;

/** The addon: the one the build embedded for this platform, or from node_modules when run from source. */
async function load(): Promise<Addon> {
  if (addon) return addon;
  if (loadError) throw new Error(loadError);
  try {
    try {
      // written by scripts/build.ts with a literal path, so the executable embeds the platform's addon
      // biome-ignore lint/suspicious/noTsIgnore: the module exists only after a build; without one this import fails at run time and is handled
      // @ts-ignore
      addon = ((await import("./typst-addon.gen.ts")) as { default: Addon }).default;
    } catch {
      addon = (await import("@myriaddreamin/typst-ts-node-compiler")) as unknown as Addon;
    }
    return addon;
  } catch (e) {
    loadError = `The PDF export is unavailable: its Typst compiler did not load (${e instanceof Error ? e.message : String(e)}).`;
    throw new Error(loadError);
  }
}

let compiler: Compiler | null = null;
let workspace = "";
let compiled = 0;

/** Compiles a Typst document to PDF bytes; a document Typst rejects throws with its first errors. */
export async function compilePdf(doc: TypstDocument): Promise<Uint8Array> {
  const { NodeCompiler } = await load();
  // a fresh compiler now and then lets go of what earlier documents cached
  if (!compiler || compiled++ >= 50) {
    workspace = mkdtempSync(join(tmpdir(), "pymd-typst-"));
    compiler = NodeCompiler.create({ workspace });
    compiled = 1;
  }
  const c = compiler;
  c.resetShadow();
  // the document names its files from the workspace's root ("/img/1.png")
  for (const [path, bytes] of doc.files)
    c.mapShadow(join(workspace, path), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    const result = c.compile({ mainFileContent: doc.source });
    const err = result.takeError();
    if (err || !result.result) {
      const messages = (err?.shortDiagnostics ?? [])
        .slice(0, 3)
        .map((d: { message?: string }) => d.message ?? String(d));
      throw new TypstError(messages.length ? messages.join("; ") : "the document could not be laid out");
    }
    return new Uint8Array(c.pdf(result.result));
  } finally {
    c.resetShadow();
  }
}

export class TypstError extends Error {}

/** Whether the compiler loads here (for `pymd doctor`). */
export async function pdfAvailable(): Promise<{ ok: boolean; detail: string }> {
  try {
    await load();
    return { ok: true, detail: "Typst compiler built in" };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
