// Text edits as CodeMirror change sets: turning them into the sequential splices Automerge takes,
// Automerge's patches back into a change set, and the single replacement between two texts.
import { ChangeSet } from "@codemirror/state";

export type ChangeSetJson = ReturnType<ChangeSet["toJSON"]>;

/** A splice of the text: positions in the text as the previous splices of its list left it. */
export interface TextSplice {
  from: number;
  to: number;
  insert: string;
}

/** The splices that apply a change set, in order. */
export function splicesOf(changes: ChangeSet): TextSplice[] {
  const out: TextSplice[] = [];
  changes.iterChanges((fromA, toA, fromB, _toB, inserted) => {
    out.push({ from: fromB, to: fromB + (toA - fromA), insert: inserted.toString() });
  });
  return out;
}

/** Composes sequential splices into one change set over a text of this length. */
export function changeSetOf(splices: TextSplice[], length: number): ChangeSet {
  let cs = ChangeSet.empty(length);
  let len = length;
  for (const p of splices) {
    const from = Math.min(p.from, len);
    const to = Math.min(Math.max(p.to, from), len);
    const step = ChangeSet.of({ from, to, insert: p.insert }, len);
    cs = cs.compose(step);
    len = step.newLength;
  }
  return cs;
}

/** The single replacement that turns `from` into `to`: everything between their common prefix and suffix. */
export function minimalChange(from: string, to: string): ChangeSet {
  let start = 0;
  while (start < from.length && start < to.length && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  let endA = from.length;
  let endB = to.length;
  while (endA > start && endB > start && from.charCodeAt(endA - 1) === to.charCodeAt(endB - 1)) endA--, endB--;
  return ChangeSet.of(
    start === endA && start === endB ? [] : [{ from: start, to: endA, insert: to.slice(start, endB) }],
    from.length,
  );
}

/** Characters inserted or deleted per change at most: the editor sends a larger edit as several changes (the server refuses a change of more than 4 times this). */
export const PIECE = 16_384;

/** Splits sequential splices into groups of at most PIECE characters each, cutting a large one into several. */
export function inPieces(splices: TextSplice[]): TextSplice[][] {
  const groups: TextSplice[][] = [];
  let group: TextSplice[] = [];
  let size = 0;
  const close = () => {
    if (group.length) groups.push(group);
    group = [];
    size = 0;
  };
  for (const p of splices) {
    const cost = p.to - p.from + p.insert.length;
    if (cost <= PIECE) {
      if (size + cost > PIECE) close();
      group.push(p);
      size += cost;
      continue;
    }
    close();
    for (let left = p.to - p.from; left > 0; left -= Math.min(left, PIECE))
      groups.push([{ from: p.from, to: p.from + Math.min(left, PIECE), insert: "" }]);
    for (let i = 0; i < p.insert.length; ) {
      let end = Math.min(i + PIECE, p.insert.length);
      // never between the two halves of a surrogate pair
      const code = p.insert.charCodeAt(end - 1);
      if (end < p.insert.length && code >= 0xd800 && code <= 0xdbff) end--;
      groups.push([{ from: p.from + i, to: p.from + i, insert: p.insert.slice(i, end) }]);
      i = end;
    }
  }
  close();
  return groups;
}
