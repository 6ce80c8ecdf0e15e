// Jupyter notebooks in and out. Import: Markdown cells become `# ` lines, code cells executed
// blocks, raw cells display-only blocks; outputs are dropped; cell attachments become workspace
// files under attachments/ with their references rewritten. Export: Markdown blocks become
// Markdown cells, executed blocks code cells carrying their last outputs (nbformat 4.5).
import type { BlockResult } from "../../protocol/run-frames.ts";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { AppError } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import type { UserRow } from "../store/users-store.ts";
import { checkPath } from "./file-paths.ts";
import type { WorkspaceFiles } from "./workspace-files.ts";

export interface ImportedNotebook {
  source: string;
  /** Workspace files to create, from cell attachments. */
  files: { path: string; bytes: Uint8Array }[];
}

const MAX_CELLS = 10_000;

const text = (v: unknown): string =>
  Array.isArray(v) ? v.filter((x) => typeof x === "string").join("") : typeof v === "string" ? v : "";

/** A Markdown text as PyMD lines: every line behind `# ` (a blank line is a lone `#`). */
function markdownLines(md: string): string[] {
  return md
    .replace(/\r/g, "")
    .split("\n")
    .map((l) => (l === "" ? "#" : `# ${l}`));
}

/** The longest run of backticks that starts a line of code, so a fence around it can be longer. */
function fenceFor(code: string, min: number): string {
  let longest = 0;
  for (const m of code.matchAll(/^\s*#?\s*(`{3,})/gm)) longest = Math.max(longest, m[1]!.length);
  return "`".repeat(Math.max(min, longest + 1));
}

export function importIpynb(raw: string): ImportedNotebook {
  let nb: unknown;
  try {
    nb = JSON.parse(raw);
  } catch {
    throw new AppError("validation_failed", "the .ipynb file is not valid JSON");
  }
  const cells = (nb as { cells?: unknown })?.cells;
  if (!Array.isArray(cells))
    throw new AppError("validation_failed", "the .ipynb file has no cells list (nbformat 4 is supported)");
  if (cells.length > MAX_CELLS)
    throw new AppError("validation_failed", `the notebook has more than ${MAX_CELLS} cells`);
  const lines: string[] = [];
  const files: ImportedNotebook["files"] = [];
  cells.forEach((cell: unknown, i: number) => {
    if (typeof cell !== "object" || cell === null) return;
    const c = cell as { cell_type?: unknown; source?: unknown; attachments?: unknown };
    let src = text(c.source);
    if (lines.length) lines.push("");
    if (c.cell_type === "markdown") {
      const att = c.attachments;
      if (att && typeof att === "object") {
        for (const [name, bundle] of Object.entries(att as Record<string, unknown>)) {
          const entry = Object.entries((bundle ?? {}) as Record<string, unknown>).find(
            ([, v]) => typeof v === "string" || Array.isArray(v),
          );
          if (!entry) continue;
          let path: string;
          try {
            path = checkPath(`attachments/${i + 1}-${name}`).path;
          } catch {
            continue;
          }
          const data = text(entry[1]);
          const bytes =
            entry[0].startsWith("image/") && entry[0] !== "image/svg+xml"
              ? Buffer.from(data.replace(/\s/g, ""), "base64")
              : new TextEncoder().encode(data);
          files.push({ path, bytes: new Uint8Array(bytes) });
          src = src.split(`attachment:${name}`).join(encodeURI(path));
        }
      }
      lines.push(...markdownLines(src));
    } else if (c.cell_type === "code") {
      const body = src.replace(/\r/g, "").replace(/\n$/, "");
      // an executed block is always a three-backtick fence (four would make it display-only), so
      // a code line that itself reads as a fence cannot be carried over faithfully
      if (/^\s*#?\s*```/m.test(body))
        throw new AppError(
          "validation_failed",
          `code cell ${i + 1} has a line that starts with \`\`\` (or # \`\`\`), which would end a PyMD block early; change that line and import again`,
        );
      lines.push("# ```", ...body.split("\n"), "# ```");
    } else if (c.cell_type === "raw") {
      const body = src.replace(/\r/g, "").replace(/\n$/, "");
      const f = fenceFor(body, 4);
      lines.push(`# ${f}text`, ...body.split("\n"), `# ${f}`);
    }
  });
  return { source: lines.join("\n") + "\n", files };
}

const splitLines = (s: string): string[] => s.split(/(?<=\n)/);

function outputsOf(result: BlockResult | undefined): unknown[] {
  if (!result) return [];
  const out: unknown[] = [];
  for (const o of result.outputs) {
    if (o.kind === "stdout" || o.kind === "stderr")
      out.push({ output_type: "stream", name: o.kind, text: splitLines(o.text) });
    else if (o.kind === "display")
      out.push({
        output_type: "display_data",
        data: { [o.mime]: o.mime === "image/png" ? o.data : splitLines(o.data) },
        metadata: {},
      });
    else if (o.kind === "error")
      out.push({ output_type: "error", ename: o.name, evalue: o.value, traceback: o.traceback.split("\n") });
    else if (o.kind === "host-error") out.push({ output_type: "stream", name: "stderr", text: [o.message] });
    else if (o.kind === "truncated")
      out.push({ output_type: "stream", name: "stderr", text: [`(output truncated at ${o.limitBytes} bytes)`] });
  }
  return out;
}

export function exportIpynb(source: string, results?: ReadonlyMap<number, BlockResult>): string {
  const parsed = parsePymd(source);
  const cells: unknown[] = [];
  let count = 0;
  parsed.blocks.forEach((b, i) => {
    if (b.kind === "markdown") {
      if (b.text.trim() === "") return;
      cells.push({ cell_type: "markdown", id: `md-${i}`, metadata: {}, source: splitLines(b.text) });
    } else if (b.kind === "code") {
      const r = results?.get(i);
      cells.push({
        cell_type: "code",
        id: `code-${i}`,
        execution_count: r ? ++count : null,
        metadata: {},
        source: splitLines(b.code.replace(/\n$/, "")),
        outputs: outputsOf(r),
      });
    } else if (b.kind === "display-code") {
      cells.push({
        cell_type: "markdown",
        id: `show-${i}`,
        metadata: {},
        source: splitLines(`\`\`\`${b.info}\n${b.code.replace(/\n$/, "")}\n\`\`\``),
      });
    }
  });
  return (
    JSON.stringify(
      {
        cells,
        metadata: {
          kernelspec: { display_name: "Python 3", language: "python", name: "python3" },
          language_info: { name: "python" },
        },
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    ) + "\n"
  );
}

/** The .ipynb import and export routes' work, on the documents, the workspace and the last outputs. */
export function notebookInterchange(deps: {
  documents: DocumentsService;
  files: WorkspaceFiles;
  resultsFor: (docId: string, source: string) => ReadonlyMap<number, BlockResult>;
}) {
  return {
    async importNotebook(user: UserRow, raw: string, fileName: string | null) {
      const nb = importIpynb(raw);
      const title = fileName ? fileName.replace(/\.ipynb$/i, "") : null;
      const doc = deps.documents.importPymd(user, nb.source, title ? `${title}.pymd` : null);
      for (const f of nb.files) {
        await deps.files.write(
          doc.id,
          user.id,
          f.path,
          new Blob([f.bytes as Uint8Array<ArrayBuffer>]).stream(),
          user.id,
          f.bytes.length,
        );
      }
      return doc;
    },
    exportNotebook(user: UserRow, id: string): Response {
      const doc = deps.documents.get(user, id);
      const body = exportIpynb(doc.content, deps.resultsFor(id, doc.content));
      const name = `${(doc.title || "notebook").replace(/[^\w .-]+/g, "_").slice(0, 100) || "notebook"}.ipynb`;
      return new Response(body, {
        headers: {
          "content-type": "application/x-ipynb+json",
          "content-disposition": `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          "x-content-type-options": "nosniff",
        },
      });
    },
  };
}
