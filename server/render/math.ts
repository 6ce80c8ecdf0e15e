// Math: `$…$` and `$$…$$` (remark-math) and ```math fences reach the HTML tree as <code
// class="language-math">; after sanitizing, each becomes KaTeX's HTML and MathML. KaTeX makes that
// markup from the formula's text alone (no \href, \url, \html… without `trust`), so it needs no
// second sanitizing. A formula KaTeX cannot read shows its source and the reason, inline.
import type { Element, ElementContent, Root } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import katex from "katex";

/** Formulas longer than this are shown as their source: KaTeX's time grows with them. */
export const MAX_FORMULA_CHARS = 20_000;

const KATEX_OPTIONS = {
  output: "htmlAndMathml",
  throwOnError: true,
  strict: "ignore",
  trust: false,
  // macro expansion and sizes are bounded, so \def loops and huge rules cannot stall a render
  maxExpand: 1000,
  maxSize: 50,
} as const;

const isMath = (el: Element) =>
  el.tagName === "code" && Array.isArray(el.properties.className) && el.properties.className.includes("language-math");

/** The error shown in place of a formula: its source, then why it could not be rendered. */
function mathError(source: string, message: string, display: boolean): Element {
  return {
    type: "element",
    tagName: display ? "div" : "span",
    properties: { className: ["pymd-math-error"] },
    children: [
      {
        type: "element",
        tagName: "code",
        properties: {},
        children: [{ type: "text", value: display ? `$$${source}$$` : `$${source}$` }],
      },
      { type: "text", value: " " },
      {
        type: "element",
        tagName: "span",
        properties: { className: ["pymd-math-error-message"] },
        children: [{ type: "text", value: message }],
      },
    ],
  };
}

/** KaTeX's markup for one formula, as HTML-tree nodes. */
export function renderFormula(source: string, display: boolean): ElementContent[] {
  if (source.length > MAX_FORMULA_CHARS)
    return [
      mathError(
        source.slice(0, 200) + "…",
        `Formula too long to render (over ${MAX_FORMULA_CHARS.toLocaleString("en")} characters).`,
        display,
      ),
    ];
  let html: string;
  try {
    html = katex.renderToString(source, { ...KATEX_OPTIONS, displayMode: display });
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^KaTeX parse error: /, "") : String(e);
    return [mathError(source, message, display)];
  }
  return fromHtml(html, { fragment: true }).children as ElementContent[];
}

/** Replaces every math code element of a sanitized tree by its rendering. */
export function rehypeMath() {
  return (tree: Root): void => {
    const walk = (parent: Root | Element): void => {
      for (let i = 0; i < parent.children.length; i++) {
        const child = parent.children[i]!;
        if (child.type !== "element") continue;
        // ```math and $$ … $$ arrive as <pre><code class="language-math">: display math
        const inner =
          child.tagName === "pre" &&
          child.children.length === 1 &&
          child.children[0]!.type === "element" &&
          isMath(child.children[0] as Element)
            ? (child.children[0] as Element)
            : null;
        if (inner || isMath(child)) {
          const display = inner !== null;
          const nodes = renderFormula(toText(inner ?? child, { whitespace: "pre" }).trim(), display);
          const wrapped: ElementContent[] = display
            ? [{ type: "element", tagName: "div", properties: { className: ["pymd-math-display"] }, children: nodes }]
            : nodes;
          parent.children.splice(i, 1, ...wrapped);
          i += wrapped.length - 1;
          continue;
        }
        walk(child);
      }
    };
    walk(tree);
  };
}

/** Whether rendered HTML holds a formula (so a standalone page needs KaTeX's styles and fonts). */
export const hasMath = (html: string): boolean => html.includes('class="katex');
