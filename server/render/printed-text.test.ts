// Printed output reads as it was printed: lines stay lines, column layouts stay aligned and
// monospaced, Markdown printed on purpose still renders; the same in the Markdown export.
import { describe, expect, test } from "bun:test";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { renderFragment, renderMarkdown } from "./index.ts";

const SRC = "# ```\nprint()\n# ```\n";
const printed = (text: string): Map<number, BlockResult> =>
  new Map([[0, { block: 0, status: "ok", durationMs: 1, outputs: [{ kind: "stdout", text }] }]]);
const stdoutHtml = async (text: string) =>
  /<div class="pymd-stdout">([\s\S]*?)<\/div><\/div><\/div>$/.exec(
    await renderFragment(SRC, printed(text), { showCode: false }),
  )![1];

describe("printed output", () => {
  test("a progress loop and key = value lines keep one line each", async () => {
    expect(await stdoutHtml("step 0 of 3\nstep 1 of 3\nstep 2 of 3\n")).toBe(
      "<p>step 0 of 3</p>\n<p>step 1 of 3</p>\n<p>step 2 of 3</p>",
    );
    expect(await stdoutHtml("a = 42\nb = hello\n")).toBe("<p>a = 42</p>\n<p>b = hello</p>");
  });

  test("a blank printed line is kept as a gap; inside a list a newline is a line break", async () => {
    expect(await stdoutHtml("one\n\ntwo\nthree\n")).toBe('<p>one</p>\n<p class="pymd-gap">two</p>\n<p>three</p>');
    expect(await stdoutHtml("- item\n  more\n")).toBe("<ul>\n<li>item<br>\nmore</li>\n</ul>");
    expect(await stdoutHtml("**bold\nstill bold** after\n")).toBe("<p><strong>bold<br>\nstill bold</strong> after</p>");
  });

  test("print(df) text, print(np.array) and to_string() stay aligned and monospaced", async () => {
    expect(await stdoutHtml("  region  sales\n0      N    120\n1      S     80\n")).toBe(
      '<pre><code class="language-output">  region  sales\n0      N    120\n1      S     80\n</code></pre>',
    );
    expect(await stdoutHtml("[[ 0  1  2  3]\n [ 4  5  6  7]\n [ 8  9 10 11]]\n")).toBe(
      '<pre><code class="language-output">[[ 0  1  2  3]\n [ 4  5  6  7]\n [ 8  9 10 11]]\n</code></pre>',
    );
  });

  test("Markdown printed on purpose still renders: a table, a heading, a list, emphasis, code", async () => {
    expect(await stdoutHtml("| a | b |\n|---|---|\n| 1 | 2 |\n")).toContain("<td>1</td>");
    // a printed table right after a printed list item is a table, not part of the item
    expect(await stdoutHtml("- item\n| a | b |\n|---|---|\n| 1 | 2 |\n")).toBe(
      "<ul>\n<li>item</li>\n</ul>\n<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
    );
    const md = await stdoutHtml("## Totals\n- one\n- two\n\n**bold** and `code`\n");
    expect(md).toContain('<h2 id="user-content-totals">Totals</h2>');
    expect(md).toContain("<li>one</li>");
    expect(md).toContain("<p><strong>bold</strong> and <code>code</code></p>");
  });

  test("one line with double spaces is not a column layout; groups are judged apart", async () => {
    expect(await stdoutHtml("Total:  42\n")).toBe("<p>Total:  42</p>");
    const two = await stdoutHtml("Results\n\n  x  y\n1  2  3\n");
    expect(two).toBe('<p>Results</p>\n<pre><code class="language-output">  x  y\n1  2  3\n</code></pre>');
    // a heading printed right above a to_string() table does not spoil its layout
    expect(await stdoutHtml("### Table\n    Name  Age\n0  Alice   25\n")).toBe(
      '<h3 id="user-content-table">Table</h3>\n<pre><code class="language-output">    Name  Age\n0  Alice   25\n</code></pre>',
    );
  });

  test("the Markdown export keeps the same lines and layouts", async () => {
    const md = await renderMarkdown(SRC, printed("step 0\nstep 1\n\n  x  y\n1  2  3\n"));
    expect(md).toContain("step 0  \nstep 1\n\n```output\n  x  y\n1  2  3\n```");
  });
});
