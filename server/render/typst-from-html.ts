// Turns a rendered notebook (the sanitized HTML every other export shows) into Typst markup for
// the PDF. Every text of the document goes into the markup as a Typst string literal, so nothing a
// notebook holds is read as Typst code; formulas are converted from their TeX (kept by KaTeX in
// the MathML annotation) to Typst math and checked to hold no code. Images come as data URIs and
// become files the compiler reads from memory.
import type { Element, ElementContent, Root, RootContent } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import { tex2typst } from "tex2typst";

export type Paper = "a4" | "us-letter";

export interface TypstDocument {
  /** The main file's Typst markup. */
  source: string;
  /** Files the markup reads (images), by their path in the compiler's memory. */
  files: Map<string, Uint8Array>;
}

export interface TypstOptions {
  title: string;
  paper: Paper;
  /** Show images as their alt text (the retry after an image the compiler could not read). */
  noImages?: boolean;
}

/** The text width of a page in points (its width less 2 cm margins on each side). */
const TEXT_WIDTH: Record<Paper, number> = { a4: 595.28 - 113.39, "us-letter": 612 - 113.39 };

/** A Typst string literal: the text shown exactly as it is. */
export function str(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Text in markup: `#"…"`, with HTML's runs of white space as one space. */
const textRun = (s: string) => (s === "" ? "" : `#${str(s)}`);

const classes = (el: Element): string[] =>
  Array.isArray(el.properties.className) ? (el.properties.className as string[]) : [];
const hasClass = (el: Element, c: string) => classes(el).includes(c);
const isElement = (n: RootContent | ElementContent): n is Element => n.type === "element";

/** Names Typst math could call that read files, run code or query the document: never allowed in a formula. */
const UNSAFE_MATH =
  /\b(?:read|eval|json|yaml|toml|csv|xml|cbor|plugin|image|include|import|bibliography|sys|query|locate|here|state|counter|metadata|context|selector|datetime|link|cite|ref|label|footnote|figure|page|document|set|show|let)\b/;

/** A TeX formula as Typst math, or null when it cannot be converted safely. */
export function typstMath(tex: string): string | null {
  let out: string;
  try {
    out = tex2typst(tex);
  } catch {
    return null;
  }
  // Math mode may embed code after `#` and call functions by name, and a `$`, a comment or a
  // trailing backslash would end it early: none of them comes from a formula that converts cleanly.
  const outsideStrings = out.replace(/"(?:[^"\\]|\\.)*"/g, "S");
  if (/[#$"]|\/\/|\/\*|\*\/|\\\s*$/.test(outsideStrings) || UNSAFE_MATH.test(outsideStrings)) return null;
  return out.trim() === "" ? null : out;
}

/** The TeX a KaTeX rendering was made from. */
function texOf(el: Element): string | null {
  let found: string | null = null;
  const walk = (n: Element | Root) => {
    for (const c of n.children) {
      if (found !== null || !isElement(c as RootContent)) continue;
      const e = c as Element;
      if (e.tagName === "annotation" && e.properties.encoding === "application/x-tex")
        found = toText(e, { whitespace: "pre" });
      else walk(e);
    }
  };
  walk(el);
  return found;
}

/** Pixel size of a PNG, JPEG or GIF (null when unknown: SVG, WebP or a damaged file). */
export function imageSize(bytes: Uint8Array): { w: number; h: number } | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50) return { w: dv.getUint32(16), h: dv.getUint32(20) };
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49)
    return { w: dv.getUint16(6, true), h: dv.getUint16(8, true) };
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1]!;
      const len = dv.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
        return { w: dv.getUint16(i + 7), h: dv.getUint16(i + 5) };
      i += 2 + len;
    }
  }
  return null;
}

const IMAGE_EXT: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/svg+xml": "svg",
  "image/webp": "webp",
};

class Converter {
  readonly files = new Map<string, Uint8Array>();
  private readonly byContent = new Map<string, string>();

  constructor(private readonly opts: TypstOptions) {}

