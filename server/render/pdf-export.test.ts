// The PDF export, read back with poppler's tools: every heading, paragraph, cell, output line and
// formula of a document run in a real jail appears as text in order; headings are the PDF's
// outline; plots and workspace images are images; A4 and Letter are their sizes; the page count
// grows with the content; hostile Markdown and outputs give a PDF with nothing that runs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { PAYLOADS } from "../testing/xss-payloads.ts";
import { renderPdf } from "./render-pdf.ts";
import { typstMath } from "./typst-from-html.ts";

const MAIN = join(import.meta.dir, "..", "main.ts");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pymd-pdf-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tool = (args: string[]) => {
  const r = Bun.spawnSync(args, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0)
    throw new Error(
      `${args[0]} failed (${r.exitCode}): ${r.stderr.toString()} — install poppler-utils (npm test's setup does)`,
    );
  return r.stdout.toString();
};
const save = (name: string, pdf: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, pdf);
  return p;
};
/** The PDF's text as one line: math letters (𝑥) read as plain ones, white space as single spaces. */
const textOf = (path: string) => tool(["pdftotext", "-enc", "UTF-8", path, "-"]).normalize("NFKC").replace(/\s+/g, " ");
const info = (path: string) => tool(["pdfinfo", path]);

/** Fails with the first piece not found after the one before it. */
function expectInOrder(text: string, pieces: string[]): void {
  let at = 0;
  for (const p of pieces) {
    const i = text.indexOf(p, at);
    expect({ piece: p, found: i >= 0, after: text.slice(Math.max(0, at - 40), at) }).toMatchObject({
      piece: p,
      found: true,
    });
    at = i + p.length;
  }
}

const DOCUMENT = [
  "# # Quarterly report",
  "# An *introduction* with **strong words**, `inline code` and [a link](https://example.com/report).",
  "#",
  "# ## Method",
  "# - first point",
  "# - second point",
  "#   1. a nested step",
  "#",
  "# | Region | Sales |",
  "# | ------ | ----- |",
  "# | North  | 120   |",
  "# | South  | 95    |",
  "#",
  "# Energy is $E = mc^2$ and the sum is",
  "# $$",
  "# \\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}",
  "# $$",
  "# ### Results",
  "# ```",
  "import sys",
  "import matplotlib",
  "matplotlib.use('Agg')",
  "import matplotlib.pyplot as plt",
  "print('Total **sales**: 215')",
  "print('a warning line', file=sys.stderr)",
  "fig = plt.figure(figsize=(4, 3)); plt.plot([1, 3, 2]); plt.savefig('chart.png'); plt.show()",
  "# ```",
  "# ![the chart](chart.png)",
  "# ```",
  "raise ValueError('the last cell fails')",
  "# ```",
  "# The end of the report.",
  "",
].join("\n");

