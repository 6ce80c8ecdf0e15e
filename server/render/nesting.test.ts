// Deeply nested list and quote markers on one line: past MAX_LINE_NESTING the rest is text, so
// the parse stays cheap (it costs the square of the depth) and nothing is lost from the line.
import { describe, expect, test } from "bun:test";
import { MAX_LINE_NESTING, limitNesting } from "./markdown-hast.ts";
import { renderFragment } from "./index.ts";

describe("line nesting limit", () => {
  test("markers past the limit are escaped; shallower Markdown is untouched", () => {
    expect(limitNesting("- ".repeat(MAX_LINE_NESTING + 2) + "x")).toBe("- ".repeat(MAX_LINE_NESTING) + "\\- - x");
    expect(limitNesting("1. ".repeat(MAX_LINE_NESTING + 1) + "y")).toBe("1. ".repeat(MAX_LINE_NESTING) + "1\\. y");
    expect(limitNesting("> ".repeat(MAX_LINE_NESTING + 1) + "q")).toBe("> ".repeat(MAX_LINE_NESTING) + "\\> q");
    for (const ok of ["- a\n  - b\n", "> quote\n> - item\n", "- ".repeat(MAX_LINE_NESTING) + "z"])
      expect(limitNesting(ok)).toBe(ok);
  });

  test("4,000 nested markers render as 32 levels and the rest of the line as text", async () => {
    const html = await renderFragment("# " + "- ".repeat(2000) + "x\n");
    expect(html.match(/<ul>/g)?.length).toBe(MAX_LINE_NESTING);
    expect(html).toContain("- - - x");
  });
});
