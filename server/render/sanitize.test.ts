// Nothing a document, its output or its title contains may run script in a reader's browser.

import { describe, expect, test } from "bun:test";
import type { Element, Root } from "hast";
import { fromHtml } from "hast-util-from-html";
import type { BlockOutput, BlockResult } from "../../protocol/run-frames.ts";
import { renderFragment } from "./render-fragment.ts";
import { renderHtmlPage } from "./render-html-page.ts";
import { PAYLOADS } from "../testing/xss-payloads.ts";

// <video> and <source> are allowed (pymd.video) but a <source> may only carry a video data URI
const FORBIDDEN_TAGS =
  /^(script|iframe|object|embed|svg|math|style|link|meta|base|form|template|audio|marquee|noscript|frame|frameset|applet|button|textarea|select)$/;
const VIDEO_DATA = /^data:video\/(mp4|webm|ogg|quicktime|x-msvideo);base64,/i;
const SAFE_URL = /^(https?:|mailto:|#|data:image\/(png|jpeg|gif|webp|svg\+xml)[;,])/i;

/**
 * Parses the output as a browser would and checks every element: no executable or embedding
 * tags, no event handlers or inline styles, only safe URLs, and ids that cannot clobber globals.
 * Escaped text that merely looks like a payload is fine: it is text.
 */
function assertInert(html: string): void {
  const walk = (node: Root | Element): void => {
    for (const child of node.children) {
      if (child.type !== "element") continue;
      expect(child.tagName).not.toMatch(FORBIDDEN_TAGS);
      for (const [key, value] of Object.entries(child.properties)) {
        expect(key.toLowerCase()).not.toMatch(/^on|^style$|^srcdoc$|^formaction$|^autofocus$/);
        if (child.tagName === "source" && key === "src") expect(String(value).trim()).toMatch(VIDEO_DATA);
        else if (child.tagName === "video")
          expect(key).toMatch(/^(width|height|controls|autoPlay|muted|loop|playsInline)$/);
        else if (/^(href|src|cite|action|data|poster|background)$/i.test(key)) {
          expect(String(value).trim()).toMatch(SAFE_URL);
        }
        if (key === "id" || key === "name") expect(String(value)).toMatch(/^user-content-/);
      }
      walk(child);
    }
  };
  walk(fromHtml(html, { fragment: true }));
  expect(html).not.toMatch(/<script/i);
}

const result = (outputs: BlockOutput[]): Map<number, BlockResult> =>
  new Map([[0, { block: 0, status: "ok", durationMs: 1, outputs }]]);

describe("document Markdown", () => {
  for (const p of PAYLOADS) {
    test(`# line: ${p}`, async () => {
      assertInert(await renderFragment(`# ${p}\n# and after\n`));
    });
    test(`legacy line: ${p}`, async () => {
      assertInert(await renderFragment(`${p}\n`));
    });
  }
});

describe("code listings", () => {
  for (const p of PAYLOADS.slice(0, 12)) {
    test(`executed and display-only code: ${p}`, async () => {
      const html = await renderFragment(`# \`\`\`\n${p}\n# \`\`\`\n# \`\`\`\`html\n${p}\n# \`\`\`\`\n`);
      assertInert(html);
      expect(html).toContain("&#x3C;");
    });
  }
});

describe("block outputs", () => {
  const doc = "# ```\nprint(1)\n# ```\n";
  for (const p of PAYLOADS) {
    test(`stdout, stderr, html, markdown, error and host-error carrying: ${p}`, async () => {
      const html = await renderFragment(
        doc,
        result([
          { kind: "stdout", text: `${p}\n| a |\n|---|\n| ${p} |\n` },
          { kind: "stderr", text: p },
          {
            kind: "display",
            mime: "text/html",
            data: `<table class="dataframe"><tr><th style="x">${p}</th><td>${p}</td></tr></table>${p}`,
          },
          { kind: "display", mime: "text/markdown", data: p },
          {
            kind: "error",
            name: "ValueError",
            value: p,
            traceback: `Traceback:\n  File "<string>", line 1, in <module>\nValueError: ${p}`,
            line: 1,
          },
          { kind: "host-error", reason: "crashed", message: p },
        ]),
      );
      assertInert(html);
    });
  }

  test("an image output that is not base64 is not embedded", async () => {
    const html = await renderFragment(
      doc,
      result([{ kind: "display", mime: "image/png", data: `x" onerror="alert(1)` }]),
    );
    assertInert(html);
    expect(html).not.toContain("<img");
  });

  test("malformed stdout HTML cannot close the notebook's wrappers", async () => {
    const html = await renderFragment(
      doc + "# after\n",
      result([{ kind: "stdout", text: "</div></div></div></figure><div>" }]),
    );
    expect(html).toMatch(/<div class="pymd-markdown"[^>]*><p>after<\/p><\/div>$/);
  });

  test("tracebacks are escaped, not interpreted", async () => {
    const html = await renderFragment(
      doc,
      result([{ kind: "error", name: "E", value: "", traceback: 'File "<string>", line 1, in <module>', line: 1 }]),
    );
    expect(html).toContain('File "&#x3C;string>", line 1, in &#x3C;module>');
  });
});

describe("allowed content survives", () => {
  test("images: PNG/JPEG/GIF/SVG data URIs and https; other sources are dropped", async () => {
    const html = await renderFragment(
      "# ![a](data:image/png;base64,iVBORw0KGgo=) ![b](data:image/svg+xml;base64,PHN2Zy8+) ![c](https://example.com/c.png) ![d](data:image/gif;base64,R0lGOD) ![e](/relative.png) ![f](data:application/x-foo,1)\n",
    );
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(html).toContain('src="data:image/svg+xml;base64,PHN2Zy8+"');
    expect(html).toContain('src="https://example.com/c.png"');
    expect(html).toContain('src="data:image/gif;base64,R0lGOD"');
    expect(html).not.toContain("relative.png");
    expect(html).not.toContain("application/x-foo");
  });

  test("a pandas table keeps its cells but loses style and class", async () => {
    const pandas = `<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th><th>name</th></tr></thead><tbody><tr><th>0</th><td>&lt;b&gt;x&lt;/b&gt;</td></tr></tbody></table>`;
    const html = await renderFragment(
      "# ```\nx\n# ```\n",
      result([{ kind: "display", mime: "text/html", data: pandas }]),
    );
    expect(html).toContain("<td>&#x3C;b>x&#x3C;/b></td>");
    expect(html).toContain("<th>name</th>");
    expect(html).not.toContain("dataframe");
  });

  test("task lists keep disabled checkboxes; highlight classes survive", async () => {
    const html = await renderFragment("# - [x] done\n# ```\nimport os\n# ```\n");
    expect(html).toContain('<input type="checkbox" checked disabled>');
    expect(html).toContain('<span class="hljs-keyword">import</span>');
  });
});

describe("exported page", () => {
  test("the title is escaped and the page carries a script-forbidding CSP and no script", async () => {
    const page = await renderHtmlPage("# hi\n", undefined, { title: `</title><script>alert(1)</script>"'` });
    expect(page).toContain("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;</title>");
    expect(page).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*script-src 'none'/);
    expect(page).not.toMatch(/<script/i);
  });

  test("a hostile document in a page stays inert", async () => {
    const page = await renderHtmlPage(PAYLOADS.map((p) => `# ${p}`).join("\n"), undefined, { title: "t" });
    const body = page.slice(page.indexOf("<body>"));
    assertInert(body);
  });
});

describe("pymd.video", () => {
  test("a video embedded as a data URI survives sanitizing; other sources and handlers do not", async () => {
    const { renderFragment } = await import("./index.ts");
    const html = (data: string) =>
      renderFragment(
        "# ```\nx\n# ```\n",
        new Map([
          [
            0,
            {
              block: 0,
              status: "ok" as const,
              durationMs: 1,
              outputs: [{ kind: "display" as const, mime: "text/html" as const, data }],
            },
          ],
        ]),
        {
          showCode: false,
        },
      );
    const ok = await html(
      '<video width="100%" height="auto" controls loop onerror="alert(1)"><source src="data:video/mp4;base64,AAAAIGZ0eXA=" type="video/mp4"></video>',
    );
    expect(ok).toContain(
      '<video width="100%" height="auto" controls loop><source src="data:video/mp4;base64,AAAAIGZ0eXA=" type="video/mp4"></video>',
    );
    const remote = await html(
      '<video controls><source src="https://evil.example/x.mp4" type="video/mp4"><source src="javascript:alert(1)"></video>',
    );
    expect(remote).toContain("<video controls></video>");
  });
});
