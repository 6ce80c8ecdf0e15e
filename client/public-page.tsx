// A published notebook, read-only, for anyone holding the link: rendered with its last outputs.
import { createResource, Show } from "solid-js";
import { useParams } from "@solidjs/router";
import { api } from "./api.ts";

export function PublicPage() {
  const params = useParams();
  const [doc] = createResource(
    () => params.slug,
    (slug) => api<{ title: string; updatedAt: string; html: string }>("GET", `/api/v1/public/${encodeURIComponent(slug)}`),
  );
  return (
    <main class="public-page">
      <Show when={!doc.loading} fallback={<p class="muted">Loading…</p>}>
        <Show when={doc()} fallback={<div class="center"><h1>Not found</h1><p class="muted">This link does not exist or was revoked.</p></div>}>
          {(d) => (
            <article>
              <header class="public-head">
                <h1 class="public-title">{d().title}</h1>
                <p class="muted small">Published with pymd · updated {new Date(d().updatedAt).toLocaleString()}</p>
              </header>
              <div class="preview notebook" data-testid="public-notebook" innerHTML={d().html} />
            </article>
          )}
        </Show>
      </Show>
    </main>
  );
}
