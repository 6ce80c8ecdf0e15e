// A published notebook, read-only, for anyone holding the link: rendered with its last outputs.
import { createResource, Show } from "solid-js";
import { useParams } from "@solidjs/router";
import { api } from "./api.ts";
import { formatDateTime, t } from "./i18n.ts";

export function PublicPage() {
  const params = useParams();
  const [doc] = createResource(
    () => params.slug,
    (slug) => api<{ title: string; updatedAt: string; html: string }>("GET", `/api/v1/public/${encodeURIComponent(slug)}`),
  );
  return (
    <main class="public-page">
      <Show when={!doc.loading} fallback={<p class="muted">{t("Loading…")}</p>}>
        <Show when={doc()} fallback={<div class="center"><h1>{t("Not found")}</h1><p class="muted">{t("This link does not exist or was revoked.")}</p></div>}>
          {(d) => (
            <article>
              <header class="public-head">
                <h1 class="public-title">{d().title}</h1>
                <p class="muted small">{t("Published with pymd · updated {date}", { date: formatDateTime(d().updatedAt) })}</p>
              </header>
              <div class="preview notebook" data-testid="public-notebook" innerHTML={d().html} />
            </article>
          )}
        </Show>
      </Show>
    </main>
  );
}
