// The REST write's text edit: one splice from the common prefix and suffix, correct on any pair
// of texts (including astral characters), and linear: a 150 KB rewrite is one splice.
import { describe, expect, test } from "bun:test";
import { textEdit } from "./collab-documents.ts";

const apply = (s: string, e: ReturnType<typeof textEdit>) => s.slice(0, e.at) + e.insert + s.slice(e.at + e.remove);

describe("textEdit", () => {
  test("turns one text into the other", () => {
    const pairs: [string, string][] = [
      ["", ""],
      ["", "abc"],
      ["abc", ""],
      ["hello world", "hello brave world"],
      ["aaaa", "aa"],
      ["abcabc", "abc"],
      ["x😀y", "x😁y"],
      ["😀😀", "😀"],
      ["a😀", "a😁b"],
    ];
    for (const [a, b] of pairs) {
      const e = textEdit(a, b);
      expect(apply(a, e)).toBe(b);
      // no lone surrogate at either edge of the splice
      for (const piece of [a.slice(0, e.at), e.insert, a.slice(e.at + e.remove)])
        expect(piece).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
    let seed = 9;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let i = 0; i < 500; i++) {
      const a = Array.from({ length: rnd(20) }, () => "ab😀\n"[rnd(4)]).join("");
      const b = Array.from({ length: rnd(20) }, () => "ab😀\n"[rnd(4)]).join("");
      expect(apply(a, textEdit(a, b))).toBe(b);
    }
  });

  test("a small change in a large text is a small splice", () => {
    const a = "word ".repeat(40_000);
    const b = a.slice(0, 100_000) + "NEW" + a.slice(100_000);
    expect(textEdit(a, b)).toEqual({ at: 100_000, remove: 0, insert: "NEW" });
  });
});
