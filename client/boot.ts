// A classic script the page runs before its application has loaded (scripts/build.ts puts it in
// the page): on a document's page it asks for the document at once and shows its text where the
// editor will be, read-only, so the text is there while the application starts. The editor takes
// over that answer (client/early-document.ts) and removes the text when it shows its own.
import type { Early } from "./early-document.ts";

(() => {
  const m = /^\/d\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  if (!m) return;
  const response = fetch(`/api/v1/documents/${m[1]}`, { credentials: "same-origin" });
  const early: Early = { id: m[1]!, response };
  (window as unknown as { __pymdEarly?: Early }).__pymdEarly = early;
  response
    .then((r) => (r.ok ? r.clone().json() : null))
    .then((d: { content?: unknown } | null) => {
      if (typeof d?.content !== "string" || early.shown === false) return;
      const pre = document.createElement("pre");
      pre.className = "early-text";
      pre.setAttribute("aria-hidden", "true");
      // a screenful is all it is for
      pre.textContent = d.content.split("\n", 120).join("\n");
      document.body.append(pre);
      early.shown = true;
    })
    .catch(() => undefined);
})();