  /** Block-level content: one piece of markup per block, separated by blank lines. */
  blocks(nodes: (RootContent | ElementContent)[]): string {
    const out: string[] = [];
    let inline: (RootContent | ElementContent)[] = [];
    const flush = () => {
      // white space between blocks (HTML's newlines) is no paragraph of its own
      const text = this.inlines(inline).trim();
      if (text !== "" && !/^(?:#" ")+$/.test(text)) out.push(text);
      inline = [];
    };
    for (const n of nodes) {
      if (isElement(n) && this.isBlock(n)) {
        flush();
        const b = this.block(n);
        if (b.trim() !== "") out.push(b);
      } else if (n.type === "text" || isElement(n)) inline.push(n);
    }
    flush();
    return out.join("\n\n");
  }

  private isBlock(el: Element): boolean {
    if (/^h[1-6]$/.test(el.tagName)) return true;
    if (el.tagName === "span" && (hasClass(el, "katex-display") || hasClass(el, "pymd-math-error"))) return false;
    return [
      "p",
      "div",
      "pre",
      "ul",
      "ol",
      "table",
      "blockquote",
      "hr",
      "figure",
      "section",
      "details",
      "dl",
      "li",
      "summary",
      "header",
      "footer",
      "article",
      "aside",
      "nav",
      "main",
    ].includes(el.tagName);
  }

  private block(el: Element): string {
    const tag = el.tagName;
    if (/^h[1-6]$/.test(tag))
      return hasClass(el, "sr-only") ? "" : `#heading(level: ${tag[1]})[${this.inlines(el.children).trim()}]`;
    switch (tag) {
      case "p":
        return this.inlines(el.children).trim();
      case "pre": {
        const code = el.children.find((c) => isElement(c) && c.tagName === "code") as Element | undefined;
        const text = toText(el, { whitespace: "pre" }).replace(/\n$/, "");
        const lang = code
          ? classes(code)
              .find((c) => c.startsWith("language-"))
              ?.slice(9)
          : undefined;
        const raw = `raw(block: true${lang && /^[\w+#.-]+$/.test(lang) ? `, lang: ${str(lang)}` : ""}, ${str(text)})`;
        if (hasClass(el, "pymd-stderr")) return `#pymd-stream("stderr", ${raw})`;
        if (hasClass(el, "pymd-error")) return `#pymd-stream("error", ${raw})`;
        if (hasClass(el, "pymd-source")) return `#pymd-source(${raw})`;
        return `#pymd-pre(${raw})`;
      }
      case "ul":
      case "ol": {
        const items = el.children
          .filter((c): c is Element => isElement(c) && c.tagName === "li")
          .map((li) => `[${this.listItem(li)}]`);
        if (items.length === 0) return "";
        const start =
          tag === "ol" && typeof el.properties.start === "number" ? `start: ${Math.trunc(el.properties.start)}, ` : "";
        return tag === "ul" ? `#list(${items.join(", ")})` : `#enum(${start}${items.join(", ")})`;
      }
      case "li":
        return this.listItem(el);
      case "table":
        return this.table(el);
      case "blockquote":
        return `#quote(block: true)[${this.blocks(el.children)}]`;
      case "hr":
        return "#line(length: 100%, stroke: 0.5pt + luma(180))";
      case "figure":
        return this.blocks(el.children);
      case "details":
      case "summary":
        return tag === "summary" ? `#strong[${this.inlines(el.children).trim()}]` : this.blocks(el.children);
      case "dl":
        return el.children
          .filter(isElement)
          .map((c) =>
            c.tagName === "dt"
              ? `#strong[${this.inlines(c.children).trim()}]`
              : `#pad(left: 1.5em)[${this.blocks(c.children)}]`,
          )
          .join("\n\n");
    }
    if (tag === "div" && hasClass(el, "pymd-math-display")) return this.displayMath(el);
    if (tag === "div" && hasClass(el, "pymd-math-error")) return `#pymd-math-error[${this.inlines(el.children)}]`;
    if (tag === "div" && hasClass(el, "pymd-stdout")) return `#pymd-stdout[${this.blocks(el.children)}]`;
    if (tag === "div" && hasClass(el, "pymd-outputs")) return `#pymd-outputs[${this.blocks(el.children)}]`;
    if (tag === "div" && hasClass(el, "pymd-cell")) return `#pymd-cell[${this.blocks(el.children)}]`;
    if (tag === "section" && hasClass(el, "footnotes"))
      return `#line(length: 30%, stroke: 0.5pt + luma(180))\n\n#text(size: 0.85em)[${this.blocks(el.children)}]`;
    return this.blocks(el.children);
  }

  private listItem(li: Element): string {
    const box = li.children.find((c) => isElement(c) && c.tagName === "input") as Element | undefined;
    const mark = box ? (box.properties.checked ? '#"☑ "' : '#"☐ "') : "";
    const rest = li.children.filter((c) => c !== box);
    return mark + this.blocks(rest);
  }

  private table(el: Element): string {
    const rows: { header: boolean; cells: string[] }[] = [];
    const walk = (n: Element, header: boolean) => {
      for (const c of n.children) {
        if (!isElement(c)) continue;
        if (c.tagName === "thead") walk(c, true);
        else if (c.tagName === "tbody" || c.tagName === "tfoot") walk(c, false);
        else if (c.tagName === "tr") {
          const cells = c.children.filter(
            (x): x is Element => isElement(x) && (x.tagName === "td" || x.tagName === "th"),
          );
          rows.push({
            header: header || cells.every((x) => x.tagName === "th"),
            cells: cells.map((x) => `[${this.blocks(x.children)}]`),
          });
        }
      }
    };
    walk(el, false);
    const columns = Math.max(1, ...rows.map((r) => r.cells.length));
    const pad = (cells: string[]) => [...cells, ...Array(columns - cells.length).fill("[]")];
    const head = rows.filter((r) => r.header).flatMap((r) => pad(r.cells));
    const body = rows.filter((r) => !r.header).flatMap((r) => pad(r.cells));
    if (head.length + body.length === 0) return "";
    return `#pymd-table(${columns}, (${head.join(", ")}${head.length === 1 ? "," : ""}), (${body.join(", ")}${body.length === 1 ? "," : ""}))`;
  }

  private displayMath(el: Element): string {
    const tex = texOf(el);
    const math = tex === null ? null : typstMath(tex);
    if (math !== null) return `$ ${math} $`;
    return `#pymd-math-source(${str(tex ?? toText(el))})`;
  }

  private inlineMath(el: Element): string {
    const tex = texOf(el);
    const math = tex === null ? null : typstMath(tex);
    if (math !== null) return `$${math}$`;
    return `#raw(${str(tex ?? toText(el))})`;
  }

  inlines(nodes: (RootContent | ElementContent)[]): string {
    let out = "";
    for (const n of nodes) {
      if (n.type === "text") out += textRun(n.value.replace(/\s+/g, " "));
      else if (isElement(n)) out += this.inline(n);
    }
    return out;
  }

  private inline(el: Element): string {
    const inner = () => this.inlines(el.children);
    switch (el.tagName) {
      case "strong":
      case "b":
        return `#strong[${inner()}]`;
      case "em":
      case "i":
        return `#emph[${inner()}]`;
      case "del":
      case "s":
        return `#strike[${inner()}]`;
      case "sup":
        return `#super[${inner()}]`;
      case "sub":
        return `#sub[${inner()}]`;
      case "br":
        return "#linebreak()";
      case "code":
      case "kbd":
      case "samp":
        return `#raw(${str(toText(el))})`;
      case "a": {
        const href = typeof el.properties.href === "string" ? el.properties.href : "";
        return /^(?:https?:|mailto:)/i.test(href) ? `#link(${str(href)})[${inner()}]` : inner();
      }
      case "img":
        return this.image(el);
      case "input":
        return el.properties.type === "checkbox" ? (el.properties.checked ? '#"☑ "' : '#"☐ "') : "";
      case "math":
        return "";
    }
    if (el.tagName === "span" && hasClass(el, "katex")) return this.inlineMath(el);
    if (el.tagName === "span" && hasClass(el, "pymd-math-error")) return `#pymd-math-error[${inner()}]`;
    if (el.tagName === "span" && hasClass(el, "katex-display")) return this.displayMath(el);
    if (isElement(el) && this.isBlock(el)) return `#block[${this.blocks([el])}]`;
    return inner();
  }

  private image(el: Element): string {
    const src = typeof el.properties.src === "string" ? el.properties.src : "";
    const alt = typeof el.properties.alt === "string" ? el.properties.alt : "";
    const m = /^data:(image\/(?:png|jpeg|gif|svg\+xml|webp))(;base64)?,(.*)$/is.exec(src);
    if (this.opts.noImages || !m) return alt ? `#emph[${textRun(`[${alt}]`)}]` : "";
    const bytes = m[2]
      ? Uint8Array.from(Buffer.from(m[3]!, "base64"))
      : new TextEncoder().encode(decodeURIComponent(m[3]!));
    // the same image shown again (a plot printed in a loop, a logo) is one file: decoded and embedded once
    const key = `${m[1]!.toLowerCase()}:${Bun.hash(bytes).toString(36)}:${bytes.length}`;
    let path = this.byContent.get(key);
    if (!path) {
      path = `/img/${this.files.size + 1}.${IMAGE_EXT[m[1]!.toLowerCase()]}`;
      this.files.set(path, bytes);
      this.byContent.set(key, path);
    }
    const size = imageSize(bytes);
    const widthPt = Math.min(TEXT_WIDTH[this.opts.paper], size ? size.w * 0.75 : TEXT_WIDTH[this.opts.paper] * 0.6);
    return `#box(image(${str(path)}, width: ${widthPt.toFixed(1)}pt${alt ? `, alt: ${str(alt)}` : ""}))`;
  }
}

/** The page setup and the styles of the notebook's parts. */
function preamble(opts: TypstOptions): string {
  return `#set document(title: ${str(opts.title)})
#set page(paper: ${str(opts.paper)}, margin: 2cm, numbering: "1", number-align: center)
#set text(font: ("Libertinus Serif", "New Computer Modern"), size: 10.5pt)
#set par(leading: 0.6em, spacing: 0.9em)
#show raw: set text(font: "DejaVu Sans Mono", size: 8pt)
#show link: set text(fill: rgb("#0550ae"))
#show heading: set block(above: 1.3em, below: 0.7em)
#let pymd-source(body) = block(width: 100%, inset: 6pt, radius: 3pt, fill: luma(246), stroke: (left: 2pt + rgb("#0969da")), body)
#let pymd-pre(body) = block(width: 100%, inset: 6pt, radius: 3pt, fill: luma(246), body)
#let pymd-outputs(body) = block(width: 100%, inset: (left: 8pt, y: 2pt), stroke: (left: 1.5pt + luma(200)), body)
#let pymd-stdout(body) = block(width: 100%, body)
#let pymd-stream(kind, body) = block(width: 100%, inset: 6pt, radius: 3pt, fill: if kind == "error" { rgb("#ffebe9") } else { rgb("#fff8c5") }, text(fill: if kind == "error" { rgb("#82071e") } else { rgb("#6b4f00") }, body))
#let pymd-cell(body) = block(width: 100%, above: 1em, below: 1em, body)
#let pymd-math-error(body) = text(fill: rgb("#82071e"), body)
#let pymd-math-source(tex) = block(width: 100%, inset: 6pt, fill: luma(246), raw(block: true, tex))
#let pymd-table(n, head, body) = table(columns: n, inset: 5pt, stroke: 0.5pt + luma(190), table.header(..head.map(c => strong(c))), ..body)

#align(center, text(size: 18pt, weight: "bold", ${str(opts.title)}))
`;
}

/** The Typst document of a rendered notebook's HTML. */
export function typstFromHtml(html: string, opts: TypstOptions): TypstDocument {
  const tree = fromHtml(html, { fragment: true });
  const c = new Converter(opts);
  const body = c.blocks(tree.children);
  return { source: `${preamble(opts)}\n${body}\n`, files: c.files };
}
