// Conformance of our renders with the original PyMD renderer on the shared corpus, element by
// element: every heading (with its level), every paragraph and list item, every table cell, the
// number of images and the error names must match the reference render, or the exact difference
// must be listed in conformance-differences.json with its reason. A listed difference that no
// longer occurs, or occurs with other values, fails the test.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Element, Root, RootContent } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import { corpusDir as corpus, corpusPresent, runCorpus } from "./corpus-testing.ts";
import { renderFragment } from "./render-fragment.ts";
import differencesJson from "./conformance-differences.json";

const CHECKS = ["headings", "text", "tables", "images", "errors"] as const;
type Check = (typeof CHECKS)[number];

/** A listed difference: the exact values observed, each string either literal or `re:<regex>` for non-deterministic content. */
interface ListedDiff {
  reason: string;
  missing?: string[];
  extra?: string[];
  reference?: number | string[];
  ours?: number | string[];
}
type Listed = Record<string, Partial<Record<Check, ListedDiff>> & { noReference?: string }>;
const listedDiffs = (differencesJson as unknown as { documents: Listed }).documents;

/**
 * An element's text as a browser lays it out (hast-util-to-text implements innerText: whitespace
 * collapsed where HTML collapses it, `<br>` a newline), trimmed.
 */
const textOf = (e: Element): string => toText(e).trim();
/**
 * The original printed Markdown inline markers literally (quirk 7: no inline Markdown at all) where
 * we render them, so text on both sides is compared without backticks, `**` and `__`; a single `*`
 * or `_` is kept (it is usually a product or a name, not emphasis).
 */
