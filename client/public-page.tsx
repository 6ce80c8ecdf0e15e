// A published notebook, read-only, for anyone holding the link: rendered with its last outputs.
import { createEffect, createResource, For, Show } from "solid-js";
import type { CommentThreadJson } from "../protocol/api-types.ts";
import { useParams } from "@solidjs/router";
import { api } from "./api.ts";
import { formatDateTime, t } from "./i18n.ts";
import { drawDiagrams, hasDiagram } from "./mermaid-diagrams.ts";

export function PublicPage() {
  const params = useParams();
  const [doc] = createResource(
    () => params.slug,
    (slug) =>
      api<{ title: string; updatedAt: string; html: string; comments: boolean }>(
        "GET",
        `/api/v1/public/${encodeURIComponent(slug)}`,
      ),
  );
  // the open comments, where the owner shows them (404 otherwise: none)
  const [comments] = createResource(
    () => (doc()?.comments ? params.slug : null),
    (slug) =>
      api<{ threads: CommentThreadJson[] }>("GET", `/api/v1/public/${encodeURIComponent(slug)}/comments`).catch(() => ({
        threads: [],
      })),
  );
  // the notebook's mermaid listings drawn as diagrams, once it is on the page
  let notebook: HTMLDivElement | undefined;
  createEffect(() => {
    const html = doc()?.html;
    if (html && notebook && hasDiagram(html)) drawDiagrams(notebook);
  });
  return (
    <main class="public-page">
      <Show when={!doc.loading} fallback={<p class="muted">{t("Loading…")}</p>}>
        <Show
          when={doc()}
          fallback={
            <div class="center">
              <h1>{t("Not found")}</h1>
              <p class="muted">{t("This link does not exist or was revoked.")}</p>
            </div>
          }
        >
          {(d) => (
            <article>
              <header class="public-head">
                <h1 class="public-title">{d().title}</h1>
                <p class="muted small">
                  {t("Published with pymd · updated {date}", { date: formatDateTime(d().updatedAt) })}
                </p>
                <p class="small public-downloads">
                  <a
                    href={`/api/v1/public/${encodeURIComponent(params.slug!)}/export?format=pdf`}
                    download=""
                    data-testid="public-pdf"
                  >
                    {t("Download PDF")}
                  </a>{" "}
                  <a
                    href={`/api/v1/public/${encodeURIComponent(params.slug!)}/export?format=pdf&paper=letter`}
                    download=""
                  >
                    {t("(US Letter)")}
                  </a>
                </p>
              </header>
              <div class="preview notebook" data-testid="public-notebook" innerHTML={d().html} ref={notebook} />
              <Show when={(comments()?.threads.length ?? 0) > 0}>
                <section class="public-comments" aria-label={t("Comments")} data-testid="public-comments">
                  <h2>{t("Comments")}</h2>
                  <For each={comments()!.threads}>
                    {(th) => (
                      <div class="thread">
                        <q class="thread-quote">{th.quote}</q>
                        <For each={th.comments}>
                          {(c) => (
                            <p class="comment-body">
                              <strong>{c.author?.name ?? t("A deleted account")}</strong>{" "}
                              <span class="muted small">{formatDateTime(c.createdAt)}</span>
                              <br />
                              {c.body}
                            </p>
                          )}
                        </For>
                      </div>
                    )}
                  </For>
                </section>
              </Show>
            </article>
          )}
        </Show>
      </Show>
    </main>
  );
}
