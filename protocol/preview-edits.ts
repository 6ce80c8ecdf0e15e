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

/** How a block's HTML names its place: its number and first line, on its outer element. */
export const blockPlace = (block: number, line: number) => ` data-block="${block}" data-line="${line}"`;

/** Block 0 at line 0: where HTML is kept that is used at any place. */
export const NOWHERE = { block: 0, line: 0 };

/** A block's HTML for the same block at another place (its first tag's attributes say where it is). */
export function movedBlockHtml(
  html: string,
  from: { block: number; line: number },
  to: { block: number; line: number },
): string {
  if (from.block === to.block && from.line === to.line) return html;
  const was = blockPlace(from.block, from.line);
  const at = html.indexOf(was);
  if (at < 0 || at > html.indexOf(">")) return html;
  return html.slice(0, at) + blockPlace(to.block, to.line) + html.slice(at + was.length);
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
          html: movedBlockHtml(
            b.html,
            { block: b.block, line: b.startLine },
            { block: b.block + shift, line: b.startLine + lines },
          ),
          startLine: b.startLine + lines,
          endLine: b.endLine + lines,
          block: b.block + shift,
        }))),
  ];
}
