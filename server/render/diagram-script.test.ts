// The HTML export draws mermaid diagrams with inline scripts its policy allows by hash, and only
// when it has a diagram; every other page stays script-free.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { DIAGRAM_INIT_SCRIPT, allowScripts, embedDiagramScript, hasDiagram } from "./diagram-script.ts";
import { PAGE_CSP, renderHtmlPage } from "./render-html-page.ts";

const sha256 = (s: string) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;
const scriptsOf = (page: string) => [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
const cspOf = (page: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(page)![1]!;

const DIAGRAM = '# # Flow\n````mermaid\nflowchart LR\n  A["</script><img src=x onerror=alert(1)>"] --> B\n````\n';

describe("diagram scripts in the HTML export", () => {
  test("a page with a mermaid block has Mermaid and the drawing script, allowed by exactly their hashes", async () => {
    const page = await renderHtmlPage(DIAGRAM, undefined, { title: "Flow" });
    const scripts = scriptsOf(page);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]!.length).toBeGreaterThan(1_000_000);
    expect(scripts[0]).toContain('globalThis["mermaid"]');
    expect(scripts[1]).toBe(DIAGRAM_INIT_SCRIPT);
    // nothing in them ends the script element early or opens a comment the parser would read
    for (const s of scripts) expect(s).not.toMatch(/<\/script|<!--/i);
    const csp = cspOf(page);
    expect(csp).not.toContain("script-src 'none'");
    const scriptSrc = /script-src ([^;]*)/.exec(csp)![1]!.trim().split(/\s+/);
    expect(scriptSrc.sort()).toEqual(scripts.map(sha256).sort());
    // the rest of the policy is the page's own
    expect(csp.replace(/script-src [^;]*/, "")).toBe(PAGE_CSP.replace(/script-src [^;]*/, ""));
    // the label is text of the listing, never markup of the page
    expect(page).not.toContain("<img src=x");
    expect(page.indexOf("<script>")).toBeLessThan(page.indexOf("</head>"));
  });

  test("a page without a mermaid block has no script and refuses all", async () => {
    for (const source of [
      "# # Plain\n# Some text.\n````js\nconsole.log(1)\n````\n",
      "# ~~~mermaid\n# flowchart LR\n# ~~~\n",
    ]) {
      const page = await renderHtmlPage(source, undefined, { title: "Plain" });
      expect(page).not.toContain("<script");
      expect(cspOf(page)).toBe(PAGE_CSP);
      expect(PAGE_CSP).toContain("script-src 'none'");
    }
  });

  test("which pages have a diagram, and the embed's script", () => {
    expect(hasDiagram('<pre class="pymd-source"><code class="hljs language-mermaid">graph TD</code></pre>')).toBe(true);
    expect(hasDiagram('<pre><code class="language-mermaid">graph TD</code></pre>')).toBe(false);
    expect(
      hasDiagram('<pre class="pymd-source"><code class="hljs language-python">language-mermaid</code></pre>'),
    ).toBe(false);
    expect(
      embedDiagramScript('<pre class="pymd-source"><code class="hljs language-mermaid">graph TD</code></pre>'),
    ).toContain('<script type="module" src="/embed-diagrams.js"></script>');
    expect(embedDiagramScript("<p>language-mermaid</p>")).toBe("");
    expect(allowScripts("default-src 'none'; script-src 'none'", ["sha256-a", "sha256-b"])).toBe(
      "default-src 'none'; script-src 'sha256-a' 'sha256-b'",
    );
    expect(allowScripts("default-src 'none'; script-src 'none'", [])).toBe("default-src 'none'; script-src 'none'");
  });
});
