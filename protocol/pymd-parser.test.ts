import { describe, expect, test } from "bun:test";
import { parsePymd, type PymdBlock, type PymdCodeBlock } from "./pymd-parser.ts";
import { executableBlocks } from "./pymd-run-blocks.ts";

const kinds = (blocks: PymdBlock[]) => blocks.map((b) => b.kind);
const code = (b: PymdBlock | undefined): PymdCodeBlock => {
  if (!b || (b.kind !== "code" && b.kind !== "display-code")) throw new Error(`not a code block: ${b?.kind}`);
  return b;
};
/** The mechanics of lines and blocks, without the legacy heading rule (see "heading modes"). */
const MD = { headingMode: "markdown" } as const;

describe("markdown lines", () => {
  test("drops the hash and one space, and joins consecutive lines into one block", () => {
    const { blocks, problems } = parsePymd("# ## Title\n# first line\n# second line\n#\n#   indented\n");
    expect(problems).toEqual([]);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({
      kind: "markdown",
      text: "## Title\nfirst line\nsecond line\n\n  indented",
      startLine: 1,
      endLine: 5,
    });
  });

  test("`#x` without a space keeps everything after the hash", () => {
    expect(parsePymd("#Heading\n", MD).blocks[0]).toMatchObject({ text: "Heading" });
    expect(parsePymd("## Title\n").blocks[0]).toMatchObject({ text: "# Title" });
  });

  test("blank lines separate paragraphs inside one run but are not kept at its edges", () => {
    const { blocks } = parsePymd("\n# a\n\n\n# b\n\n");
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ text: "a\n\n\nb", startLine: 2, endLine: 5 });
  });

  test("a bare `import pymd` is ignored and does not split the run", () => {
    const { blocks } = parsePymd("import pymd\n# a\nimport pymd\n# b\n", MD);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ text: "a\nb" });
  });

  test("plain lines outside fences are legacy Markdown, kept as written", () => {
    const { blocks } = parsePymd("Some *plain* text\n- item\n");
    expect(blocks).toEqual([
      { kind: "markdown", text: "Some *plain* text\n- item", startLine: 1, endLine: 2, startOffset: 0, endOffset: 24 },
    ]);
  });

  test("CRLF line ends are dropped", () => {
    const { blocks } = parsePymd("# a\r\n# b\r\n", MD);
    expect(blocks[0]).toMatchObject({ text: "a\nb", endOffset: 8 });
  });
});

describe("comments", () => {
  test("`//` and `# //` lines are comment blocks; `#//` is Markdown", () => {
    const { blocks } = parsePymd("# a\n// one\n# // two\n# b\n#// not a comment\n", MD);
    expect(kinds(blocks)).toEqual(["markdown", "comment", "markdown"]);
    expect(blocks[1]).toMatchObject({ text: "// one\n# // two", startLine: 2, endLine: 3 });
    expect(blocks[2]).toMatchObject({ text: "b\n// not a comment" });
  });

  test("`//` inside code is code", () => {
    const { blocks } = parsePymd("# ```\nx = 7 // 2\n// odd\n# ```\n");
    expect(code(blocks[0]).code).toBe("x = 7 // 2\n// odd");
  });
});

