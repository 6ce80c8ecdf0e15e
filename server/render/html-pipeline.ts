// The last stage every HTML render goes through: sanitize with our schema, keep only safe image
// sources, render math, then highlight code (after sanitizing, so only KaTeX and highlight.js add
// classes and styles) and serialize.

import type { Element, Root } from "hast";
import type { VFile } from "vfile";
import rehypeHighlight from "rehype-highlight";
import rehypeSanitize from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import { unified } from "unified";
import { rehypeMath } from "./math.ts";
import { isAllowedImageSource, isAllowedVideoSource, sanitizeSchema } from "./sanitize-schema.ts";

/**
 * Where a workspace file referenced by a relative path (`chart.png`, `figures/a.png`) is served in
 * this render: the editor's file route, a public link's, or a data URI in an export; null when
 * the file cannot be shown there.
 */
export type FileUrl = (path: string, use: "img" | "link") => string | null;

export interface FinishOptions {
  fileUrl?: FileUrl;
}

/** A relative reference to a workspace file: no scheme, no leading slash, no fragment-only link. */
export function workspaceReference(url: string): string | null {
  if (
    /^[a-z][a-z0-9+.-]*:/i.test(url) ||
    url.startsWith("/") ||
    url.startsWith("#") ||
    url.startsWith("?") ||
    url === ""
  )
    return null;
  let path = url.split(/[?#]/)[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  return path.replace(/^\.\//, "");
}

/** Replaces an <img> whose source is not an image we allow by its alt text; resolves workspace references. */
function restrictImageSources() {
  return (tree: Root, file: VFile): void => {
    const fileUrl = (file.data as { fileUrl?: FileUrl }).fileUrl;
    const walk = (parent: Root | Element): void => {
      parent.children.forEach((child, i) => {
        if (child.type !== "element") return;
        if (child.tagName === "a" && typeof child.properties.href === "string") {
          const ref = workspaceReference(child.properties.href);
          if (ref !== null) {
            const url = fileUrl?.(ref, "link") ?? null;
            if (url) child.properties.href = url;
            else delete child.properties.href;
          }
        }
        if (child.tagName === "source") {
          const src = child.properties.src;
          if (typeof src !== "string" || !isAllowedVideoSource(src))
            parent.children.splice(i, 1, { type: "text", value: "" });
          return;
        }
        if (child.tagName === "img") {
          let src = child.properties.src;
          const ref = typeof src === "string" ? workspaceReference(src) : null;
          if (ref !== null) {
            src = fileUrl?.(ref, "img") ?? undefined;
            if (src) child.properties.src = src;
          }
          if (typeof src !== "string" || !(isAllowedImageSource(src) || (ref !== null && src.startsWith("/api/v1/")))) {
            const alt = typeof child.properties.alt === "string" ? child.properties.alt : "";
            parent.children[i] = { type: "text", value: alt };
          }
          return;
        }
        walk(child);
      });
    };
    walk(tree);
  };
}

const pipeline = unified()
  .use(rehypeSanitize, sanitizeSchema)
  .use(restrictImageSources)
  .use(rehypeMath)
  .use(rehypeHighlight, { plainText: ["text", "txt", "plain", "plaintext", "output"] })
  .use(rehypeStringify)
  .freeze();

/** Sanitizes, highlights and serializes an HTML tree. */
export async function finishHtml(tree: Root, opts: FinishOptions = {}): Promise<string> {
  const out = (await pipeline.run(tree, { data: { fileUrl: opts.fileUrl } } as never)) as unknown as Root;
  return pipeline.stringify(out);
}
