// A published notebook, read-only, for anyone holding the link: rendered with its last outputs.
import { createEffect, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { BrowserKernel, type BrowserKernelState, browserPythonInfo, runBlocksOf } from "./browser-kernel.ts";
import type { CommentThreadListJson, PublicDocumentJson } from "../protocol/api-types.ts";
import { useParams } from "@solidjs/router";
import { api } from "./api.ts";
import { formatDateTime, t } from "./i18n.ts";
import { drawDiagrams, hasDiagram } from "./mermaid-diagrams.ts";

export function PublicPage() {
  const params = useParams();
  const [doc] = createResource(
    () => params.slug,
    (slug) => api<PublicDocumentJson>("GET", `/api/v1/public/${encodeURIComponent(slug)}`),
  );
  // the open comments, where the owner shows them (404 otherwise: none)
  const [comments] = createResource(
    () => (doc()?.comments ? params.slug : null),
    (slug) =>
      api<CommentThreadListJson>("GET", `/api/v1/public/${encodeURIComponent(slug)}/comments`).catch(() => ({
        threads: [],
      })),
  );
  // the notebook's mermaid listings drawn as diagrams, once it is on the page
  let notebook: HTMLDivElement | undefined;
  // Python in this reader's browser: outputs shown here only, never sent to the server or stored
  const [python] = createResource(browserPythonInfo);
  const [state, setState] = createSignal<BrowserKernelState | "off">("off");
  const [detail, setDetail] = createSignal("");
  let kernel: BrowserKernel | null = null;
  onCleanup(() => kernel?.dispose());
  const showBlock = (index: number, html: string, status: string) => {
    const cell = notebook?.querySelector<HTMLElement>(`[data-block="${index}"]`);
    if (!cell) return;
    cell.dataset.browserStatus = status;
    // a block the run did not reach keeps what the page showed
    if (status === "not-run") return;
    let outputs = cell.querySelector<HTMLElement>(":scope > .pymd-outputs");
    if (!outputs) {
      outputs = document.createElement("div");
      outputs.className = "pymd-outputs";
      cell.append(outputs);
    }
    outputs.classList.add("pymd-browser-outputs");
    outputs.innerHTML = html;
    cell.classList.remove("pymd-status-ok", "pymd-status-error", "pymd-status-exit", "pymd-status-interrupted");
    if (status !== "running") cell.classList.add(`pymd-status-${status}`);
  };
  const runInBrowser = async () => {
    const info = python();
    if (!info?.available) return;
    setState("loading");
    setDetail(t("Loading Python…"));
    let source: string;
    try {
      const r = await fetch(`/api/v1/public/${encodeURIComponent(params.slug!)}/source`);
      if (!r.ok) throw new Error(String(r.status));
      source = await r.text();
    } catch {
      setState("failed");
      setDetail(t("The notebook's source could not be loaded."));
      return;
    }
    kernel ??= new BrowserKernel(info, {
      state: (s, d) => {
        setState(s);
        setDetail(d);
      },
      block: showBlock,
      done: () => {},
    });
    kernel.run(runBlocksOf(source));
  };
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
              <Show when={python()?.available}>
                <div class="browser-run small" data-testid="browser-run-bar">
                  <button
                    type="button"
                    data-testid="browser-run"
                    disabled={state() === "running" || state() === "loading"}
                    onClick={() => void runInBrowser()}
                  >
                    {t("Run in your browser")}
                  </button>
                  <Show when={state() === "running" || state() === "loading"}>
                    <button type="button" data-testid="browser-interrupt" onClick={() => kernel?.interrupt()}>
                      {t("Interrupt")}
                    </button>
                  </Show>
                  <span class="muted" data-testid="browser-run-status" data-state={state()}>
                    {state() === "off"
                      ? t("Runs the notebook in this browser: its outputs are shown only to you.")
                      : state() === "running"
                        ? t("Running in your browser…")
                        : state() === "idle"
                          ? t("Ran in your browser with {python}. The outputs are shown only to you.", {
                              python: detail(),
                            })
                          : detail()}
                  </span>
                </div>
              </Show>
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