describe("fences", () => {
  test("prefixed fence: executed, positions, first code line", () => {
    const src = "# Intro\n# ```\nprint(1)\n  # a comment\n# ```\n# after\n";
    const { blocks, problems } = parsePymd(src);
    expect(problems).toEqual([]);
    expect(kinds(blocks)).toEqual(["markdown", "code", "markdown"]);
    const c = code(blocks[1]);
    expect(c).toMatchObject({
      code: "print(1)\n  # a comment",
      codeLine: 3,
      startLine: 2,
      endLine: 5,
      prefix: "#",
      closed: true,
      lang: "python",
      info: "",
    });
    expect(src.slice(c.startOffset, c.endOffset)).toBe("# ```\nprint(1)\n  # a comment\n# ```");
  });

  test("bare fences and `#```` without space", () => {
    const { blocks } = parsePymd("```\na = 1\n```\n#```\nb = 2\n#```\n");
    expect(kinds(blocks)).toEqual(["code", "code"]);
    expect(code(blocks[0]).prefix).toBe("");
    expect(code(blocks[1])).toMatchObject({ prefix: "#", code: "b = 2" });
  });

  test("a fence closes only on its own marker style", () => {
    const { blocks } = parsePymd("```\na = 1\n# ```\nb = 2\n```\n# ```\n```\n# ```\n");
    expect(code(blocks[0]).code).toBe("a = 1\n# ```\nb = 2");
    expect(code(blocks[1]).code).toBe("```");
  });

  test("info strings: python runs, other languages and four backticks are display-only", () => {
    const { blocks } = parsePymd(
      "# ```python\n1\n# ```\n# ```py title\n2\n# ```\n# ```js\n3\n# ```\n# ````\n4\n# ````\n````text\n5\n````\n",
    );
    expect(blocks.map((b) => [b.kind, code(b).lang])).toEqual([
      ["code", "python"],
      ["code", "py"],
      ["display-code", "js"],
      ["display-code", "python"],
      ["display-code", "text"],
    ]);
    expect(code(blocks[1]).info).toBe("py title");
  });

  test("a closing fence with an info string does not close", () => {
    const { blocks, problems } = parsePymd("# ```\na\n# ```python\nb\n# ```\n");
    expect(code(blocks[0]).code).toBe("a\n# ```python\nb");
    expect(problems).toEqual([]);
  });

  test("three backticks do not close four, and five backticks are not a fence", () => {
    const { blocks } = parsePymd("# ````\nx\n# ```\n# ````\n# `````\n");
    expect(code(blocks[0]).code).toBe("x\n# ```");
    expect(blocks[1]).toMatchObject({ kind: "markdown", text: "`````" });
  });

  test("inline code spans on a Markdown line are not fences", () => {
    expect(parsePymd("# ```x``` is inline\n").blocks[0]).toMatchObject({ kind: "markdown" });
  });

  test("indented fences are recognised and the body keeps its indentation", () => {
    const { blocks } = parsePymd("    # ```\n    print(1)\n    # ```\n");
    expect(code(blocks[0]).code).toBe("    print(1)");
  });

  test("an empty block is kept in the parse but is not executed", () => {
    const parsed = parsePymd("# ```\n# ```\n# ```\nx = 1\n# ```\n");
    expect(kinds(parsed.blocks)).toEqual(["code", "code"]);
    expect(executableBlocks(parsed)).toEqual([{ id: 1, code: "x = 1", line: 4 }]);
  });

  test("an unclosed fence is a problem, runs to the end and is still a block", () => {
    const { blocks, problems } = parsePymd("# a\n# ```\nx = 1\n# not closed\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(2);
    expect(problems[0]?.message).toContain("never closed");
    expect(code(blocks[1])).toMatchObject({ code: "x = 1\n# not closed", closed: false, startLine: 2, endLine: 4 });
  });

  test("an unclosed fence on the last line has an empty body", () => {
    const { blocks, problems } = parsePymd("# ```");
    expect(problems).toHaveLength(1);
    expect(code(blocks[0])).toMatchObject({ code: "", closed: false, startLine: 1, endLine: 1, codeLine: 2 });
  });

  test("code inside a fence keeps CR-free lines and blank lines", () => {
    const { blocks } = parsePymd("# ```\r\na = 1\r\n\r\nb = 2\r\n# ```\r\n");
    expect(code(blocks[0]).code).toBe("a = 1\n\nb = 2");
  });
});

describe("run blocks", () => {
  test("ids are indices into blocks; display blocks are not run", () => {
    const parsed = parsePymd("# t\n# ```\na = 1\n# ```\n# ````\nb\n# ````\n# mid\n```\nprint(a)\n```\n");
    expect(executableBlocks(parsed)).toEqual([
      { id: 1, code: "a = 1", line: 3 },
      { id: 4, code: "print(a)", line: 10 },
    ]);
  });
});

describe("offsets", () => {
  test("every block's span slices back to its source lines", () => {
    const src = "import pymd\n# # T\n// c\n# ```\nx\n# ```\ntext\n````\ny\n````\n";
    const { blocks } = parsePymd(src);
    const lines = src.split("\n");
    for (const b of blocks) {
      expect(src.slice(b.startOffset, b.endOffset)).toBe(lines.slice(b.startLine - 1, b.endLine).join("\n"));
    }
  });

  test("empty source", () => {
    expect(parsePymd("")).toEqual({ blocks: [], problems: [], headingMode: "legacy" });
  });
});

describe("heading modes", () => {
  const texts = (src: string) => parsePymd(src).blocks.flatMap((b) => (b.kind === "markdown" ? [b.text] : []));

  test("a document with an explicit heading is plain CommonMark: no guessing, lines join", () => {
    const p = parsePymd("# # Title\n# Results\n# more text\n");
    expect(p.headingMode).toBe("markdown");
    expect(texts("# # Title\n# Results\n# more text\n")).toEqual(["# Title\nResults\nmore text"]);
  });

  test("without one, the original's heading guess applies and each text line is a paragraph", () => {
    const src = "# Header\n// a comment\n# This is text.\n# Results 2024\n# a lowercase line\n# - item\n# | a | b |\n";
    expect(parsePymd(src).headingMode).toBe("legacy");
    expect(texts(src)).toEqual(["# Header", "This is text.\n\n# Results 2024\n\na lowercase line\n- item\n| a | b |"]);
    // more than eight words, a question, a sentence: not headings
    expect(texts("# one two three four five six seven eight nine\n# Why?\n# Done!\n")).toEqual([
      "one two three four five six seven eight nine\n\nWhy?\n\nDone!",
    ]);
  });

  test("plain (unprefixed) text lines are a paragraph each in either mode; tables and lists stay whole", () => {
    expect(texts("# # T\nThis is a paragraph.\nThis is another.\n| a | b |\n|---|---|\n| 1 | 2 |\n- x\n- y\n")).toEqual(
      ["# T\nThis is a paragraph.\n\nThis is another.\n| a | b |\n|---|---|\n| 1 | 2 |\n- x\n- y"],
    );
  });
});
