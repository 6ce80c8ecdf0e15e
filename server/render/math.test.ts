// Math: `$…$` and `$$…$$` in Markdown lines and printed output, and display-only ```math blocks, become KaTeX's HTML and
// MathML (the TeX kept in the MathML annotation); a formula KaTeX cannot read shows its source and
// why; prices stay text; hostile TeX yields nothing executable; a page with math carries KaTeX's
// styles with its fonts inlined, and one without does not; the Markdown export keeps the `$` source.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { fromHtml } from "hast-util-from-html";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { renderFragment, renderHtmlPage, renderMarkdown } from "./index.ts";
import { hasMath, MAX_FORMULA_CHARS } from "./math.ts";

/** The TeX of each rendered formula, in order, from KaTeX's MathML annotations. */
const formulas = (html: string) =>
  [...html.matchAll(/<annotation encoding="application\/x-tex">([^<]*)<\/annotation>/g)].map((m) =>
    m[1]!
      .replace(/&#x26;/g, "&")
      .replace(/&#x3C;/g, "<")
      .replace(/&amp;/g, "&")
      .replace(/&lt;/g, "<"),
  );

const DOC = [
  "# # Math",
  "# Inline $E = mc^2$ in a sentence.",
  "# $$",
  "# \\sum_{i=1}^n i = \\frac{n(n+1)}{2}",
  "# $$",
  "# ```math",
  "\\int_0^1 x\\,dx",
  "# ```",
  "# Broken: $\\frac{1}{$ and the rest.",
  "# Prices: it costs $5 and $10 today, or $5-$10.",
  "# ```",
  "print('$a^2 + b^2 = c^2$')",
  "# ```",
  "",
].join("\n");

const printed: BlockResult = {
  block: 5,
  status: "ok",
  durationMs: 1,
  outputs: [{ kind: "stdout", text: "$a^2 + b^2 = c^2$\n" }],
};

describe("math", () => {
  test("inline, display and fenced math in Markdown lines and printed output, in order", async () => {
    const results = new Map<number, BlockResult>();
    // the executed block's index in the parse
    const { parsePymd } = await import("../../protocol/pymd-parser.ts");
    const code = parsePymd(DOC).blocks.findIndex((b) => b.kind === "code");
    results.set(code, { ...printed, block: code });
    const html = await renderFragment(DOC, results, {});
    expect(formulas(html)).toEqual([
      "E = mc^2",
      "\\sum_{i=1}^n i = \\frac{n(n+1)}{2}",
      "\\int_0^1 x\\,dx",
      "a^2 + b^2 = c^2",
    ]);
    // display formulas are display math in both renderings
    expect(html.match(/<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML" display="block">/g)?.length).toBe(2);
    expect(html.match(/class="pymd-math-display"/g)?.length).toBe(2);
    // the listing of the code itself is code, not math
    expect(html).toContain("print");
    expect(html).toMatch(/<span class="hljs-string">'\$a\^2 \+ b\^2 = c\^2\$'<\/span>/);
  });

  test("a formula KaTeX cannot read shows its source and the reason, and the rest renders", async () => {
    const html = await renderFragment(DOC, undefined, {});
    expect(html).toContain(
      '<span class="pymd-math-error"><code>$\\frac{1}{$</code> <span class="pymd-math-error-message">',
    );
    expect(html).toMatch(/pymd-math-error-message">[^<]*expected '}'/);
    expect(html).toContain(" and the rest.");
    const long = await renderFragment(`# $${"x+".repeat(MAX_FORMULA_CHARS)}x$\n`, undefined, {});
    expect(long).toContain("Formula too long to render");
  });

  test("dollars that are prices stay text", async () => {
    const html = await renderFragment(DOC, undefined, {});
    expect(html).toContain("Prices: it costs $5 and $10 today, or $5-$10.");
  });

  test("hostile TeX and HTML in formulas yield nothing executable", async () => {
    const hostile = [
      "$\\href{javascript:alert(1)}{click}$",
      "$\\url{javascript:alert(1)}$",
      "$\\htmlClass{x}{y}\\htmlStyle{background:url(x)}{z}\\htmlData{onclick=alert(1)}{w}$",
      "$<img src=x onerror=alert(1)>$",
      "$\\text{<script>alert(1)</script>}$",
      "$\\def\\a{\\a\\a}\\a$",
      "$\\rule{100000em}{100000em}$",
      "$$\n</code></pre><script>alert(1)</script>\n$$",
    ];
    const html = await renderFragment(
      hostile.map((h) => `# ${h.replace(/\n/g, "\n# ")}`).join("\n#\n") + "\n",
      undefined,
      {},
    );
    // no element that runs or loads anything, no event handler, no link: the TeX is only text
    const tree = fromHtml(html, { fragment: true });
    const seen: string[] = [];
    const walk = (n: {
      type: string;
      tagName?: string;
      properties?: Record<string, unknown>;
      children?: unknown[];
    }) => {
      if (n.type === "element") {
        seen.push(n.tagName!);
        for (const k of Object.keys(n.properties ?? {}))
          expect({ tag: n.tagName, attribute: k }).not.toMatchObject({
            attribute: expect.stringMatching(/^(on|href$|src$|xlink)/i),
          });
      }
      for (const c of (n.children ?? []) as (typeof n)[]) walk(c);
    };
    walk(tree as never);
    for (const tag of ["script", "img", "iframe", "a", "object", "embed", "style", "link"])
      expect(seen).not.toContain(tag);
    expect(seen).toContain("math");
    // every one of them rendered as a formula or as its source with a reason
    expect((html.match(/class="katex"|class="pymd-math-error"/g) ?? []).length).toBeGreaterThanOrEqual(hostile.length);
  });

  test("a page with math carries KaTeX's styles with its fonts inlined; one without does not", async () => {
    const page = await renderHtmlPage(DOC, undefined, { title: "Math" });
    expect(page).toContain("font-family:KaTeX_Main");
    expect(page).toMatch(/src:url\(data:font\/woff2;base64,[A-Za-z0-9+/]{1000,}/);
    expect(page).not.toMatch(/url\(fonts\//);
    expect(page).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*font-src data:/);
    const plain = await renderHtmlPage("# # Plain\n# No formulas here.\n", undefined, { title: "Plain" });
    expect(plain).not.toContain("KaTeX_Main");
    expect(hasMath(plain)).toBe(false);
  });

  test("the Markdown export keeps the formulas' source", async () => {
    const md = await renderMarkdown(DOC, undefined, {});
    expect(md).toContain("Inline $E = mc^2$ in a sentence.");
    expect(md).toContain("$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$");
  });
});

describe("KaTeX's files from the server", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(() => srv.close());

  test("the stylesheet points at fonts the server serves; an unknown font is a 404", async () => {
    const css = await fetch(`${srv.url}/assets/katex/katex.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    const text = await css.text();
    const fonts = [...text.matchAll(/url\((\/assets\/katex\/fonts\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(fonts.length).toBe(20);
    expect(text).not.toContain("data:font");
    const font = await fetch(srv.url + fonts.find((f) => f.includes("KaTeX_Main-Regular"))!);
    expect(font.status).toBe(200);
    expect(font.headers.get("content-type")).toBe("font/woff2");
    expect(new TextDecoder().decode((await font.arrayBuffer()).slice(0, 4))).toBe("wOF2");
    for (const bad of ["KaTeX_Nope.woff2", "KaTeX_Main-Regular.ttf", "..%2F..%2Fpackage.json"])
      expect((await fetch(`${srv.url}/assets/katex/fonts/${bad}`)).status).toBe(404);
  });
});
