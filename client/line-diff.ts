// A line diff for comparing a past version with the current text: an exact longest-common-
// subsequence diff for texts of moderate size, and a trimmed prefix/suffix comparison beyond.

export type DiffLine = { kind: "same" | "removed" | "added"; text: string };

/** Cells of the LCS table above which the exact diff would be too slow in a browser. */
const MAX_CELLS = 4_000_000;

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) endA--, endB--;
  const head = a.slice(0, start).map((text) => ({ kind: "same" as const, text }));
  const tail = a.slice(endA).map((text) => ({ kind: "same" as const, text }));
  const ma = a.slice(start, endA);
  const mb = b.slice(start, endB);
  let middle: DiffLine[];
  if (ma.length * mb.length > MAX_CELLS) {
    middle = [
      ...ma.map((text) => ({ kind: "removed" as const, text })),
      ...mb.map((text) => ({ kind: "added" as const, text })),
    ];
  } else {
    const n = ma.length;
    const m = mb.length;
    const dp = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i * (m + 1) + j] =
          ma[i] === mb[j]
            ? dp[(i + 1) * (m + 1) + j + 1]! + 1
            : Math.max(dp[(i + 1) * (m + 1) + j]!, dp[i * (m + 1) + j + 1]!);
      }
    }
    middle = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (ma[i] === mb[j]) middle.push({ kind: "same", text: ma[i]! }), i++, j++;
      else if (dp[(i + 1) * (m + 1) + j]! >= dp[i * (m + 1) + j + 1]!) middle.push({ kind: "removed", text: ma[i++]! });
      else middle.push({ kind: "added", text: mb[j++]! });
    }
    while (i < n) middle.push({ kind: "removed", text: ma[i++]! });
    while (j < m) middle.push({ kind: "added", text: mb[j++]! });
  }
  return [...head, ...middle, ...tail];
}
