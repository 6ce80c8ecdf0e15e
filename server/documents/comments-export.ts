// A document's comments appended to its Markdown or HTML export, when the exporter asks for them
// (?comments=1): each thread with the text it is on, whether it is resolved, and its comments.
// What people wrote is escaped: it never becomes markup in the export.
import type { CommentThreadJson } from "../../protocol/api-types.ts";

const day = (iso: string) => iso.slice(0, 16).replace("T", " ") + " UTC";

/** Backslash-escapes what Markdown would read as syntax. */
export function markdownText(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function commentsMarkdown(threads: CommentThreadJson[]): string {
  if (threads.length === 0) return "";
  const out = ["", "---", "", "## Comments", ""];
  for (const t of threads) {
    const where = t.onDeletedText ? " (on deleted text)" : "";
    const state = t.resolved ? ` — resolved${t.resolved.by ? ` by ${markdownText(t.resolved.by)}` : ""}` : "";
    out.push(`> ${markdownText(t.quote).replace(/\n/g, "\n> ")}`, "", `*On the text above${where}${state}:*`, "");
    for (const c of t.comments) {
      const who = c.author ? markdownText(c.author.name) : "(a deleted account)";
      out.push(`- **${who}**, ${day(c.createdAt)}: ${markdownText(c.body).replace(/\n/g, "  \n  ")}`);
    }
    out.push("");
  }
  return out.join("\n");
}

export function commentsHtml(threads: CommentThreadJson[]): string {
  if (threads.length === 0) return "";
  const items = threads.map((t) => {
    const state = t.resolved ? ` · resolved${t.resolved.by ? ` by ${html(t.resolved.by)}` : ""}` : "";
    const comments = t.comments
      .map(
        (c) =>
          `<li><strong>${c.author ? html(c.author.name) : "(a deleted account)"}</strong> <small>${html(day(c.createdAt))}</small><p style="white-space:pre-wrap">${html(c.body)}</p></li>`,
      )
      .join("");
    return `<section class="comment-thread"><blockquote>${html(t.quote)}</blockquote><p><em>${t.onDeletedText ? "On deleted text" : "On the text above"}${state}</em></p><ul>${comments}</ul></section>`;
  });
  return `<hr><section class="comments"><h2>Comments</h2>${items.join("")}</section>`;
}
