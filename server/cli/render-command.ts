// `pymd render FILE`: render a .pymd document offline to HTML or Markdown, executing it in the sandbox.
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createWorkspaceDir } from "../../sandbox/workspace-dir.ts";
import { copyBack, copyIn } from "../../sandbox/workspace-copy.ts";
import { checkPath, downloadType } from "../files/file-paths.ts";
import { basename, join, resolve } from "node:path";
import { loadConfig, ConfigError } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { sandboxFor } from "../app.ts";
import { runSource } from "../runtime/executions.ts";
import { renderHtmlPage, renderMarkdown, renderMarkdownOnly, renderPdf } from "../render/index.ts";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { CONTENT_MAX_BYTES } from "../documents/document-rules.ts";
import { CommandError, UsageError, expectPositionals } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";

export const renderCommand: Command = {
  name: "render",
  summary: "render a .pymd file to HTML, Markdown or PDF (executes it in the sandbox)",
  usage: `pymd render FILE.pymd [-o OUT] [--format html|markdown|pdf] [--paper a4|letter] [--no-exec] [--assets-dir DIR] [--workspace DIR]
                   [--sandbox auto|nsjail|bwrap] [--unsafe-no-sandbox] [--run-timeout S] [--run-total-timeout S]
                   [--run-memory MB] [--run-cpu S] [--run-processes N] [--run-tmpfs MB] [--run-output KB] [--run-output-rate KB]

Writes OUT, or prints to standard output without -o. --format (-f) defaults from OUT's extension
(.md → markdown, .pdf → pdf), else html; a PDF is laid out on --paper (A4 by default). --no-exec renders the source without running it. --assets-dir writes
Markdown images as files there instead of data URIs. --workspace DIR is the run's working
directory: DIR is copied into the jail, the files the run writes are copied back into DIR (links
are never followed), and relative image links are embedded in the HTML. Problems in the source (an unclosed fence)
are reported on stderr with their line numbers; a block that raises is shown in the output.
--run-timeout is the wall-clock limit of each block (default 30 s), --run-total-timeout that of
the whole document (default 600 s).`,
  flags: {
    ...COMMON_FLAGS,
    output: "value",
    format: "value",
    paper: "value",
    "no-exec": "boolean",
    "assets-dir": "value",
    workspace: "value",
    sandbox: "value",
    "unsafe-no-sandbox": "boolean",
    "run-timeout": "value",
    "run-total-timeout": "value",
    "run-memory": "value",
    "run-cpu": "value",
    "run-processes": "value",
    "run-tmpfs": "value",
    "run-output": "value",
    "run-output-rate": "value",
    quiet: "boolean",
  },
  async run(args) {
    const [file] = expectPositionals(args, ["FILE"]);
    const out = typeof args.flags.output === "string" ? resolve(args.flags.output) : null;
    const fmtFlag = args.flags.format;
    const format =
      fmtFlag === undefined
        ? out && /\.(md|markdown)$/i.test(out)
          ? "markdown"
          : out && /\.pdf$/i.test(out)
            ? "pdf"
            : "html"
        : fmtFlag === "md"
          ? "markdown"
          : fmtFlag;
    if (format !== "html" && format !== "markdown" && format !== "pdf")
      throw new UsageError("--format must be html, markdown or pdf");
    const paperFlag = args.flags.paper;
    if (paperFlag !== undefined && format !== "pdf") throw new UsageError("--paper applies to --format pdf");
    if (paperFlag !== undefined && paperFlag !== "a4" && paperFlag !== "letter")
      throw new UsageError("--paper must be a4 or letter");
    const paper = paperFlag === "letter" ? "us-letter" : "a4";
    if (format === "pdf" && !out && process.stdout.isTTY)
      throw new UsageError("a PDF is not printed to a terminal: give -o FILE.pdf or redirect standard output");
    if (args.flags["assets-dir"] !== undefined && format !== "markdown")
      throw new UsageError("--assets-dir applies to --format markdown");
    let config: ReturnType<typeof loadConfig>;
    try {
      const sandboxFlags = [
        "sandbox",
        "unsafe-no-sandbox",
        "run-timeout",
        "run-total-timeout",
        "run-memory",
        "run-cpu",
        "run-processes",
        "run-tmpfs",
        "run-output",
        "run-output-rate",
      ];
      // (the workspace limit keeps its default here)
      config = loadConfig(Object.fromEntries(sandboxFlags.map((f) => [f, args.flags[f]])));
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message, { oneLine: true });
      throw e;
    }
    const path = resolve(file!);
    if (!existsSync(path)) throw new CommandError(`no such file: ${file}`);
    if (!statSync(path).isFile()) throw new CommandError(`not a file: ${file}`);
    if (statSync(path).size > CONTENT_MAX_BYTES)
      throw new CommandError(`${file} is larger than ${CONTENT_MAX_BYTES} bytes`);
    const source = await Bun.file(path).text();
    for (const p of parsePymd(source).problems) console.error(`${file}:${p.line}: ${p.message}`);

    const log = createLogger({ level: "warn", format: "text" });
    const title = basename(path).replace(/\.pymd$/i, "");
    let outcome = null;
    if (!args.flags["no-exec"]) {
      const sandbox = await sandboxFor(config, log)();
      if (sandbox.backend === "unavailable") {
        throw new CommandError(
          "no working sandbox to run the code in: install bubblewrap (apt-get install bubblewrap) or nsjail, pass --no-exec to render without running, or --unsafe-no-sandbox to run without isolation",
        );
      }
      const wsSrc = typeof args.flags.workspace === "string" ? resolve(args.flags.workspace) : null;
      if (wsSrc && !(existsSync(wsSrc) && statSync(wsSrc).isDirectory()))
        throw new CommandError(`--workspace: not a folder: ${wsSrc}`);
      const ws = wsSrc ? createWorkspaceDir() : null;
      try {
        const before = ws && wsSrc ? copyIn(wsSrc, ws.dir, ws.chownTo) : null;
        outcome = await runSource(
          sandbox,
          source,
          undefined,
          undefined,
          ws ? { dir: ws.dir, maxBytes: config.workspaceMaxMb * 1e6 } : undefined,
        );
        if (ws && wsSrc && before) {
          const changed = copyBack(ws.dir, wsSrc, before);
          if (changed.length && !args.flags.quiet)
            console.error(`workspace: wrote ${changed.join(", ")} into ${wsSrc}`);
        }
      } finally {
        ws?.remove();
      }
      if (outcome.hostError) console.error(`warning: ${outcome.hostError}`);
    }
    const wsDir = typeof args.flags.workspace === "string" ? resolve(args.flags.workspace) : null;
    const fileUrl = wsDir
      ? (p: string, use: "img" | "link") => (use === "img" ? embedFromFolder(wsDir, p) : null)
      : undefined;
    let text: string | Uint8Array;
    if (format === "pdf") {
      try {
        text = await renderPdf(source, outcome?.results, { title, paper, fileUrl });
      } catch (e) {
        throw new CommandError(`could not make the PDF: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else if (format === "html")
      text = await renderHtmlPage(source, outcome?.results, {
        title,
        // relative image links to files in the workspace folder are embedded
        fileUrl,
      });
    else if (outcome) {
      const assetsDir = typeof args.flags["assets-dir"] === "string" ? resolve(args.flags["assets-dir"]) : undefined;
      if (assetsDir) mkdirSync(assetsDir, { recursive: true });
      text = await renderMarkdown(source, outcome.results, {
        assetsDir: assetsDir && out ? relativeDir(out, assetsDir) : assetsDir,
        assetsWriter: assetsDir ? (name, bytes) => writeFileSync(join(assetsDir, basename(name)), bytes) : undefined,
      });
    } else text = renderMarkdownOnly(source);
    if (out) {
      writeFileSync(out, text);
      if (!args.flags.quiet)
        console.error(`wrote ${out}${outcome ? ` (ran in ${Math.round(outcome.durationMs)} ms)` : ""}`);
    } else process.stdout.write(text);
    return 0;
  },
};

function embedFromFolder(dir: string, rel: string): string | null {
  let path: string;
  try {
    path = checkPath(rel).path;
  } catch {
    return null;
  }
  const full = join(dir, ...path.split("/"));
  try {
    const st = lstatSync(full);
    const type = downloadType(path);
    if (!st.isFile() || !type.startsWith("image/") || st.size > 20e6) return null;
    return `data:${type};base64,${readFileSync(full).toString("base64")}`;
  } catch {
    return null;
  }
}

function relativeDir(outFile: string, dir: string): string {
  const base = resolve(outFile, "..");
  return dir.startsWith(base + "/") ? dir.slice(base.length + 1) : dir;
}
