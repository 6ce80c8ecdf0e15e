// The scripts a rendered page needs to draw its mermaid diagrams (display-only blocks whose info
// string is `mermaid`), only when it has one. The HTML export, a standalone file, gets Mermaid's
// single-file bundle and a small script that draws each listing, both inline, and its Content
// Security Policy allows exactly those two by their sha256 hashes. The embed gets the client's
// script that does the same (a file of the server: its policy allows the server's own scripts).
import { createHash } from "node:crypto";
import mermaidBundlePath from "mermaid/dist/mermaid.min.js" with { type: "file" };

/** Whether rendered notebook HTML holds a mermaid listing. */
export const hasDiagram = (html: string): boolean =>
  /<pre class="pymd-source"[^>]*><code class="[^"]*\blanguage-mermaid\b/.test(html);

/**
 * Draws every mermaid listing of the page once the page is parsed: the diagram above the listing,
 * which moves into a "Source" disclosure below it, or the error above the listing when Mermaid
 * cannot parse it. Labels are SVG text, never HTML, and a diagram's own configuration cannot
 * change that (`htmlLabels` is one of Mermaid's secure keys here). Drawn again in the other theme
 * when the system's light or dark mode changes.
 */
export const DIAGRAM_INIT_SCRIPT = `(() => {
  const mermaid = globalThis.mermaid;
  if (!mermaid) return;
  const dark = matchMedia("(prefers-color-scheme: dark)");
  let listings = [];
  let drawing = Promise.resolve();
  let n = 0;
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const show = (l, svg, error) => {
    if (l.details) l.details.replaceWith(l.pre);
    for (const e of [l.diagram, l.error]) e && e.remove();
    l.diagram = l.details = l.error = undefined;
    if (svg !== null) {
      l.diagram = el("div", "pymd-diagram");
      l.diagram.style.cssText = "margin:1em 0;text-align:center;overflow-x:auto";
      l.diagram.innerHTML = svg;
      l.details = el("details", "pymd-diagram-source");
      l.details.append(el("summary", "", "Source"));
      l.pre.replaceWith(l.diagram, l.details);
      l.details.append(l.pre);
    } else {
      l.error = el("div", "pymd-diagram-error");
      l.error.append(el("strong", "", "This diagram could not be drawn:"), el("pre", "pymd-error", error));
      l.pre.before(l.error);
    }
  };
  const draw = () => {
    drawing = drawing.then(async () => {
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        htmlLabels: false,
        flowchart: { htmlLabels: false },
        secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges", "htmlLabels"],
        theme: dark.matches ? "dark" : "default",
        suppressErrorRendering: true,
      });
      for (const l of listings) {
        const id = "pymd-diagram-" + ++n;
        try {
          show(l, (await mermaid.render(id, l.source)).svg, null);
        } catch (e) {
          show(l, null, String((e && e.message) || e).trim());
        }
        const scratch = document.getElementById("d" + id);
        if (scratch) scratch.remove();
      }
    });
  };
  const start = () => {
    listings = [...document.querySelectorAll("pre.pymd-source > code.language-mermaid")].map((code) => ({ pre: code.parentElement, source: code.textContent }));
    dark.addEventListener("change", draw);
    draw();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();`;

const sha256 = (s: string) => `sha256-${createHash("sha256").update(s, "utf8").digest("base64")}`;

/** `<` where the HTML parser could read a script's end or an HTML comment, as an escape of the same character. */
const inlineSafe = (js: string) => js.replace(/<(?=\/script|!--)/gi, "\\x3C");

let inline: Promise<{ tags: string; hashes: string[] }> | undefined;
function inlineScripts(): Promise<{ tags: string; hashes: string[] }> {
  inline ??= Bun.file(mermaidBundlePath)
    .text()
    .then((bundle) => {
      const scripts = [inlineSafe(bundle), DIAGRAM_INIT_SCRIPT];
      return { tags: scripts.map((s) => `<script>${s}</script>`).join("\n"), hashes: scripts.map(sha256) };
    });
  // a failed read is tried again by the next page
  inline.catch(() => (inline = undefined));
  return inline;
}

/**
 * The script elements for the `<head>` of a standalone page with this body, and the hashes its
 * policy allows them by: none for a page without a mermaid listing.
 */
export async function diagramScripts(html: string): Promise<{ tags: string; hashes: string[] }> {
  return hasDiagram(html) ? inlineScripts() : { tags: "", hashes: [] };
}

/** A page policy whose `script-src` allows exactly these hashes (unchanged when there are none). */
export function allowScripts(csp: string, hashes: readonly string[]): string {
  if (hashes.length === 0) return csp;
  return csp.replace(/script-src [^;]*/, `script-src ${hashes.map((h) => `'${h}'`).join(" ")}`);
}

/** Where the embed's diagrams sit, as the client's stylesheet has it for the preview. */
const EMBED_DIAGRAM_STYLE =
  ".pymd-diagram{margin:1em 0;text-align:center;overflow-x:auto}.pymd-diagram-stale{opacity:.6}.pymd-diagram-source>summary{cursor:pointer;color:var(--muted)}";

/** The embed's elements that draw its diagrams (the client's embed-diagrams entry and their style), when it has one. */
export const embedDiagramScript = (html: string): string =>
  hasDiagram(html)
    ? `<style>${EMBED_DIAGRAM_STYLE}</style>\n<script type="module" src="/embed-diagrams.js"></script>\n`
    : "";
