// The live preview of a long document: its many small blocks render on the worker pool in batches
// (the same HTML as in place, the event loop turning meanwhile), and the session's cache keeps
// every block of it, so the next preview renders only what changed.
import { describe, expect, test } from "bun:test";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { BlockRenderCache, renderBlocks } from "./render-blocks.ts";
import { runJob } from "./render-jobs.ts";
import { INLINE_WEIGHT } from "./render-pool.ts";

/** `n` short sections: a heading, a line of prose and a Python block each. */
function sections(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(`# ## Section ${i}`, `# Some *text* with \`code\` for ${i}.`, "# ```", `print(${i})`, "# ```");
  return out.join("\n") + "\n";
}

/** Counts the listings a cache is given (a rendered block) besides handing them on. */
class CountingCache extends BlockRenderCache {
  listings = 0;
  override set(key: string, html: string): void {
    if (!key.startsWith("out\u0000")) this.listings++;
    super.set(key, html);
  }
}

describe("preview of a long document", () => {
  test("thousands of small blocks render on workers, the same as in place, with the event loop turning", async () => {
    const parsed = parsePymd(sections(3000));
    const visible = parsed.blocks.filter((b) => b.kind !== "comment");
    expect(visible.length).toBeGreaterThan(4000);
    expect(
      visible.reduce((n, b) => n + (b.kind === "markdown" ? b.text.length : b.kind === "code" ? b.code.length : 0), 0),
    ).toBeGreaterThan(INLINE_WEIGHT);
    const cache = new CountingCache();
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const blocks = await renderBlocks(parsed, new Map(), () => "", cache);
    clearInterval(timer);
    expect(turns).toBeGreaterThan(0);
    expect(blocks.length).toBe(visible.length);
    // each block's HTML is what rendering it alone in place gives
    for (const i of [0, 1, 2, 777, 4998, blocks.length - 1]) {
      const b = blocks[i]!;
      expect(b.html).toBe(await runJob({ kind: "block", index: b.block, block: parsed.blocks[b.block]! }));
    }
    expect(blocks.at(-1)!.html).toContain(">2999<");

    // all of it is cached, past the cache's usual 4,000 entries: the same preview renders nothing
    expect(cache.listings).toBe(visible.length);
    await renderBlocks(parsed, new Map(), () => "", cache);
    expect(cache.listings).toBe(visible.length);
    // and an edit of the last section renders that block alone
    const edited = parsePymd(sections(3000).replace("for 2999.", "for the last one."));
    const again = await renderBlocks(edited, new Map(), () => "", cache);
    expect(cache.listings).toBe(visible.length + 1);
    expect(again.map((b) => b.html).join("")).toContain("for the last one.");
  }, 120_000);

  test("a line added near the start renders that block alone: the blocks it moved come from the cache, each at its new place", async () => {
    const source = sections(400);
    const cache = new CountingCache();
    await renderBlocks(parsePymd(source), new Map(), () => "", cache);
    const rendered = cache.listings;
    const moved = parsePymd(source.replace("for 3.", "for 3.\n# and a line more."));
    const blocks = await renderBlocks(moved, new Map(), () => "", cache);
    expect(cache.listings).toBe(rendered + 1);
    // exactly what a cold cache gives: every block's HTML names its own block and first line
    expect(blocks).toEqual(await renderBlocks(moved, new Map(), () => "", new BlockRenderCache()));
    const last = blocks.at(-1)!;
    expect(last.startLine).toBe(1999);
    expect(last.html).toContain(` data-block="${last.block}" data-line="1999">`);
    for (const i of [0, 5, 6, 7, 400, blocks.length - 1]) {
      const b = blocks[i]!;
      expect(b.html).toBe(await runJob({ kind: "block", index: b.block, block: moved.blocks[b.block]! }));
    }
  }, 60_000);
});
