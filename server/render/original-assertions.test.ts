// The original PyMD's own unit-test assertions (../shared/pymd-corpus/test-expectations.json: the
// strings its tests assert are, or are not, in the full HTML of a render) run against pymd's HTML
// export of the same documents, executed in the real sandbox. An assertion holds on the page as
// exported, or on its canonical form under a rule of conformance-differences.json
// (`originalAssertions.rules`), or is a listed exception with its reason. A rule no assertion
// needs, or an exception that holds now, fails the test.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Element, ElementContent, Root, RootContent } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toHtml } from "hast-util-to-html";
import { corpusDir, corpusPresent, runCorpus } from "./corpus-testing.ts";
import { renderHtmlPage } from "./render-html-page.ts";
import differencesJson from "./conformance-differences.json";

type RuleName = "heading-ids" | "highlighting" | "inter-element-whitespace" | "stylesheet";
interface AssertionsConfig {
  rules: Record<RuleName, string>;
  exceptions: Record<string, Record<string, string>>;
}
const config = (differencesJson as unknown as { originalAssertions: AssertionsConfig }).originalAssertions;
const CANONICAL: RuleName[] = ["heading-ids", "highlighting", "inter-element-whitespace"];

const classes = (e: Element): string[] =>
  Array.isArray(e.properties.className) ? e.properties.className.map(String) : [];

/** Our page in canonical form: the named rules applied to its parsed tree, serialized again. */
function canonical(html: string, rules: ReadonlySet<RuleName>): string {
  const tree = fromHtml(html);
  const visit = (node: Root | Element, inPre: boolean): void => {
    const out: (RootContent | ElementContent)[] = [];
    for (const child of node.children) {
      if (
        child.type === "text" &&
        !inPre &&
        rules.has("inter-element-whitespace") &&
        child.value.trim() === "" &&
        node.type === "element" &&
        node.tagName !== "p"
      )
        continue;
      if (child.type !== "element") {
        out.push(child);
        continue;
      }
      const pre = inPre || child.tagName === "pre";
      if (rules.has("heading-ids") && /^h[1-6]$/.test(child.tagName)) delete child.properties.id;
      const own = classes(child).filter((c) => !(rules.has("highlighting") && c.startsWith("hljs")));
      if (own.length) child.properties.className = own;
      else delete child.properties.className;
      visit(child, pre);
      // a highlighter's span that carries nothing else is unwrapped
      if (
        rules.has("highlighting") &&
        child.tagName === "span" &&
        own.length === 0 &&
        Object.keys(child.properties).length === 0
      )
        out.push(...child.children);
      else out.push(child);
    }
    node.children = out as typeof node.children;
  };
  visit(tree, false);
  return toHtml(tree);
}

/** The `<style>` text and the rest of a page, apart. */
function styleAndBody(html: string): { style: string; rest: string } {
  const style = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]).join("\n");
  return { style, rest: html.replace(/<style[^>]*>[\s\S]*?<\/style>/g, "") };
}

type Expectations = Record<string, { contains: string[]; not_contains: string[]; known_failing_at_head?: string[] }>;
const expectationsPath = join(corpusDir, "test-expectations.json");
if (!corpusPresent) console.log(`original assertions: SKIPPED, the PyMD corpus is absent (looked in ${corpusDir})`);

describe.skipIf(!corpusPresent)("the original PyMD's own test assertions", () => {
  test("each holds on the export, or under a listed rule, or is a listed exception", async () => {
    const all = JSON.parse(readFileSync(expectationsPath, "utf8")) as Expectations & { _about?: unknown };
    delete all._about;
    const files = Object.keys(all).sort();
    const { backend, runs } = await runCorpus(files);
    const failing: string[] = [];
    const needed = new Map<RuleName, number>();
    const rows: string[] = [];
    let total = 0;
    let asExported = 0;
    let byRule = 0;
    let excepted = 0;
    let originalFails = 0;
    for (const file of files) {
      const run = runs.get(file)!;
      const html = await renderHtmlPage(run.source, run.results, { title: file });
      const full = canonical(html, new Set(CANONICAL));
      const refPath = join(corpusDir, "reference", file.replace(/\.pymd$/, ".html"));
      const ref = existsSync(refPath) ? styleAndBody(readFileSync(refPath, "utf8")) : null;
      const exceptions = config.exceptions[file] ?? {};
      for (const s of all[file]!.contains) {
        total++;
        if (html.includes(s)) {
          asExported++;
          if (exceptions[s]) failing.push(`${file}: ${JSON.stringify(s)} is listed as an exception but holds`);
          continue;
        }
        if (full.includes(s)) {
          byRule++;
          // the rules this assertion needs: without any one of them it fails
          const uses = CANONICAL.filter((r) => !canonical(html, new Set(CANONICAL.filter((x) => x !== r))).includes(s));
          for (const r of uses) needed.set(r, (needed.get(r) ?? 0) + 1);
          rows.push(`  ${file}: ${JSON.stringify(s)} holds under ${uses.join(" + ")}`);
          continue;
        }
        // a fragment of the original's embedded stylesheet, and only of it
        if (ref?.style.includes(s) && !ref.rest.includes(s)) {
          byRule++;
          needed.set("stylesheet", (needed.get("stylesheet") ?? 0) + 1);
          rows.push(`  ${file}: ${JSON.stringify(s)} is the original's stylesheet (rule stylesheet)`);
          continue;
        }
        // the corpus records that the original's own test fails on this string at its HEAD; the reference confirms it
        const failsInOriginal = (all[file]!.known_failing_at_head ?? []).some((k) => k.startsWith(s));
        if (failsInOriginal && ref && !ref.style.includes(s) && !ref.rest.includes(s)) {
          originalFails++;
          rows.push(
            `  ${file}: ${JSON.stringify(s)} fails in the original too (known_failing_at_head, absent from the reference)`,
          );
          continue;
        }
        if (exceptions[s]) {
          excepted++;
          rows.push(`  ${file}: ${JSON.stringify(s)} listed exception: ${exceptions[s]}`);
          continue;
        }
        failing.push(`${file}: expected to contain ${JSON.stringify(s)}`);
      }
      for (const s of all[file]!.not_contains) {
        total++;
        if (html.includes(s) || full.includes(s)) failing.push(`${file}: expected NOT to contain ${JSON.stringify(s)}`);
        else asExported++;
      }
      for (const s of Object.keys(exceptions))
        if (!all[file]!.contains.includes(s))
          failing.push(`${file}: exception for ${JSON.stringify(s)}, which the original does not assert`);
    }
    for (const r of Object.keys(config.rules) as RuleName[])
      if (!needed.has(r)) failing.push(`rule ${r} is listed but no assertion needs it (remove it)`);
    for (const r of needed.keys())
      if (!config.rules[r]) failing.push(`rule ${r} is used but not listed with its reason`);
    console.log(`original assertions (executed with the ${backend} sandbox), ${files.length} documents:`);
    console.log(rows.join("\n"));
    console.log(
      `original assertions: ${total} in all; ${asExported} hold on the export as it is, ${byRule} under a listed rule (${[...needed].map(([r, n]) => `${r} ${n}`).join(", ")}), ${excepted} listed exceptions, ${originalFails} failing in the original as well, ${failing.length} failing`,
    );
    if (failing.length) console.log(`failing:\n  ${failing.join("\n  ")}`);
    expect(failing).toEqual([]);
  }, 600_000);
});
