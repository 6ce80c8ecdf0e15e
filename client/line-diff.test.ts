// The history comparison's line diff.
import { describe, expect, test } from "bun:test";
import { lineDiff } from "./line-diff.ts";

describe("lineDiff", () => {
  test("marks removed and added lines and keeps the rest", () => {
    expect(lineDiff("a\nb\nc\nd", "a\nc\nx\nd")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "same", text: "c" },
      { kind: "added", text: "x" },
      { kind: "same", text: "d" },
    ]);
  });

  test("identical texts are all the same; empty to text is all added", () => {
    expect(lineDiff("x\ny", "x\ny").every((l) => l.kind === "same")).toBe(true);
    expect(
      lineDiff("", "p\nq")
        .filter((l) => l.kind === "added")
        .map((l) => l.text),
    ).toEqual(["p", "q"]);
  });

  test("very large changed regions fall back to removed-then-added without hanging", () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join("\n");
    const d = lineDiff(a, b);
    expect(d.filter((l) => l.kind === "removed")).toHaveLength(3000);
    expect(d.filter((l) => l.kind === "added")).toHaveLength(3000);
  });
});
