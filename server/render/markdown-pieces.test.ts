// Long Markdown is parsed in pieces (markdown-hast.ts splitMarkdown); the pieces must render exactly
// as the whole text does. Checked with tiny pieces, so every safe seam is used, on hand-made
// hard cases and on every Markdown block of the PyMD corpus when it is present. Markdown without
// raw HTML skips the HTML parser: it must render exactly as it does through it.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toHtml } from "hast-util-to-html";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { HeadingSlugger, markdownToHast, parseBothWays, printedToHast, splitMarkdown } from "./markdown-hast.ts";
import { corpusDir, corpusPresent } from "./corpus-testing.ts";

const whole = (t: string) => toHtml(markdownToHast(t, new HeadingSlugger(), Infinity));
const pieces = (t: string) => toHtml(markdownToHast(t, new HeadingSlugger(), 1));

const HARD = [
  "para one\n\npara two\n\n# Heading\n\ntext",
  "- a\n\n- b\n\nafter the loose list",
  "- item\n\n  continued in the item\n\nafter",
  "> quote\n\n> still the quote?\n\nout",
  "```\ncode\n\nstill code\n```\n\nafter",
  "~~~py\nx\n\n~~~\n\nafter",
  "<pre>\nraw\n\nstill raw\n</pre>\n\nafter",
  "<!-- a comment\n\nspanning a blank line -->\n\ntext",
  "<div>\nhtml\n\nmarkdown *after* the html block\n</div>",
  "<details>\n<summary>more</summary>\n\ninside\n\n</details>\n\nafter",
  "text with <span>inline\n\nhtml</span> across a blank line",
  "| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n\n| c |\n|---|\n| 3 |",
  "1. one\n\n2. two\n\n3) three\n\nend",
  "    indented code\n\n    more indented code\n\nend",
  "Title\n=====\n\nSub\n---\n\nend",
  "a [ref] link\n\n[ref]: https://example.com\n\nmore",
  "a footnote[^1]\n\n[^1]: the note\n\nmore",
];

describe("Markdown in pieces", () => {
  test("hard cases render the same in pieces as whole", () => {
    for (const t of HARD) expect(pieces(t)).toBe(whole(t));
  });

  test("300 random mixes of the hard cases render the same in pieces as whole", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    // mostly cases without raw HTML (a text with raw HTML is never cut)
    const mix = [
      ...HARD.filter((h) => !h.includes("<")),
      ...HARD.filter((h) => !h.includes("<")),
      ...HARD.filter((h) => h.includes("<")),
    ];
    for (let i = 0; i < 300; i++) {
      const parts = Array.from({ length: 2 + rand(6) }, () => mix[rand(mix.length)]!);
      const t = parts.map((p, j) => (j === 0 ? p : (rand(3) === 0 ? "\n" : "\n\n") + p)).join("");
      expect(pieces(t)).toBe(whole(t));
    }
  }, 60_000);

  test("printed output in pieces keeps its lines and gaps", () => {
    const t = "line 1\nline 2\n\nline 3\n\n  x  y\n1  2  3\n\n- a\n- b\n\nend";
    expect(toHtml(printedToHast(t, new HeadingSlugger(), 1))).toBe(
      toHtml(printedToHast(t, new HeadingSlugger(), Infinity)),
    );
  });

  test("a long text is cut, one without safe seams is not", () => {
    expect(splitMarkdown("a\n\nb\n\nc", 1)).toEqual(["a\n", "b\n", "c"]);
    expect(splitMarkdown("- a\n\n- b\n\n- c", 1)).toHaveLength(1);
  });

  test.skipIf(!corpusPresent)("every Markdown block of the corpus renders the same in pieces", () => {
    let blocks = 0;
    for (const f of readdirSync(join(corpusDir, "inputs")).filter((f) => f.endsWith(".pymd"))) {
      for (const b of parsePymd(readFileSync(join(corpusDir, "inputs", f), "utf8")).blocks) {
        if (b.kind !== "markdown") continue;
        blocks++;
        expect(`${f}: ${pieces(b.text)}`).toBe(`${f}: ${whole(b.text)}`);
      }
    }
    expect(blocks).toBeGreaterThan(100);
  });
});

/** What skipping the HTML parser must not change. */
const PLAIN = [
  ...HARD.filter((h) => !h.includes("<")),
  "```\n\nstarts with a blank line\n```",
  "```python\n\n\ntwo blank lines\n```\n\n~~~\n\n~~~",
  "- [ ] task\n- [x] done\n\n1. [ ] numbered",
  "| a | b |\n|:--|--:|\n| `1` | **2** |\n| | |",
  "a  \nhard break\\\nand another",
  "~~struck~~ ~one~ *em* __strong__ ***both***",
  "www.example.com, https://x.y/z?q=1&r=2, a@b.co and http://x.y.",
  "&amp; &copy; &#35; &#x41; &nbsp; &bogus;",
  "$x^2$ and $$\n\\frac{1}{2}\n$$ and costs $5",
  "![image](x.png \"title\") [link](https://e.com 'title') [empty]()",
  "***\n---\n___\n\n* * *",
  "\ttab\n\n \t x\n\n    indented\n\n\tcode",
  "> quote\n> - list\n>   1. nested\n>\n> ```\n> code\n> ```",
  "Setext\n===\n\n# ATX #\n\n###### six ######",
  "line\\\n\\*not em\\* \\`not code\\`",
  "",
  "\n\n\n",
];

describe("Markdown without raw HTML", () => {
  const same = (text: string, printed: boolean) => {
    const { render, viaHtml } = parseBothWays(text, printed);
    expect(`${JSON.stringify(text)}: ${toHtml(render)}`).toBe(`${JSON.stringify(text)}: ${toHtml(viaHtml)}`);
  };

  test("renders as it does through the HTML parser, as Markdown and as printed output", () => {
    for (const t of PLAIN) {
      same(t, false);
      same(t, true);
    }
  });

  test("300 random mixes render as they do through the HTML parser", () => {
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 300; i++) {
      const t = Array.from({ length: 2 + rand(6) }, () => PLAIN[rand(PLAIN.length)]!).join(rand(2) ? "\n" : "\n\n");
      same(t, rand(2) === 1);
    }
  });

  test.skipIf(!corpusPresent)(
    "every Markdown block of the corpus without raw HTML renders as through the HTML parser",
    () => {
      let blocks = 0;
      for (const f of readdirSync(join(corpusDir, "inputs")).filter((f) => f.endsWith(".pymd"))) {
        for (const b of parsePymd(readFileSync(join(corpusDir, "inputs", f), "utf8")).blocks) {
          if (b.kind === "comment") continue;
          const text = b.kind === "markdown" ? b.text : b.code;
          if (text.includes("<")) continue;
          blocks++;
          same(text, b.kind !== "markdown");
        }
      }
      expect(blocks).toBeGreaterThan(100);
    },
  );
});
