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
  while (endA > start && endB > start && from.charCodeAt(endA - 1) === to.charCodeAt(endB - 1)) (endA--, endB--);
  return ChangeSet.of(start === endA && start === endB ? [] : [{ from: start, to: endA, insert: to.slice(start, endB) }], from.length);
}
