// The Typst compiler (a native addon built into the executable) that makes the PDF export. It
// reads nothing from disk: its workspace is an empty directory of its own, and the images a
// document shows are handed to it from memory, so a document cannot make it read a file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeCompiler as Compiler } from "@myriaddreamin/typst-ts-node-compiler";
import type { TypstDocument } from "./typst-from-html.ts";

type Addon = { NodeCompiler: typeof Compiler };

let addon: Addon | null = null;
let loadError: string | null = null;

/**
 * The addon: in the executable, the build's zstd-compressed copy unpacked into a private directory
 * of its own, loaded and removed again (the loaded library stays mapped); from source, the npm
 * package's.
 */
async function load(): Promise<Addon> {
  if (addon) return addon;
  if (loadError) throw new Error(loadError);
  try {
    let packed: string | null = null;
    try {
      // written by scripts/build.ts, naming the compressed addon by a literal path so the executable embeds it
      // biome-ignore lint/suspicious/noTsIgnore: the module exists only after a build; from source the import fails and the package is used
      // @ts-ignore
      packed = ((await import("./typst-addon.gen.ts")) as { default: string }).default;
    } catch {
      packed = null;
    }
    if (packed) {
      const dir = mkdtempSync(join(tmpdir(), "pymd-typst-addon-"));
      const file = join(dir, "typst.node");
      try {
        writeFileSync(file, Bun.zstdDecompressSync(readFileSync(packed)), { mode: 0o700 });
        addon = require(file) as Addon;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      // by a name the bundler cannot follow, so the executable does not embed the package's addon a second time
      const pkg = ["@myriaddreamin", "typst-ts-node-compiler"].join("/");
      addon = (await import(pkg)) as unknown as Addon;
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
    // one empty workspace for this thread's compilers: a fresh compiler does not need a fresh directory
    workspace ||= mkdtempSync(join(tmpdir(), "pymd-typst-"));
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
