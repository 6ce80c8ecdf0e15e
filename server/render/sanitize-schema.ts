// The one sanitize schema every rendered tree passes through: what HTML a document, its outputs
// and our own notebook wrappers may contain. Anything not listed here is dropped.

import type { Schema } from "hast-util-sanitize";

/** Classes of our own wrappers; a document may reuse them, which can only change styling. */
const OWN_CLASS = /^pymd-[a-z0-9-]+$/;

export const sanitizeSchema: Schema = {
  tagNames: [
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "var",
    "video",
    "source",
  ],
  // Dropped together with their content: their text is never meant to be read.
  strip: ["script", "style", "template", "noscript", "title", "textarea", "xmp", "iframe", "object", "svg", "math"],
  attributes: {
    "*": ["id", "title", "lang", "dir"],
    a: [
      "href",
      "ariaLabel",
      "ariaDescribedBy",
      "dataFootnoteRef",
      "dataFootnoteBackref",
      ["className", "data-footnote-backref"],
    ],
    img: ["src", "alt", "width", "height"],
    // pymd.video: the video inline as a data URI; nothing that loads from elsewhere or runs script
    video: ["width", "height", "controls", "autoPlay", "muted", "loop", "playsInline"],
    source: ["src", "type"],
    code: [["className", /^language-[A-Za-z0-9_+#.-]+$/]],
    pre: [["className", OWN_CLASS]],
    div: [["className", OWN_CLASS], "dataBlock", "dataLine"],
    p: [["className", OWN_CLASS]],
    figure: [["className", OWN_CLASS]],
    span: [["className", OWN_CLASS]],
    // Task-list checkboxes from GFM: only ever disabled checkboxes.
    input: [["type", "checkbox"], ["disabled", true], "checked"],
    li: [["className", "task-list-item"]],
    ul: [["className", "contains-task-list"]],
    ol: ["start", ["className", "contains-task-list"]],
    td: ["align", "colSpan", "rowSpan"],
    th: ["align", "colSpan", "rowSpan", "scope"],
    // GFM footnotes.
    section: ["dataFootnotes", ["className", "footnotes"]],
    h2: [["className", "sr-only"]],
    details: ["open"],
    blockquote: ["cite"],
    q: ["cite"],
    del: ["cite"],
    ins: ["cite"],
  },
  required: { input: { type: "checkbox", disabled: true } },
  // `data` is allowed on src only so that image data URIs pass; `restrictImageSources` narrows it to images.
  protocols: {
    href: ["http", "https", "mailto"],
    src: ["http", "https", "data"],
    cite: ["http", "https"],
  },
  // User ids cannot clash with (or clobber DOM globals of) the page that shows them.
  clobber: ["id", "name", "ariaDescribedBy", "ariaLabelledBy"],
  clobberPrefix: "user-content-",
  ancestors: {
    tbody: ["table"],
    td: ["table"],
    th: ["table"],
    thead: ["table"],
    tfoot: ["table"],
    tr: ["table"],
    caption: ["table"],
  },
};

/** Image data URIs that may be embedded: raster formats and SVG (an SVG in <img> cannot run script). */
const IMAGE_DATA_URI = /^data:image\/(?:png|jpeg|gif|webp|svg\+xml)(?:;[a-z0-9=.+-]+)*,/i;
const HTTP_URL = /^https?:\/\//i;

const VIDEO_DATA_URI = /^data:video\/(?:mp4|webm|ogg|quicktime|x-msvideo);base64,/i;

/** Whether a <video><source src> may stay: a video data URI only (pymd.video embeds the file). */
export function isAllowedVideoSource(src: string): boolean {
  return VIDEO_DATA_URI.test(src);
}

/** Whether an <img src> may stay after sanitizing: absolute http(s) or an image data URI. */
export function isAllowedImageSource(src: string): boolean {
  return HTTP_URL.test(src) || IMAGE_DATA_URI.test(src);
}
