// The quick reader for plain Markdown (fast-markdown.ts) must give exactly remark-parse's tree
// whenever it gives one, and refuse everything else. Checked on hand-made cases it must read and
// must refuse, on random strings of the characters that matter to it, on random plain documents
// (also rendered to HTML both ways), and on every Markdown block of the PyMD corpus when present.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toHtml } from "hast-util-to-html";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { markdownDocument } from "../testing/markdown-document.ts";
import { corpusDir, corpusPresent } from "./corpus-testing.ts";
import { fastMarkdown } from "./fast-markdown.ts";
import { parseBothWays } from "./markdown-hast.ts";

const parser = unified().use(remarkParse).use(remarkGfm).use(remarkMath).freeze();
/** A tree without its source positions, keys in order, as text. */
const shape = (node: unknown): string =>
  JSON.stringify(node, (key, value) =>
    key === "position"
      ? undefined
      : value && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
        : value,
  );
const remark = (t: string) => shape(parser.parse(t));

/** Whether the quick reader read `t` (and then, that it read it as remark-parse does). */
function readsAsRemark(t: string): boolean {
  const tree = fastMarkdown(t);
  if (tree === null) return false;
  expect(`${JSON.stringify(t)}: ${shape(tree)}`).toBe(`${JSON.stringify(t)}: ${remark(t)}`);
  return true;
}

const READ = [
  "",
  "just text",
  "## A heading\nand a paragraph\nof three lines",
  "# One\n## Two\n###### Six   ",
  "Some *emphasis*, **strong**, `code` and a [link](https://example.com/1).",
  "**`code` in strong**, *[a link](x) in emphasis*, [*emphasis* in a link](y)",
  "- one\n- two `x`\n- three\n\nafter",
  "* star\n+ plus\n- dash",
  "1. one\n2. two\n\n3) three\n4) four",
  "text\n1. a list may interrupt a paragraph at 1\n- or with a bullet",
  "a hard break  \nafter two spaces, and one space \nis dropped",
  "`` a ` b `` and ` padded ` and `\nline\n` and `  ` kept",
  "snake_case and x_1 stay words; 2 * 3 is not emphasis",
  "Ünïcödé *wörds* and 中文 **粗体** 😀",
  "unmatched ` backtick and ``double",
  "(parens) 'quotes' \"double\" - dash: colon; 50% # hash",
  markdownDocument(3000)
    .split("\n")
    .map((l) => l.replace(/^# ?/, ""))
    .join("\n"),
];

const REFUSED = [
  "- a\n\n- b (a loose list)",
  "- a\nlazy continuation",
  "![an image](x.png)",
  "see https://example.com or www.example.com or a@b.c",
  "_underscore emphasis_",
  "***strong emphasis***",
  "**nested *emphasis***",
  "*a* b*",
  "| a | b |\n|---|---|\n| 1 | 2 |",
  "> a quote",
  "```\nfenced\n```",
  "    indented code",
  "Title\n=====",
  "Sub\n---",
  "***",
  "- - -",
  "an &amp; entity",
  "an \\*escape\\*",
  "~~struck~~",
  "$x^2$ math",
  "- [ ] a task",
  "a note[^1]",
  "[ref]: https://example.com",
  "[a reference] link",
  "paragraph\n2. does not start a list",
  "a\ttab",
  "a\u00a0no-break space",
  " leading space",
  "## closed heading ##",
  "[link](with space)",
  '[link](x "title")',
  "[](empty)",
];

describe("quick Markdown reader", () => {
  test("reads plain notebook Markdown exactly as remark-parse does", () => {
    for (const t of READ)
      expect(`${JSON.stringify(t)} read: ${readsAsRemark(t)}`).toBe(`${JSON.stringify(t)} read: true`);
  });

  test("leaves everything else to remark-parse", () => {
    for (const t of REFUSED)
      expect(`${JSON.stringify(t)}: ${fastMarkdown(t) === null}`).toBe(`${JSON.stringify(t)}: true`);
  });

  test("30,000 random strings of the characters that matter: every one read is read as remark-parse does", () => {
    let seed = 99;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      seed >>>= 0;
      return seed % n;
    };
    const atoms = [
      ..."ab *_`[]()!.,:'#-é中😀—3".split(""),
      "  \n",
      " \n",
      "\n",
      "\n\n",
      "**",
      "``",
      "word",
      "x_y",
      "](x)",
      "[a](b)",
      "- ",
      "* ",
      "+ ",
      "1. ",
      "2. ",
      "1) ",
      "# ",
      "## ",
      "\n- ",
      "\n1. ",
      "   ",
    ];
    let read = 0;
    for (let i = 0; i < 30_000; i++) {
      let t = "";
      for (let j = 1 + rand(14); j > 0; j--) t += atoms[rand(atoms.length)];
      if (readsAsRemark(t)) read++;
    }
    // so that the check above is not empty: about 8% of these strings are plain enough
    expect(read).toBeGreaterThan(1000);
  }, 120_000);

  test("random plain documents read as remark-parse does and render as through the HTML parser", () => {
    let seed = 5;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const words = ["alpha", "beta", "gamma", "x_y", "50%", "(note)", "'q'", "é", "中文", "2 * 3", "a-b", "#1"];
    const phrase = (): string => {
      const w = words[rand(words.length)]!;
      switch (rand(6)) {
        case 0:
          return `*${w}*`;
        case 1:
          return `**${w}**`;
        case 2:
          return `\`${w}\``;
        case 3:
          return `[${w}](https://example.com/${rand(100)})`;
        default:
          return w;
      }
    };
    const sentence = () => {
      const parts = Array.from({ length: 1 + rand(6) }, phrase);
      return `${"Word"} ${parts.join(rand(4) === 0 ? ", " : " ")}.`;
    };
    const block = (): string => {
      switch (rand(6)) {
        case 0:
          return `${"#".repeat(1 + rand(6))} ${sentence()}`;
        case 1:
          return Array.from({ length: 1 + rand(4) }, () => `- ${sentence()}`).join("\n");
        case 2:
          return Array.from({ length: 1 + rand(4) }, (_, i) => `${i + 1}. ${sentence()}`).join("\n");
        default:
          return Array.from({ length: 1 + rand(4) }, sentence).join(rand(3) === 0 ? "  \n" : "\n");
      }
    };
    let read = 0;
    const docs = 400;
    for (let i = 0; i < docs; i++) {
      const t = Array.from({ length: 1 + rand(8) }, block).join("\n\n");
      if (!readsAsRemark(t)) continue;
      read++;
      const { render, viaHtml } = parseBothWays(t, false);
      expect(toHtml(render)).toBe(toHtml(viaHtml));
    }
    expect(read).toBe(docs);
  }, 120_000);

  test.skipIf(!corpusPresent)("every Markdown block of the corpus it reads is read as remark-parse does", () => {
    let blocks = 0;
    let read = 0;
    for (const f of readdirSync(join(corpusDir, "inputs")).filter((f) => f.endsWith(".pymd"))) {
      for (const b of parsePymd(readFileSync(join(corpusDir, "inputs", f), "utf8")).blocks) {
        if (b.kind !== "markdown") continue;
        blocks++;
        if (readsAsRemark(b.text)) read++;
      }
    }
    expect(blocks).toBeGreaterThan(50);
    expect(read).toBeGreaterThan(0);
  });
});

if (!corpusPresent)
  console.warn(`fast-markdown.test.ts: the PyMD corpus is absent (${corpusDir}); its check is skipped`);
