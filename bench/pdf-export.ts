// Benchmark: the PDF export. The corpus's largest documents through the compiled binary
// (`pymd render --no-exec -o X.pdf`, a fresh process each time: the first PDF of a server) and
// in this process (first and warm); a document of 5,000 lines and 50 plots (target: ≤ 10 s);
// and what the Typst compiler adds to the executable.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlockResult } from "../protocol/run-frames.ts";
import { parsePymd } from "../protocol/pymd-parser.ts";
import { renderPdf } from "../server/render/render-pdf.ts";
import { BINARY, ROOT, fmt, requireBinary, verdict } from "./bench-kit.ts";

requireBinary();
const out = mkdtempSync(join(tmpdir(), "pymd-bench-pdf-"));
const pages = (pdf: Uint8Array) =>
  (
    Buffer.from(pdf)
      .toString("latin1")
      .match(/\/Type \/Page\b/g) ?? []
  ).length;
try {
  const corpus = join(ROOT, "..", "shared", "pymd-corpus", "inputs");
  if (existsSync(corpus)) {
    const largest = readdirSync(corpus)
      .filter((f) => f.endsWith(".pymd"))
      .map((f) => ({ f, size: statSync(join(corpus, f)).size }))
      .sort((a, b) => b.size - a.size)
      .slice(0, 3);
    for (const { f, size } of largest) {
      const cli: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const r = Bun.spawnSync(
          [BINARY, "render", join(corpus, f), "--no-exec", "-o", join(out, `${f}.pdf`), "--quiet"],
          {
            stdout: "ignore",
            stderr: "pipe",
          },
        );
        if (r.exitCode !== 0) throw new Error(`${f}: ${r.stderr.toString()}`);
        cli.push(performance.now() - t0);
      }
      const source = readFileSync(join(corpus, f), "utf8");
      const t0 = performance.now();
      const pdf = await renderPdf(source, undefined, { title: f, paper: "a4" });
      const first = performance.now() - t0;
      const warm: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t1 = performance.now();
        await renderPdf(source + `\n# run ${i}\n`, undefined, { title: f, paper: "a4" });
        warm.push(performance.now() - t1);
      }
      warm.sort((a, b) => a - b);
      console.log(
        `${f} (${(size / 1024).toFixed(1)} KB, ${pages(pdf)} pages): whole command ${fmt(Math.min(...cli))} (best of 3, a fresh process); in a server: first ${fmt(first)}, warm median ${fmt(warm[2]!)}`,
      );
    }
  } else console.log(`the corpus is absent (${corpus}): its documents are skipped`);

  // 5,000 lines of Markdown with 50 plotted cells, each plot a different real matplotlib PNG
  const py = Bun.spawnSync([
    existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
    "-c",
    `import matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt\nfor n in range(50):\n    plt.figure(figsize=(6.4, 4.8)); plt.plot(range(50), [i * (i + n) for i in range(50)]); plt.title("Plot %d" % n); plt.savefig(${JSON.stringify(out)} + "/plot-%d.png" % n); plt.close("all")`,
  ]);
  if (py.exitCode !== 0) throw new Error(`matplotlib: ${py.stderr.toString()}`);
  const plots = Array.from({ length: 50 }, (_, n) => readFileSync(join(out, `plot-${n}.png`)).toString("base64"));
  const lines: string[] = ["# # A long report"];
  for (let cell = 0; cell < 50; cell++) {
    lines.push(`# ## Section ${cell + 1}`);
    for (let i = 0; i < 96; i++)
      lines.push(`# Line ${cell * 96 + i + 1}: some *prose* with a formula $x_${i}^2$ and \`code\` to lay out.`);
    lines.push("# ```", `plot(${cell})`, "# ```");
  }
  const source = lines.join("\n") + "\n";
  const blocks = parsePymd(source).blocks;
  const results = new Map<number, BlockResult>();
  blocks.forEach((b, i) => {
    if (b.kind === "code")
      results.set(i, {
        block: i,
        status: "ok",
        durationMs: 1,
        outputs: [
          { kind: "stdout", text: `cell ${i}\n` },
          { kind: "display", mime: "image/png", data: plots[results.size % 50]! },
        ],
      });
  });
  const t0 = performance.now();
  const pdf = await renderPdf(source, results, { title: "A long report", paper: "a4" });
  const ms = performance.now() - t0;
  writeFileSync(join(out, "long.pdf"), pdf);
  console.log(
    `${source.split("\n").length.toLocaleString("en")} lines and ${results.size} plots: ${fmt(ms)}, ${pages(pdf)} pages, ${(pdf.length / 1e6).toFixed(1)} MB — target ≤ 10 s: ${verdict(ms <= 10_000)}`,
  );

  const addonDir = join(ROOT, "node_modules", "@myriaddreamin");
  const pkg = readdirSync(addonDir).find((n) => n.startsWith("typst-ts-node-compiler-"));
  const addon = pkg ? readdirSync(join(addonDir, pkg)).find((n) => n.endsWith(".node")) : undefined;
  const packed = join(ROOT, "dist", "typst-addon.node.zst");
  const mb = (p: string) => (existsSync(p) ? (statSync(p).size / 1e6).toFixed(1) : "?");
  console.log(
    `executable: ${mb(BINARY)} MB, holding the Typst compiler addon (${addon ? mb(join(addonDir, pkg!, addon)) : "?"} MB) zstd-compressed to ${mb(packed)} MB`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(0);
