// The document's answer asked for by the page's first script (client/boot.ts) before the
// application loaded, and the text it shows meanwhile.

export interface Early {
  id: string;
  response?: Promise<Response>;
  /** true once its text is shown; false: it is not to be shown (the editor or another page is). */
  shown?: boolean;
}

const early = () => (window as unknown as { __pymdEarly?: Early }).__pymdEarly;

/** The answer to `GET /api/v1/documents/:id` already asked for, once, if it was for this document. */
export function takeEarlyDocument(id: string): Promise<Response> | null {
  const e = early();
  if (!e?.response || e.id !== id) return null;
  const r = e.response;
  e.response = undefined;
  return r;
}

/** Removes the early text (the editor shows the text now, or the page is another one). */
export function dropEarlyText(): void {
  const e = early();
  if (e) e.shown = false;
  for (const el of document.querySelectorAll(".early-text")) el.remove();
}
