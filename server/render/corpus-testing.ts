// Runs documents of the shared PyMD corpus (../shared/pymd-corpus) through the real sandbox the way
// the reference renders were made: each in an empty scratch directory as its working directory.
// Used by the conformance tests; the corpus is never copied into the repository.
import { chownSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { executableBlocks } from "../../protocol/pymd-run-blocks.ts";
import { collectResults, type BlockResult } from "../../protocol/run-frames.ts";
import { createSandbox } from "../../sandbox/index.ts";
import { createWorkspaceDir } from "../../sandbox/workspace-dir.ts";

export const corpusDir = join(import.meta.dir, "..", "..", "..", "shared", "pymd-corpus");
export const corpusPresent = existsSync(join(corpusDir, "inputs"));

/** Directories the reference run created before rendering (the corpus README says so for example.pymd). */
const PRECREATED: Record<string, string[]> = { "example.pymd": ["videos"] };

export interface CorpusRun {
  source: string;
  results: Map<number, BlockResult>;
}

/**
 * Executes the given corpus inputs, four at a time, each in its own jail with the server's default
 * limits (only the wall clock is longer, for a loaded machine). Returns the backend's name and the
 * results per file.
 */
export async function runCorpus(files: string[]): Promise<{ backend: string; runs: Map<string, CorpusRun> }> {
  const sandbox = await createSandbox({ backend: "auto", limits: { wallTimeMs: 60_000 } });
  if (sandbox.backend === "unavailable")
    throw new Error("corpus: no working sandbox to execute the documents in (install bubblewrap or nsjail)");
  const runs = new Map<string, CorpusRun>();
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const source = readFileSync(join(corpusDir, "inputs", file), "utf8");
      const ws = createWorkspaceDir();
      try {
        for (const d of PRECREATED[file] ?? []) {
          mkdirSync(join(ws.dir, d));
          if (ws.chownTo) chownSync(join(ws.dir, d), ws.chownTo.uid, ws.chownTo.gid);
        }
        const events = await sandbox.run(executableBlocks(parsePymd(source)), undefined, undefined, {
          workspace: { dir: ws.dir, maxBytes: 256e6 },
        });
        runs.set(file, { source, results: collectResults(events) });
      } finally {
        ws.remove();
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { backend: sandbox.backend, runs };
}
