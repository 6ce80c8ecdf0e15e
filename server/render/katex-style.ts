// KaTeX's stylesheet and fonts, embedded in the binary: for the web client with its fonts served as
// files, and for pages that stand alone (the HTML export) with them inlined as data URIs. WOFF2
// only, which every current browser reads.
import { readFileSync } from "node:fs";
import css from "katex/dist/katex.min.css" with { type: "text" };
import f0 from "katex/dist/fonts/KaTeX_AMS-Regular.woff2" with { type: "file" };
import f1 from "katex/dist/fonts/KaTeX_Caligraphic-Bold.woff2" with { type: "file" };
import f2 from "katex/dist/fonts/KaTeX_Caligraphic-Regular.woff2" with { type: "file" };
import f3 from "katex/dist/fonts/KaTeX_Fraktur-Bold.woff2" with { type: "file" };
import f4 from "katex/dist/fonts/KaTeX_Fraktur-Regular.woff2" with { type: "file" };
import f5 from "katex/dist/fonts/KaTeX_Main-Bold.woff2" with { type: "file" };
import f6 from "katex/dist/fonts/KaTeX_Main-BoldItalic.woff2" with { type: "file" };
import f7 from "katex/dist/fonts/KaTeX_Main-Italic.woff2" with { type: "file" };
import f8 from "katex/dist/fonts/KaTeX_Main-Regular.woff2" with { type: "file" };
import f9 from "katex/dist/fonts/KaTeX_Math-BoldItalic.woff2" with { type: "file" };
import f10 from "katex/dist/fonts/KaTeX_Math-Italic.woff2" with { type: "file" };
import f11 from "katex/dist/fonts/KaTeX_SansSerif-Bold.woff2" with { type: "file" };
import f12 from "katex/dist/fonts/KaTeX_SansSerif-Italic.woff2" with { type: "file" };
import f13 from "katex/dist/fonts/KaTeX_SansSerif-Regular.woff2" with { type: "file" };
import f14 from "katex/dist/fonts/KaTeX_Script-Regular.woff2" with { type: "file" };
import f15 from "katex/dist/fonts/KaTeX_Size1-Regular.woff2" with { type: "file" };
import f16 from "katex/dist/fonts/KaTeX_Size2-Regular.woff2" with { type: "file" };
import f17 from "katex/dist/fonts/KaTeX_Size3-Regular.woff2" with { type: "file" };
import f18 from "katex/dist/fonts/KaTeX_Size4-Regular.woff2" with { type: "file" };
import f19 from "katex/dist/fonts/KaTeX_Typewriter-Regular.woff2" with { type: "file" };

const FONTS: Record<string, string> = {
  "KaTeX_AMS-Regular": f0,
  "KaTeX_Caligraphic-Bold": f1,
  "KaTeX_Caligraphic-Regular": f2,
  "KaTeX_Fraktur-Bold": f3,
  "KaTeX_Fraktur-Regular": f4,
  "KaTeX_Main-Bold": f5,
  "KaTeX_Main-BoldItalic": f6,
  "KaTeX_Main-Italic": f7,
  "KaTeX_Main-Regular": f8,
  "KaTeX_Math-BoldItalic": f9,
  "KaTeX_Math-Italic": f10,
  "KaTeX_SansSerif-Bold": f11,
  "KaTeX_SansSerif-Italic": f12,
  "KaTeX_SansSerif-Regular": f13,
  "KaTeX_Script-Regular": f14,
  "KaTeX_Size1-Regular": f15,
  "KaTeX_Size2-Regular": f16,
  "KaTeX_Size3-Regular": f17,
  "KaTeX_Size4-Regular": f18,
  "KaTeX_Typewriter-Regular": f19,
};

const FONT_FACE =
  /src:url\(fonts\/(KaTeX_[A-Za-z0-9-]+)\.woff2\) format\("woff2"\)(?:,url\([^)]*\) format\("[a-z]+"\))*/g;

let built: string | null = null;
let linked: string | null = null;

/** KaTeX's CSS for the web client: each font a URL under `prefix` (see katexFont). */
export function katexLinkedStyle(prefix: string): string {
  linked ??= (css as unknown as string).replace(
    FONT_FACE,
    (_m, name: string) => `src:url(${prefix}${name}.woff2) format("woff2")`,
  );
  return linked;
}

/** The embedded file of one of KaTeX's fonts, by its name (`KaTeX_Main-Regular`). */
export function katexFont(name: string): string | null {
  return Object.hasOwn(FONTS, name) ? FONTS[name]! : null;
}

/** KaTeX's CSS with every font a data URI: about 400 KB, so pages include it only when they hold math. */
export function katexPageStyle(): string {
  if (built !== null) return built;
  built = (css as unknown as string).replace(FONT_FACE, (_m, name: string) => {
    const path = FONTS[name];
    if (!path) return "src:local(serif)";
    return `src:url(data:font/woff2;base64,${readFileSync(path).toString("base64")}) format("woff2")`;
  });
  return built;
}
