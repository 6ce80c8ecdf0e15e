// Conformance of our renders with the original PyMD renderer on the shared corpus: the content that
// matters (headings, text, table cells, image count, error names) must match, or the difference
// must be listed with its reason in conformance-differences.json.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Element, Root, RootContent } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import { parsePymd } from "../../protocol/pymd-parser.ts";
import { executableBlocks } from "../../protocol/pymd-run-blocks.ts";
import { collectResults, type RunBlock, type RunEvent } from "../../protocol/run-frames.ts";
import { renderFragment } from "./render-fragment.ts";
import differencesJson from "./conformance-differences.json";

const repoRoot = join(import.meta.dir, "..", "..");
const corpus = join(repoRoot, "..", "shared", "pymd-corpus");
const CHECKS = ["headings", "text", "tables", "images", "errors"] as const;
type Check = (typeof CHECKS)[number];
type Listed = Record<string, Partial<Record<Check, string>>>;
/** `intended`: quirks we fix or environment limits, by design. `knownBugs`: real defects elsewhere, tracked, not hidden. */
const { intended: intendedDiffs, knownBugs } = differencesJson as unknown as { intended: Listed; knownBugs: Listed };

type Runner = { name: string; run: (blocks: RunBlock[]) => Promise<RunEvent[]> };

/**
 * The real sandbox (sandbox/index.ts), loaded only if it exists, with the server's default limits
 * (so the corpus renders as it does for a user); only the wall clock is longer, for a loaded machine.
 */
async function pickRunner(): Promise<Runner | null> {
  const sandboxEntry = join(repoRoot, "sandbox", "index.ts");
  if (!existsSync(sandboxEntry)) return null;
  type Sandbox = { backend: string; run: (b: RunBlock[], onEvent?: (e: RunEvent) => void) => Promise<RunEvent[]> };
  const mod = (await import(sandboxEntry)) as { createSandbox: (o: { backend: "auto"; limits?: Record<string, number> }) => Promise<Sandbox> };
  const sandbox = await mod.createSandbox({ backend: "auto", limits: { wallTimeMs: 60_000 } });
  return { name: `sandbox/index.ts (backend ${sandbox.backend})`, run: (blocks) => sandbox.run(blocks) };
}

