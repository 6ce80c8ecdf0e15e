// Maps parsed PyMD blocks to the runner's RunBlock requests: which blocks execute, and under which id.

import type { RunBlock } from "./run-frames.ts";
import type { ParsedPymd, PymdCodeBlock } from "./pymd-parser.ts";

/**
 * The executed blocks of a document, in order. A block's id is its index in `parsed.blocks`, so
 * results (keyed by id) line up with the parse without a second numbering. Blocks whose body is
 * only whitespace are left out: running them could print nothing.
 */
export function executableBlocks(parsed: ParsedPymd): RunBlock[] {
  const out: RunBlock[] = [];
  parsed.blocks.forEach((b, id) => {
    if (isExecutable(b)) out.push({ id, code: b.code, line: b.codeLine });
  });
  return out;
}

/** True for a block that `executableBlocks` would hand to the runner. */
export function isExecutable(block: ParsedPymd["blocks"][number]): block is PymdCodeBlock {
  return block.kind === "code" && block.code.trim() !== "";
}
