// The last stage every HTML render goes through: sanitize with our schema, keep only safe image
// sources, then highlight code (after sanitizing, so only highlight.js adds classes) and serialize.

import type { Element, Root } from "hast";
import rehypeHighlight from "rehype-highlight";
import rehypeSanitize from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import { unified } from "unified";
import { isAllowedImageSource, sanitizeSchema } from "./sanitize-schema.ts";

/** Replaces an <img> whose source is not an image we allow by its alt text. */
function restrictImageSources() {
  return (tree: Root): void => {
    const walk = (parent: Root | Element): void => {
      parent.children.forEach((child, i) => {
        if (child.type !== "element") return;
        if (child.tagName === "img") {
          const src = child.properties.src;
          if (typeof src !== "string" || !isAllowedImageSource(src)) {
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
  .use(rehypeHighlight, { plainText: ["text", "txt", "plain", "plaintext", "output"] })
  .use(rehypeStringify)
  .freeze();

/** Sanitizes, highlights and serializes an HTML tree. */
export async function finishHtml(tree: Root): Promise<string> {
  const out = (await pipeline.run(tree)) as Root;
  return pipeline.stringify(out);
}