/** Whitespace-collapsed text without inline-code and emphasis markers, which the original left literal. */
const norm = (s: string): string => s.replace(/[`*]/g, "").replace(/\s+/g, " ").trim();

function walk(node: Root | Element, visit: (e: Element) => boolean | void): void {
  for (const child of node.children as RootContent[]) {
    if (child.type !== "element") continue;
    if (visit(child) === false) continue;
    walk(child, visit);
  }
}

const hasClass = (e: Element, c: string): boolean => Array.isArray(e.properties.className) && e.properties.className.includes(c);

interface Content {
  headings: string[];
  texts: string[];
  allText: string;
  cells: string[];
  images: number;
  errors: string[];
}

/** The error class named on the last "Name: value" line of a traceback. */
function errorName(traceback: string): string {
  const lines = traceback.trim().split("\n").reverse();
  for (const l of lines) {
    const m = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration))\b/.exec(l.trim());
    if (m) return m[1]!.split(".").pop()!;
  }
  return "?";
}

function extract(html: string, ours: boolean): Content {
  const tree = fromHtml(html);
  const c: Content = { headings: [], texts: [], allText: "", cells: [], images: 0, errors: [] };
  walk(tree, (e) => {
    if (/^h[1-6]$/.test(e.tagName)) c.headings.push(norm(toText(e)));
    if (e.tagName === "p" || e.tagName === "li") c.texts.push(norm(toText(e)));
    if (e.tagName === "td" || e.tagName === "th") c.cells.push(norm(toText(e)));
    if (ours ? hasClass(e, "pymd-error") : e.tagName === "pre" && hasClass(e, "error")) c.errors.push(errorName(toText(e)));
    if (e.tagName === "img") {
      const src = String(e.properties.src ?? "");
      if (ours ? src.startsWith("data:image/") : true) c.images++;
    }
    if (e.tagName === "script" || e.tagName === "style") return false;
  });
  // The original's `<pre class="error">` is not Markdown text; ours keeps code listings out of the text pool too.
  const body = ours ? tree : tree;
  const texts: string[] = [];
  walk(body, (e) => {
    if (e.tagName === "script" || e.tagName === "style") return false;
    if (!ours && e.tagName === "pre") return false;
    if (/^(h[1-6]|p|li|td|th|pre|div|figure)$/.test(e.tagName) && !e.children.some((ch) => ch.type === "element" && /^(p|div|ul|ol|table|pre|h[1-6])$/.test(ch.tagName))) {
      texts.push(norm(toText(e)));
      return false;
    }
  });
  c.allText = texts.join(" \u2029 ");
  if (!ours) c.headings = c.headings.filter((h) => h !== "");
  return c;
}

function compare(ref: Content, ours: Content): Record<Check, string | null> {
  const missing = (want: string[], have: (s: string) => boolean) => want.filter((w) => w !== "" && !have(w));
  const oursHeadings = new Set(ours.headings);
  const refHeadings = new Set(ref.headings);
  const hMissing = missing([...refHeadings], (h) => oursHeadings.has(h));
  const hExtra = [...oursHeadings].filter((h) => !refHeadings.has(h));
  const tMissing = missing([...new Set([...ref.texts, ...ref.headings])], (t) => ours.allText.includes(t));
  const oursCells = new Set(ours.cells);
  const cMissing = missing([...new Set(ref.cells)], (t) => oursCells.has(t));
  return {
    headings: hMissing.length || hExtra.length ? `missing ${JSON.stringify(hMissing.slice(0, 4))} extra ${JSON.stringify(hExtra.slice(0, 4))}` : null,
    text: tMissing.length ? `missing ${tMissing.length}: ${JSON.stringify(tMissing.slice(0, 4))}` : null,
    tables: cMissing.length ? `missing ${cMissing.length} cells: ${JSON.stringify(cMissing.slice(0, 6))}` : null,
    images: ref.images !== ours.images ? `reference ${ref.images}, ours ${ours.images}` : null,
    errors: ref.errors.join(",") !== ours.errors.join(",") ? `reference [${ref.errors}], ours [${ours.errors}]` : null,
  };
}

const corpusPresent = existsSync(join(corpus, "inputs"));
if (!corpusPresent) console.log(`conformance: SKIPPED, the PyMD corpus is absent (looked in ${corpus})`);

describe.skipIf(!corpusPresent)("conformance with the original renderer on the corpus", () => {
  test(
    "every check matches or is a listed intended difference",
    async () => {
      const runner = await pickRunner();
      if (!runner) {
        console.log("conformance: SKIPPED, sandbox/index.ts does not exist, so documents cannot be executed");
        return;
      }
      console.log(`conformance: executing with ${runner.name}`);
      const inputs = readdirSync(join(corpus, "inputs")).filter((f) => f.endsWith(".pymd")).sort();
      const rows: string[] = [];
      const failing: string[] = [];
      const stale: string[] = [];
      let matching = 0;
      let intended = 0;
      let bugs = 0;
      // Documents run four at a time; each run is its own jail.
      const rendered = new Map<string, Promise<string>>();
      const queue = [...inputs];
      const worker = async () => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          const source = readFileSync(join(corpus, "inputs", file), "utf8");
          const job = runner.run(executableBlocks(parsePymd(source))).then((events) => renderFragment(source, collectResults(events)));
          rendered.set(file, job);
          await job;
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      for (const file of inputs) {
        const name = file.replace(/\.pymd$/, "");
        const refPath = join(corpus, "reference", `${name}.html`);
        const listed = intendedDiffs[file] ?? {};
        const bug = knownBugs[file] ?? {};
        if (!existsSync(refPath)) {
          // probe-sysexit: the original writes nothing, so there is nothing to compare.
          if (Object.keys(listed).length === 0) failing.push(`${file}: no reference render and no listed reason`);
          intended += CHECKS.length;
          rows.push(`${file.padEnd(60)} no reference (listed)`);
          continue;
        }
        const ours = extract(await rendered.get(file)!, true);
        const ref = extract(readFileSync(refPath, "utf8"), false);
        const outcome = compare(ref, ours);
        const marks: string[] = [];
        for (const check of CHECKS) {
          const diff = outcome[check];
          if (diff === null) {
            matching++;
            marks.push(`${check}:ok`);
            if (listed[check] || bug[check]) stale.push(`${file} ${check}: listed as a difference but matched in this run`);
          } else if (listed[check]) {
            intended++;
            marks.push(`${check}:intended`);
            if (process.env.PYMD_CONFORMANCE_VERBOSE) console.log(`intended, ${file} ${check}: ${diff}`);
          } else if (bug[check]) {
            bugs++;
            marks.push(`${check}:KNOWN-BUG`);
            console.log(`known bug, ${file} ${check}: ${bug[check]} (${diff})`);
          } else {
            failing.push(`${file} ${check}: ${diff}`);
            marks.push(`${check}:FAIL`);
          }
        }
        rows.push(`${file.padEnd(60)} ${marks.join(" ")}`);
      }
      console.log(rows.join("\n"));
      console.log(`\nconformance over ${inputs.length} documents x ${CHECKS.length} checks: matching ${matching}, intended differences ${intended}, known bugs ${bugs}, failing ${failing.length}`);
      if (stale.length) console.log(`listed differences that no longer occur (remove them from conformance-differences.json):\n  ${stale.join("\n  ")}`);
      if (failing.length) console.log(`failing:\n  ${failing.join("\n  ")}`);
      expect(failing).toEqual([]);
      // a listed difference that no longer occurs is a stale claim about the renderer
      expect(stale).toEqual([]);
    },
    600_000,
  );
});
