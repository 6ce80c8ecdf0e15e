// The live preview sends what changed, both ways: a request carries the editor's edits since the
// source the server holds (instead of the whole text), and an answer the blocks that changed
// (instead of every block); see ws-messages.ts ("preview", "preview-base"). No schemas here:
// the page loads this, and the schemas' compiled checks need eval, which its policy refuses.
import type { ChangeSet } from "@codemirror/state";
import type { PreviewBlockJson, PreviewEditJson, PreviewSpliceJson } from "./ws-messages.ts";

/** Most edits one preview request may carry instead of its whole source. */
export const WS_MAX_PREVIEW_EDITS = 1_000;

/**
 * The changes as edits to apply one after the other (the last first, so each one's positions are
 * still those of the old text), or null when the whole text is the smaller message.
 */
export function editsOf(changes: ChangeSet): PreviewEditJson[] | null {
  const edits: PreviewEditJson[] = [];
  let inserted = 0;
  changes.iterChanges((fromA, toA, _fromB, _toB, text) => {
    const insert = text.toString();
    inserted += insert.length;
    edits.push({ from: fromA, to: toA, insert });
  });
  if (edits.length > WS_MAX_PREVIEW_EDITS || inserted > changes.newLength / 2) return null;
  return edits.reverse();
}

/**
 * The blocks an answer stands for: its blocks, or with a splice, the ones kept from the answer
 * shown (`shown`, answer `shownSeq`) around them. Null when the splice is of another answer.
 */
export function splicedBlocks(
  shown: PreviewBlockJson[],
  shownSeq: number,
  blocks: PreviewBlockJson[],
  splice: PreviewSpliceJson | undefined,
): PreviewBlockJson[] | null {
  if (!splice) return blocks;
  const { of, prefix, suffix, lines, blocks: shift } = splice;
  if (of !== shownSeq || prefix + suffix > shown.length) return null;
  const tail = shown.slice(shown.length - suffix);
  return [
    ...shown.slice(0, prefix),
    ...blocks,
    ...(lines === 0 && shift === 0
      ? tail
      : tail.map((b) => ({
          ...b,
          startLine: b.startLine + lines,
          endLine: b.endLine + lines,
          block: b.block + shift,
        }))),
  ];
}
