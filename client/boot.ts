// A classic script the page runs before its application has loaded (scripts/build.ts puts it in
// the page): on a document's page it asks for the document at once and shows its text where the
// editor will be, read-only, so the text is there while the application starts. The editor takes
// over that answer (client/early-document.ts) and removes the text when it shows its own.
(() => {
  const m = /^\/d\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  if (!m) return;
  const response = fetch(`/api/v1/documents/${m[1]}`, { credentials: "same-origin" });
  (window as unknown as { __pymdEarly?: unknown }).__pymdEarly = { id: m[1], response };
  response
    .then((r) => (r.ok ? r.clone().json() : null))
    .then((d: { content?: unknown } | null) => {
      const early = (window as unknown as { __pymdEarly?: { shown?: boolean } }).__pymdEarly;
      if (typeof d?.content !== "string" || !early || early.shown === false) return;
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