const withoutInlineMarkers = (s: string): string => s.replace(/`|\*\*|__/g, "");

const hasClass = (e: Element, c: string): boolean =>
  Array.isArray(e.properties.className) && e.properties.className.includes(c);

interface Content {
  headings: string[];
  text: string[];
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

/** A list item's own text, without the lists nested in it. */
function itemText(li: Element): string {
  const own: Element = {
    ...li,
    children: li.children.filter((c) => !(c.type === "element" && (c.tagName === "ul" || c.tagName === "ol"))),
  };
  return textOf(own);
}

function extract(html: string, ours: boolean): Content {
  const tree = fromHtml(html);
  const c: Content = { headings: [], text: [], cells: [], images: 0, errors: [] };
  const norm = withoutInlineMarkers;
  const visit = (node: Root | Element): void => {
    for (const child of node.children as RootContent[]) {
      if (child.type !== "element") continue;
      const e = child;
      if (e.tagName === "script" || e.tagName === "style" || e.tagName === "head") continue;
      if (/^h[1-6]$/.test(e.tagName)) {
        const t = norm(textOf(e));
        if (t !== "") c.headings.push(`${e.tagName} ${t}`);
        continue;
      }
      if (e.tagName === "img") {
        const src = String(e.properties.src ?? "");
        if (!ours || src.startsWith("data:image/")) c.images++;
        continue;
      }
      if (ours ? hasClass(e, "pymd-error") : e.tagName === "pre" && hasClass(e, "error")) {
        c.errors.push(errorName(toText(e)));
        continue;
      }
      if (e.tagName === "td" || e.tagName === "th") {
        c.cells.push(norm(textOf(e)));
        continue;
      }
      if (e.tagName === "p" || e.tagName === "li") {
        const t = norm(e.tagName === "li" ? itemText(e) : textOf(e));
        // a paragraph with hard breaks is one line per element, as the original wrote each line
        for (const line of t.split("\n")) if (line.trim() !== "") c.text.push(line.trim());
        if (e.tagName === "li") visit(e);
        else
          for (const img of e.children)
            if (img.type === "element" && img.tagName === "img") visit({ ...e, children: [img] });
        continue;
      }
      // printed output shown as laid out: one text element per printed line, spaces collapsed as the original's <p> did
      if (
        ours &&
        e.tagName === "pre" &&
        e.children.some((ch) => ch.type === "element" && hasClass(ch, "language-output"))
      ) {
        for (const line of toText(e).split("\n")) if (line.trim() !== "") c.text.push(line.trim().replace(/\s+/g, " "));
        continue;
      }
      visit(e);
    }
  };
  visit(tree);
  return c;
}

/** Multiset difference a − b. */
function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

type Observed =
  | { missing: string[]; extra: string[] }
  | { reference: number | string[]; ours: number | string[] }
  | null;

function observe(ref: Content, ours: Content): Record<Check, Observed> {
  const sets = (r: string[], o: string[]): Observed => {
    const missing = minus(r, o);
    const extra = minus(o, r);
    return missing.length || extra.length ? { missing, extra } : null;
  };
  return {
    headings: sets(ref.headings, ours.headings),
    text: sets(ref.text, ours.text),
    tables: sets(ref.cells, ours.cells),
    images: ref.images !== ours.images ? { reference: ref.images, ours: ours.images } : null,
    errors: ref.errors.join(",") !== ours.errors.join(",") ? { reference: ref.errors, ours: ours.errors } : null,
  };
}

const matchesValue = (want: string, got: string): boolean =>
  want.startsWith("re:") ? new RegExp(`^(?:${want.slice(3)})$`, "s").test(got) : want === got;

/** Whether the listed values pair one to one with the observed ones. */
function sameList(want: string[] = [], got: string[]): boolean {
  if (want.length !== got.length) return false;
  const rest = [...got];
  for (const w of want) {
    const i = rest.findIndex((g) => matchesValue(w, g));
    if (i < 0) return false;
    rest.splice(i, 1);
  }
  return true;
}

function agrees(listed: ListedDiff, seen: Exclude<Observed, null>): boolean {
  if ("missing" in seen) return sameList(listed.missing, seen.missing) && sameList(listed.extra, seen.extra);
  return (
    JSON.stringify(listed.reference) === JSON.stringify(seen.reference) &&
    JSON.stringify(listed.ours) === JSON.stringify(seen.ours)
  );
}

if (!corpusPresent) console.log(`conformance: SKIPPED, the PyMD corpus is absent (looked in ${corpus})`);

describe.skipIf(!corpusPresent)("conformance with the original renderer on the corpus", () => {
  test("the differences file is well formed: every entry has a reason and exact values", () => {
    for (const [file, entry] of Object.entries(listedDiffs)) {
      expect(existsSync(join(corpus, "inputs", file))).toBe(true);
      for (const check of Object.keys(entry)) {
        if (check === "noReference") continue;
        expect(CHECKS as readonly string[]).toContain(check);
        const d = entry[check as Check]!;
        expect(d.reason.length).toBeGreaterThan(20);
        expect(
          d.missing !== undefined || d.extra !== undefined || (d.reference !== undefined && d.ours !== undefined),
        ).toBe(true);
      }
    }
  });

  test("every element matches, or its exact difference is listed with a reason", async () => {
    const inputs = readdirSync(join(corpus, "inputs"))
      .filter((f) => f.endsWith(".pymd"))
      .sort();
    const { backend, runs } = await runCorpus(inputs);
    console.log(`conformance: executed with the ${backend} sandbox`);
    const rows: string[] = [];
    const failing: string[] = [];
    const observed: Record<string, Partial<Record<Check, Observed>>> = {};
    let matching = 0;
    let listed = 0;
    let elements = 0;
    for (const file of inputs) {
      const name = file.replace(/\.pymd$/, "");
      const refPath = join(corpus, "reference", `${name}.html`);
      const entry = listedDiffs[file] ?? {};
      if (!existsSync(refPath)) {
        if (!entry.noReference) failing.push(`${file}: no reference render and no listed reason`);
        rows.push(`${file.padEnd(60)} no reference (listed: ${entry.noReference ?? "NOT LISTED"})`);
        continue;
      }
      if (entry.noReference) failing.push(`${file}: listed as having no reference, but ${refPath} exists`);
      const run = runs.get(file)!;
      // the original shows no source listing for executed blocks
      const ours = extract(await renderFragment(run.source, run.results, { showCode: false }), true);
      const ref = extract(readFileSync(refPath, "utf8"), false);
      elements += ref.headings.length + ref.text.length + ref.cells.length + ref.images + ref.errors.length;
      const seen = observe(ref, ours);
      observed[file] = Object.fromEntries(CHECKS.filter((c) => seen[c] !== null).map((c) => [c, seen[c]]));
      const marks: string[] = [];
      for (const check of CHECKS) {
        const diff = seen[check];
        const want = entry[check];
        if (diff === null && !want) {
          matching++;
          marks.push(`${check}:ok`);
        } else if (diff === null) {
          failing.push(`${file} ${check}: listed as a difference, but the renders agree now (remove the entry)`);
          marks.push(`${check}:STALE`);
        } else if (want && agrees(want, diff)) {
          listed++;
          marks.push(`${check}:listed`);
        } else {
          failing.push(
            `${file} ${check}: observed ${JSON.stringify(diff)}${want ? `, listed ${JSON.stringify({ ...want, reason: undefined })}` : " (not listed)"}`,
          );
          marks.push(`${check}:FAIL`);
        }
      }
      rows.push(`${file.padEnd(60)} ${marks.join(" ")}`);
    }
    console.log(rows.join("\n"));
    console.log(
      `\nconformance over ${inputs.length} documents x ${CHECKS.length} checks (${elements} reference elements): matching ${matching}, listed differences ${listed}, failing ${failing.length}`,
    );
    if (failing.length) console.log(`failing:\n  ${failing.join("\n  ")}`);
    // PYMD_CONFORMANCE_DUMP=FILE writes every observed difference, to review and list them
    if (process.env.PYMD_CONFORMANCE_DUMP)
      writeFileSync(process.env.PYMD_CONFORMANCE_DUMP, JSON.stringify(observed, null, 2));
    expect(failing).toEqual([]);
  }, 600_000);
});
