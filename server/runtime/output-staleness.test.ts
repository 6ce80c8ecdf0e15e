import { describe, expect, test } from "bun:test";
import { markOutputs, OutputPlacement, type RanIn } from "./output-staleness.ts";

describe("which output a block shows", () => {
  test("its own code's; after an edit, the one it had; a moved block keeps its own", () => {
    const stored = new Set(["a", "b", "c"]);
    const has = (h: string) => stored.has(h);
    const p = new OutputPlacement();
    expect(p.place(["a", "b", "c"], has)).toEqual(["a", "b", "c"]);
    // b edited twice in a row (typing), still shows b's output
    expect(p.place(["a", "b1", "c"], has)).toEqual(["a", "b", "c"]);
    expect(p.place(["a", "b12", "c"], has)).toEqual(["a", "b", "c"]);
    // a new block inserted before shows nothing; the others follow
    expect(p.place(["n", "a", "b12", "c"], has)).toEqual([null, "a", "b", "c"]);
    // the edited block runs: its own output now
    stored.add("b12");
    expect(p.place(["n", "a", "b12", "c"], has)).toEqual([null, "a", "b12", "c"]);
    // a block whose code becomes another block's code does not take that block's output
    const q = new OutputPlacement();
    q.place(["a", "b"], has);
    expect(q.place(["a", "a"], has)).toEqual(["a", "a"]);
    expect(q.place(["x", "a"], has)).toEqual([null, "a"]);
  });
});

describe("stale marks", () => {
  const ran = (m: Record<string, RanIn>) => (h: string) => m[h];
  test("fresh in order; an earlier block that ran again or changed makes the later ones stale; other kernels are stale", () => {
    const blocks = (codes: string[], shown: (string | null)[] = codes) =>
      codes.map((code, i) => ({ code, shown: shown[i]! }));
    expect(
      markOutputs(
        blocks(["a", "b", "c"]),
        ran({ a: { kernel: 2, count: 1 }, b: { kernel: 2, count: 2 }, c: { kernel: 2, count: 3 } }),
        2,
      ),
    ).toEqual([
      { count: 1, stale: null },
      { count: 2, stale: null },
      { count: 3, stale: null },
    ]);
    // a ran again after b and c
    expect(
      markOutputs(
        blocks(["a", "b", "c"]),
        ran({ a: { kernel: 2, count: 4 }, b: { kernel: 2, count: 2 }, c: { kernel: 2, count: 3 } }),
        2,
      ).map((m) => m.stale),
    ).toEqual([null, "upstream", "upstream"]);
    // b ran again after a: c (after b) is stale, b is not
    expect(
      markOutputs(
        blocks(["a", "b", "c"]),
        ran({ a: { kernel: 2, count: 4 }, b: { kernel: 2, count: 5 }, c: { kernel: 2, count: 3 } }),
        2,
      ).map((m) => m.stale),
    ).toEqual([null, null, "upstream"]);
    // b edited (shows a's old output for b): b edited, c upstream, even if c ran later
    expect(
      markOutputs(
        blocks(["a", "b2", "c"], ["a", "b", "c"]),
        ran({ a: { kernel: 2, count: 1 }, b: { kernel: 2, count: 2 }, c: { kernel: 2, count: 9 } }),
        2,
      ).map((m) => m.stale),
    ).toEqual([null, "edited", "upstream"]);
    // a restart: everything from kernel 2 is stale, what ran in kernel 3 is not
    expect(
      markOutputs(blocks(["a", "b"]), ran({ a: { kernel: 3, count: 1 }, b: { kernel: 2, count: 2 } }), 3).map(
        (m) => m.stale,
      ),
    ).toEqual([null, "kernel"]);
    // a block that never ran shows nothing and marks nothing
    expect(markOutputs(blocks(["a", "b"], [null, "b"]), ran({ b: { kernel: 1, count: 1 } }), 1)).toEqual([
      { count: null, stale: null },
      { count: 1, stale: null },
    ]);
  });
});
