import { describe, expect, test } from "bun:test";
import type { BlockOutput, BlockResult } from "../../protocol/run-frames.ts";
import { renderFragment, renderHtmlPage, renderMarkdown, renderMarkdownOnly } from "./index.ts";

const DOC = "# # Report\n# Intro *text*.\n# ```\nprint(1)\n# ```\n# ````js\nlet x = 1;\n# ````\n// dropped\n";
const results = (outputs: BlockOutput[], status: BlockResult["status"] = "ok") =>
  new Map([[1, { block: 1, status, durationMs: 1, outputs }]]);

describe("renderFragment", () => {
  test("markdown, executed listing with outputs, display-only listing; comments dropped", async () => {
    const html = await renderFragment(DOC, results([{ kind: "stdout", text: "**bold**\n" }]));
    expect(html).toContain('<h1 id="user-content-report">Report</h1>');
    expect(html).toContain("<p>Intro <em>text</em>.</p>");
    expect(html).toContain('class="pymd-cell pymd-executed pymd-status-ok" data-block="1"');
    expect(html).toContain('<div class="pymd-stdout"><p><strong>bold</strong></p></div>');
    expect(html).toContain('class="pymd-cell pymd-display-only" data-block="2"');
    expect(html).toContain('class="hljs language-js"');
    expect(html).not.toContain("dropped");
  });

  test("stdout chunks between displays form one Markdown run; order is kept", async () => {
    const html = await renderFragment(
      DOC,
      results(
        [
          { kind: "stdout", text: "| a |\n" },
          { kind: "stdout", text: "|---|\n| 1 |\n" },
          { kind: "display", mime: "image/png", data: "iVBORw0KGgo=" },
          { kind: "stdout", text: "after\n" },
          { kind: "error", name: "ValueError", value: "x", traceback: "Traceback\nValueError: x", line: 4 },
        ],
        "error",
      ),
    );
    const table = html.indexOf("<table>");
    const img = html.indexOf('<img src="data:image/png;base64,iVBORw0KGgo=" alt="Figure 1">');
    const after = html.indexOf("<p>after</p>");
    const error = html.indexOf('<pre class="pymd-error">Traceback\nValueError: x</pre>');
    expect([table, img, after, error].every((i) => i > 0)).toBe(true);
    expect(table < img && img < after && after < error).toBe(true);
  });

  test("showCode: false hides executed sources but keeps display-only blocks", async () => {
    const html = await renderFragment(DOC, results([{ kind: "stdout", text: "out" }]), { showCode: false });
    expect(html).not.toContain("print");
    expect(html).toContain("<p>out</p>");
    expect(html).toContain("language-js");
  });

  test("stderr, truncation and host errors", async () => {
    const html = await renderFragment(
      DOC,
      results([
        { kind: "stderr", text: "warn <x>" },
        { kind: "truncated", limitBytes: 10 },
        { kind: "host-error", reason: "timeout", message: "the run passed its limit" },
      ]),
    );
    expect(html).toContain('<pre class="pymd-stderr">warn &#x3C;x></pre>');
    expect(html).toContain("more than 10 bytes");
    expect(html).toContain('<p class="pymd-host-error">the run passed its limit</p>');
  });
});

describe("renderHtmlPage", () => {
  test("self-contained page with styles for both schemes and print", async () => {
    const page = await renderHtmlPage(DOC, undefined, { title: "Report" });
    expect(page).toStartWith("<!DOCTYPE html>");
    expect(page).toContain("<title>Report</title>");
    expect(page).toContain("prefers-color-scheme:dark");
    expect(page).toContain("@media print");
    expect(page).toContain(".hljs-keyword");
  });
});

describe("renderMarkdown", () => {
  const outputs: BlockOutput[] = [
    { kind: "stdout", text: "## Printed\n" },
    { kind: "display", mime: "image/png", data: "iVBORw0KGgo=" },
    {
      kind: "display",
      mime: "text/html",
      data: '<table border="1"><thead><tr><th></th><th>a|b</th></tr></thead><tbody><tr><th>0</th><td>1</td></tr></tbody></table>',
    },
    { kind: "stderr", text: "careful" },
    { kind: "error", name: "E", value: "v", traceback: "Traceback\nE: v", line: 1 },
  ];

  test("prose, listings and outputs; images as data URIs", async () => {
    const md = await renderMarkdown(DOC, results(outputs));
    expect(md).toBe(
      [
        "# Report\nIntro *text*.",
        "```python\nprint(1)\n```",
        "## Printed",
        "![Figure 1](data:image/png;base64,iVBORw0KGgo=)",
        "|  | a\\|b |\n| --- | --- |\n| 0 | 1 |",
        "```text\ncareful\n```",
        "```text\nTraceback\nE: v\n```",
        "```js\nlet x = 1;\n```",
      ].join("\n\n") + "\n",
    );
  });

  test("images become files through assetsWriter when assetsDir is given", async () => {
    const written: [string, number][] = [];
    const md = await renderMarkdown(DOC, results(outputs), {
      assetsDir: "report files",
      assetsWriter: (name, bytes) => written.push([name, bytes.length]),
    });
    expect(md).toContain("![Figure 1](report%20files/figure-1.png)");
    expect(written).toEqual([["figure-1.png", 8]]);
  });

  test("renderMarkdownOnly keeps code verbatim and fences around backticks", () => {
    const md = renderMarkdownOnly("# ```\ns = '```'\n    indented()\n# ```\n");
    expect(md).toBe("````python\ns = '```'\n    indented()\n````\n");
  });
});

describe("fragment cache", () => {
  test("the same inputs are answered from the cache; any change renders again", async () => {
    const { fragmentCacheStats } = await import("./render-fragment.ts");
    const src = `# # Cached ${Math.random()}\n# text\n`;
    const before = fragmentCacheStats();
    const a = await renderFragment(src);
    const b = await renderFragment(src);
    expect(b).toBe(a);
    const mid = fragmentCacheStats();
    expect(mid.misses - before.misses).toBe(1);
    expect(mid.hits - before.hits).toBe(1);
    // another option, another result, another link table: each renders
    await renderFragment(src, undefined, { showCode: false });
    await renderFragment(src + "# more\n");
    await renderFragment("# [x](data.csv)\n" + src, undefined, { fileUrl: () => "/a" });
    await renderFragment("# [x](data.csv)\n" + src, undefined, { fileUrl: () => "/b" });
    expect(fragmentCacheStats().misses - mid.misses).toBe(4);
  });
});
