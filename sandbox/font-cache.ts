// matplotlib's font list, built once per server and shared read-only by every kernel, so that a
// kernel's first `import matplotlib.pyplot` reads it instead of scanning the fonts (each jail
// starts with an empty matplotlib config directory). An image that built one (the Dockerfile
// does, under /usr) needs nothing at run time.
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunEvent } from "../protocol/run-frames.ts";
import { IMAGE_FONT_CACHE } from "./jail-spec.ts";
import { createWorkspaceDir } from "./workspace-dir.ts";

/** The font list files matplotlib reads from its cache directory. */
const FONT_LIST = /^fontlist-v\d+\.json$/;
const MAX_BYTES = 8 * 1024 * 1024;

/** Builds matplotlib's font list in the working directory (nothing when matplotlib is absent). */
export const BUILD_FONT_LIST = [
  "import os",
  "os.environ['MPLCONFIGDIR'] = os.getcwd()",
  "try:",
  "    import matplotlib.font_manager",
  "except ImportError:",
  "    pass",
].join("\n");

/** The image's own font cache, if it has one. */
export function imageFontCache(exists: (p: string) => boolean = existsSync): string | null {
  try {
    return exists(IMAGE_FONT_CACHE) && readdirSync(IMAGE_FONT_CACHE).some((n) => FONT_LIST.test(n))
      ? IMAGE_FONT_CACHE
      : null;
  } catch {
    return null;
  }
}

/**
 * Runs BUILD_FONT_LIST once in a jail with a scratch working directory (through `runIn`) and keeps
 * the font list it wrote in a directory every jail can read; null when none was written.
 */
export async function buildFontCache(
  runIn: (code: string, workspace: { dir: string; maxBytes: number }) => Promise<RunEvent[]>,
): Promise<string | null> {
  const scratch = createWorkspaceDir();
  try {
    const events = await runIn(BUILD_FONT_LIST, { dir: scratch.dir, maxBytes: MAX_BYTES });
    if (events.at(-1)?.type !== "done") return null;
    const lists = readdirSync(scratch.dir).filter((n) => {
      if (!FONT_LIST.test(n)) return false;
      // the jail wrote here: only a plain file of a sane size is taken, never a link
      const st = lstatSync(join(scratch.dir, n));
      return st.isFile() && st.size > 0 && st.size <= MAX_BYTES;
    });
    if (!lists.length) return null;
    const dir = mkdtempSync(join(tmpdir(), "pymd-mpl-"));
    for (const n of lists) {
      copyFileSync(join(scratch.dir, n), join(dir, n));
      chmodSync(join(dir, n), 0o444);
    }
    // readable (not writable) by the jails' uids
    chmodSync(dir, 0o755);
    return dir;
  } catch {
    return null;
  } finally {
    scratch.remove();
  }
}
