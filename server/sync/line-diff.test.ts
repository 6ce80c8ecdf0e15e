// diffHunks: applying its hunks from the last to the first always gives the new text, and a few
// scattered line changes in a large text stay a few small hunks.
import { describe, expect, test } from "bun:test";
import { diffHunks } from "./line-diff.ts";

const apply = (before: string, hunks: { at: number; remove: number; insert: string }[]) => {
  let s = before;
  for (let k = hunks.length - 1; k >= 0; k--) {
    const h = hunks[k]!;
    s = s.slice(0, h.at) + h.insert + s.slice(h.at + h.remove);
  }
  return s;
};

function randomText(lines: number, seed: number): string[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x / 0x7fffffff);
  return Array.from(
    { length: lines },
    () =>
      ["# a\n", "# b\n", "print(1)\n", "\n", `# line ${Math.floor(rnd() * 1e6)}\n`, "é😀\n"][Math.floor(rnd() * 6)]!,
  );
}

describe("diffHunks", () => {
  test("random edits of random texts round-trip", () => {
    for (let seed = 1; seed < 200; seed++) {
      const a = randomText(2000, seed);
      const b = [...a];
      for (let i = 0; i < 30; i++) {
        const at = (seed * 7919 * (i + 1)) % (b.length + 1);
        if (i % 3 === 0) b.splice(at, 1);
        else if (i % 3 === 1) b.splice(at, 0, `# new ${i}\n`);
        else b[at % b.length] = `changed ${i}`;
      }
      const before = a.join("");
      const after = b.join("");
      const hunks = diffHunks(before, after);
      expect(apply(before, hunks)).toBe(after);
      for (let k = 1; k < hunks.length; k++)
        expect(hunks[k]!.at).toBeGreaterThanOrEqual(hunks[k - 1]!.at + hunks[k - 1]!.remove);
    }
  }, 60_000);

  test("scattered changes in 4 MB stay small", () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `# line ${i} of a large document\n`);
    const before = lines.join("");
    for (let i = 0; i < lines.length; i += 1000) lines[i] = `# changed ${i}\n`;
    const after = lines.join("");
    const hunks = diffHunks(before, after);
    expect(apply(before, hunks)).toBe(after);
    expect(hunks.length).toBe(200);
    expect(hunks.reduce((n, h) => n + h.remove + h.insert.length, 0)).toBeLessThan(20_000);
  }, 60_000);

  test("identical texts need nothing; a small change is one hunk", () => {
    expect(diffHunks("abc\n", "abc\n")).toEqual([]);
    expect(diffHunks("abc\ndef\n", "abc\ndxf\n")).toEqual([{ at: 5, remove: 1, insert: "x" }]);
  });
});