describe("PDF export", () => {
  test("a document run in the jail: its text in order, headings as the outline, images, A4", () => {
    writeFileSync(join(dir, "report.pymd"), DOCUMENT);
    const out = join(dir, "report.pdf");
    const r = Bun.spawnSync(
      [process.execPath, MAIN, "render", join(dir, "report.pymd"), "--workspace", dir, "-o", out],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect({ code: r.exitCode, stderr: r.stderr.toString() }).toMatchObject({ code: 0 });
    expect(readFileSync(out).subarray(0, 5).toString()).toBe("%PDF-");
    const text = textOf(out);
    expectInOrder(text, [
      "report",
      "Quarterly report",
      "An introduction with strong words, inline code and a link.",
      "Method",
      "first point",
      "second point",
      "a nested step",
      "Region",
      "Sales",
      "North",
      "120",
      "South",
      "95",
      "Energy is E = mc2 and the sum is",
      "Results",
      "print('Total **sales**: 215')",
      "Total sales: 215",
      "a warning line",
      "raise ValueError('the last cell fails')",
      "ValueError: the last cell fails",
      "The end of the report.",
    ]);
    // the display formula: its symbols and numbers, as text
    expectInOrder(text, ["Energy is", "∑", "n(n + 1)", "Results"]);
    const meta = info(out);
    expect(meta).toMatch(/Title:\s+report/);
    expect(meta).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    // the headings are the outline (bookmarks), in order
    const outline = tool(["pdftohtml", "-xml", "-stdout", "-i", "-q", out]);
    const items = [...outline.matchAll(/<item page="\d+">([^<]*)<\/item>/g)].map((m) => m[1]);
    expect(items).toEqual(["Quarterly report", "Method", "Results"]);
    // the plot the cell showed and the workspace image the Markdown references
    const images = tool(["pdfimages", "-list", out])
      .split("\n")
      .filter((l) => /^\s*\d+\s+\d+\s+image\s/.test(l));
    expect(images.length).toBe(2);
    // the link stays a link
    expect(readFileSync(out).toString("latin1")).toContain("/URI (https://example.com/report)");
  }, 90_000);

  test("A4 and US Letter are their sizes; the pages grow with the content and are numbered", async () => {
    const short = "# # Short\n# One paragraph.\n";
    const a4 = save("a4.pdf", await renderPdf(short, undefined, { title: "Short", paper: "a4" }));
    const letter = save("letter.pdf", await renderPdf(short, undefined, { title: "Short", paper: "us-letter" }));
    expect(info(a4)).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    expect(info(letter)).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
    const pages = (p: string) => Number(/Pages:\s+(\d+)/.exec(info(p))![1]);
    expect(pages(a4)).toBe(1);
    const long = `# # Long\n${Array.from({ length: 300 }, (_, i) => `# Paragraph number ${i + 1} of a long document, with enough words to fill a line or two of the page.\n#`).join("\n")}\n`;
    const longPdf = save("long.pdf", await renderPdf(long, undefined, { title: "Long", paper: "a4" }));
    expect(pages(longPdf)).toBeGreaterThan(5);
    const text = textOf(longPdf);
    expectInOrder(text, ["Paragraph number 1 ", "Paragraph number 150 ", "Paragraph number 300 "]);
    // page numbers at the foot of each page
    expect(tool(["pdftotext", "-f", "3", "-l", "3", longPdf, "-"]).trim()).toMatch(/\n3$/);
  });

  test("hostile Markdown, outputs and title give a PDF with nothing that runs and only web links", async () => {
    const source = `# # Hostile\n${PAYLOADS.map((p) => `# ${p.replace(/\n/g, " ")}\n#`).join("\n")}\n# ${'$\\href{javascript:alert(1)}{x}$ $#read("/etc/passwd")$ $\\text{\\"}#eval("1")$'}\n# \`\`\`\nprint('x')\n# \`\`\`\n`;
    const { parsePymd } = await import("../../protocol/pymd-parser.ts");
    const code = parsePymd(source).blocks.findIndex((b) => b.kind === "code");
    const hostileOutputs: BlockResult = {
      block: code,
      status: "error",
      durationMs: 1,
      outputs: [
        { kind: "stdout", text: PAYLOADS.join("\n") + "\n" },
        { kind: "display", mime: "text/html", data: PAYLOADS.join("") },
        {
          kind: "display",
          mime: "text/markdown",
          data: '[x](javascript:alert(1)) #set page(paper: "a0") #read("/etc/passwd")',
        },
        { kind: "display", mime: "image/png", data: "bm90IGFuIGltYWdl" },
        { kind: "stderr", text: '")#read("/etc/passwd")\n' },
        { kind: "error", name: "E", value: "v", traceback: '"]; #eval("1")', line: 1 },
      ],
    };
    const path = save(
      "hostile.pdf",
      await renderPdf(source, new Map([[code, hostileOutputs]]), { title: '"#eval("1")', paper: "a4" }),
    );
    const raw = readFileSync(path).toString("latin1");
    for (const bad of [
      "/JavaScript",
      "/JS ",
      "/JS(",
      "/Launch",
      "/OpenAction",
      "/AA ",
      "/AA<",
      "/EmbeddedFile",
      "/SubmitForm",
      "/ImportData",
      "/RichMedia",
    ])
      expect({ bad, found: raw.includes(bad) }).toEqual({ bad, found: false });
    for (const m of raw.matchAll(/\/URI \(([^)]*)\)/g)) expect(m[1]).toMatch(/^(https?:|mailto:)/);
    // the hostile text is there as text, not as what it tried to do
    const text = textOf(path);
    expect(text).toContain('#read("/etc/passwd")');
    expect(text).toContain("Hostile");
    expect(info(path)).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
  });

  test("a formula becomes Typst math only when the conversion holds no code", () => {
    expect(typstMath("E = mc^2")).toBe("E = m c^2");
    expect(typstMath("\\frac{a}{b}")).toBe("a/b");
    // a name inside a string is text, not a call
    expect(typstMath("\\operatorname{eval}(x)")).toBe('op("eval")(x)');
    for (const tex of ['\\text{"}#read("x")', "a \\$ b", "\\frac{1}{"])
      expect({ tex, math: typstMath(tex) }).toEqual({ tex, math: null });
  });
});
