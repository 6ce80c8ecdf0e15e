// The edits that turn one text into another, found line by line in time close to linear: the
// common prefix and suffix are kept, and inside the rest lines that occur once on each side anchor
// the match (the longest increasing run of them), recursively between anchors. A REST write of a
// large document that changes a few scattered lines becomes a few small splices instead of one
// that removes and re-inserts everything between the first and the last change (Automerge stores
// every character of a splice as an operation).

/** One splice at a UTF-16 offset of the original text. */
export interface Hunk {
  at: number;
  remove: number;
  insert: string;
}

/** Below this many UTF-16 units of change, one splice is as good as any. */
const SMALL = 4096;
const MAX_DEPTH = 12;

function lines(s: string): { text: string[]; start: number[] } {
  const text: string[] = [];
  const start: number[] = [];
  let at = 0;
  while (at < s.length) {
    let nl = s.indexOf("\n", at);
    nl = nl < 0 ? s.length : nl + 1;
    start.push(at);
    text.push(s.slice(at, nl));
    at = nl;
  }
  start.push(s.length);
  return { text, start };
}

/** The hunks in ascending order of offset, none overlapping; applying them from the last one first gives `after`. */
export function diffHunks(before: string, after: string): Hunk[] {
  const edit = textEdit(before, after);
  if (edit.remove === 0 && edit.insert.length === 0) return [];
  if (edit.remove + edit.insert.length <= SMALL) return [edit];
  const aText = before.slice(edit.at, edit.at + edit.remove);
  // A cut inside a line would make every line around it differ: match whole lines of the middle.
  const a = lines(aText);
  const b = lines(edit.insert);
  const out: [number, number, number, number][] = [];
  match(a.text, 0, a.text.length, b.text, 0, b.text.length, out, 0);
  const hunks: Hunk[] = [];
  for (const [a0, a1, b0, b1] of out) {
    const at = edit.at + a.start[a0]!;
    const remove = a.start[a1]! - a.start[a0]!;
    const insert = edit.insert.slice(b.start[b0]!, b.start[b1]!);
    const last = hunks[hunks.length - 1];
    if (last && last.at + last.remove === at) (last.remove += remove), (last.insert += insert);
    else hunks.push({ at, remove, insert });
  }
  return hunks;
}

/** Appends [a0, a1, b0, b1] line ranges that differ, in order. */
function match(
  a: string[],
  a0: number,
  a1: number,
  b: string[],
  b0: number,
  b1: number,
  out: [number, number, number, number][],
  depth: number,
): void {
  while (a0 < a1 && b0 < b1 && a[a0] === b[b0]) a0++, b0++;
  while (a0 < a1 && b0 < b1 && a[a1 - 1] === b[b1 - 1]) a1--, b1--;
  if (a0 === a1 && b0 === b1) return;
  if (a0 === a1 || b0 === b1 || depth >= MAX_DEPTH) return void out.push([a0, a1, b0, b1]);
  const seen = new Map<string, { ca: number; cb: number; ia: number; ib: number }>();
  for (let i = a0; i < a1; i++) {
    const e = seen.get(a[i]!);
    if (e) e.ca++;
    else seen.set(a[i]!, { ca: 1, cb: 0, ia: i, ib: -1 });
  }
  for (let i = b0; i < b1; i++) {
    const e = seen.get(b[i]!);
    if (e) e.cb++, (e.ib = i);
  }
  const pairs: [number, number][] = [];
  for (const e of seen.values()) if (e.ca === 1 && e.cb === 1) pairs.push([e.ia, e.ib]);
  if (pairs.length === 0) return void out.push([a0, a1, b0, b1]);
  pairs.sort((x, y) => x[0] - y[0]);
  const anchors = increasing(pairs);
  let pa = a0;
  let pb = b0;
  for (const [ia, ib] of anchors) {
    match(a, pa, ia, b, pb, ib, out, depth + 1);
    pa = ia + 1;
    pb = ib + 1;
  }
  match(a, pa, a1, b, pb, b1, out, depth + 1);
}

/** The longest run of pairs increasing in their second member (pairs sorted by the first), in O(n log n). */
function increasing(pairs: [number, number][]): [number, number][] {
  const tails: number[] = [];
  const prev = new Int32Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const v = pairs[i]![1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < v) lo = mid + 1;
      else hi = mid;
    }
    prev[i] = lo > 0 ? tails[lo - 1]! : -1;
    tails[lo] = i;
  }
  const out: [number, number][] = [];
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) out.push(pairs[i]!);
  return out.reverse();
}

/**
 * One splice that turns `before` into `after`: the common prefix and suffix are kept, the middle
 * is replaced. Linear in the text (a minimal diff of two large texts is quadratic, and a 150 KB
 * rewrite took seconds that way); never splits a UTF-16 surrogate pair.
 */
export function textEdit(before: string, after: string): { at: number; remove: number; insert: string } {
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  if (p > 0 && p < max && isHigh(before.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  if (s > 0 && s < max - p && isLow(before.charCodeAt(before.length - s))) s--;
  return { at: p, remove: before.length - p - s, insert: after.slice(p, after.length - s) };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
