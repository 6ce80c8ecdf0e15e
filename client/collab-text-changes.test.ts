// Text changes between the editor and the collaboration worker: splices, their change sets, the
// minimal replacement, and the rebasing of edits that crossed (what the page does when a remote
// change arrives while its own edits are in flight, or when the live copy loads under typing).
import { describe, expect, test } from "bun:test";
import { ChangeSet, Text } from "@codemirror/state";
import { changeSetOf, inPieces, minimalChange, PIECE, splicesOf } from "./collab-text-changes.ts";

const apply = (text: string, cs: ChangeSet) => cs.apply(Text.of(text.split("\n"))).toString();

/** Applies splices in order, as the worker applies them to its Automerge text. */
const splice = (text: string, splices: { from: number; to: number; insert: string }[]) =>
  splices.reduce((t, s) => t.slice(0, s.from) + s.insert + t.slice(s.to), text);

describe("collab text changes", () => {
  test("a change set and its splices do the same to the text", () => {
    const text = "alpha\nbeta\ngamma\n";
    const cs = ChangeSet.of(
      [
        { from: 0, insert: ">> " },
        { from: 6, to: 10, insert: "BETA" },
        { from: 17, insert: "delta\n" },
      ],
      text.length,
    );
    expect(splice(text, splicesOf(cs))).toBe(apply(text, cs));
    expect(apply(text, changeSetOf(splicesOf(cs), text.length))).toBe(apply(text, cs));
  });

  test("the minimal change replaces only what differs", () => {
    const cs = minimalChange("# one\n# two\n# three\n", "# one\n# 2\n# three\n");
    const spans: [number, number, string][] = [];
    cs.iterChanges((fromA, toA, _fromB, _toB, ins) => spans.push([fromA, toA, ins.toString()]));
    expect(spans).toEqual([[8, 11, "2"]]);
    expect(minimalChange("same", "same").empty).toBe(true);
    expect(apply("aXa", minimalChange("aXa", "aa"))).toBe("aa");
  });

  test("edits that crossed converge once each is rebased over the other", () => {
    const base = "# # Title\n# middle\n";
    // typed here while the copy loaded: a line at the end
    const local = ChangeSet.of({ from: base.length, insert: "# mine\n" }, base.length);
    // the copy brought someone else's line at the start
    const remote = minimalChange(base, "# theirs\n" + base);
    const remoteForEditor = remote.map(local, true);
    const localForCopy = local.map(remote);
    const editor = apply(apply(base, local), remoteForEditor);
    const copy = apply(apply(base, remote), localForCopy);
    expect(editor).toBe("# theirs\n# # Title\n# middle\n# mine\n");
    expect(copy).toBe(editor);
  });

  test("splices of a large paste round-trip", () => {
    const big = "# line\n".repeat(150_000);
    const cs = ChangeSet.of({ from: 3, insert: big }, 10);
    const text = "0123456789";
    expect(splice(text, splicesOf(cs))).toBe("012" + big + "3456789");
  });

  test("a large edit is cut into pieces of at most PIECE characters that do the same to the text", () => {
    const text = "head\n" + "old line\n".repeat(5000) + "tail\n";
    const pasted = "new 😀 line\n".repeat(9000);
    const cs = ChangeSet.of(
      [
        { from: 0, insert: "> " },
        { from: 5, to: 5 + 9 * 5000, insert: pasted },
        { from: text.length, insert: "end\n" },
      ],
      text.length,
    );
    const groups = inPieces(splicesOf(cs));
    expect(groups.length).toBeGreaterThan(8);
    for (const g of groups)
      expect(g.reduce((n, p) => n + p.to - p.from + p.insert.length, 0)).toBeLessThanOrEqual(PIECE);
    // no piece ends between the halves of a surrogate pair
    for (const g of groups) for (const p of g) if (p.insert) expect(/[\ud800-\udbff]$/.test(p.insert)).toBe(false);
    expect(splice(text, groups.flat())).toBe(apply(text, cs));
    // small edits stay one group
    const small = ChangeSet.of(
      [
        { from: 1, insert: "x" },
        { from: 3, to: 4 },
      ],
      text.length,
    );
    expect(inPieces(splicesOf(small))).toHaveLength(1);
  });
});
