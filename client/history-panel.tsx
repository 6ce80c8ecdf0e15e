// A document's history: its versions (changes grouped by author and time), one past version
// compared with the current text, and restoring it as a new change so no later work is lost.
import { createResource, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { HistoryJson, VersionDetailJson } from "../protocol/api-types.ts";
import type { VersionJson } from "../protocol/collab-frames.ts";
import { api } from "./api.ts";
import { lineDiff } from "./line-diff.ts";
import { formatDateTime, formatNumber, language, t } from "./i18n.ts";

export function HistoryPanel(props: {
  docId: string;
  canRestore: boolean;
  onClose: () => void;
  onRestored: () => void;
}) {
  const [list, { refetch }] = createResource(() =>
    api<HistoryJson>("GET", `/api/v1/documents/${props.docId}/history?limit=200`),
  );
  const [selected, setSelected] = createSignal<string | null>(null);
  const [detail] = createResource(selected, (hash) =>
    api<VersionDetailJson>("GET", `/api/v1/documents/${props.docId}/history/${hash}`),
  );
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
  onMount(() => addEventListener("keydown", onKey));
  onCleanup(() => removeEventListener("keydown", onKey));

  const restore = async () => {
    const hash = selected();
    if (!hash) return;
    setBusy(true);
    setError(null);
    try {
      await api("POST", `/api/v1/documents/${props.docId}/history/${hash}/restore`);
      props.onRestored();
      await refetch();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const when = (v: VersionJson) => {
    const from = new Date(v.from);
    const to = new Date(v.to);
    // a span of time as the language writes one (the day once when both ends share it)
    return from.getTime() === to.getTime()
      ? formatDateTime(to)
      : new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).formatRange(from, to);
  };

  return (
    <aside class="history-panel" role="dialog" aria-label={t("History")} data-testid="history">
      <div class="history-head">
        <h2>{t("History")}</h2>
        <button type="button" class="link-button" onClick={() => props.onClose()} aria-label={t("Close history")}>
          ✕
        </button>
      </div>
      <Show when={error()}>
        <p role="alert" class="error">
          {error()}
        </p>
      </Show>
      <div class="history-body">
        <ol class="history-list" aria-label={t("Versions, newest first")}>
          <Show when={!list.loading} fallback={<li class="muted">{t("Loading…")}</li>}>
            <For each={list()?.versions} fallback={<li class="muted">{t("No versions yet.")}</li>}>
              {(v, i) => (
                <li>
                  <button
                    type="button"
                    class={`history-item${selected() === v.hash ? " selected" : ""}`}
                    aria-pressed={selected() === v.hash}
                    onClick={() => setSelected(v.hash)}
                  >
                    <strong>{i() === 0 ? t("Current version") : when(v)}</strong>
                    <span class="muted small">
                      {v.author?.username ?? t("unknown")} ·{" "}
                      {v.changes === 1 ? t("1 change") : t("{n} changes", { n: formatNumber(v.changes) })}
                      {i() === 0 ? ` · ${when(v)}` : ""}
                    </span>
                  </button>
                </li>
              )}
            </For>
          </Show>
        </ol>
        <div class="history-compare">
          <Show
            when={selected()}
            fallback={<p class="muted">{t("Pick a version to see it beside the current text.")}</p>}
          >
            <Show when={detail()} fallback={<p class="muted">{t("Loading…")}</p>}>
              {(d) => (
                <>
                  <div class="history-actions">
                    <span class="muted small">
                      {t("Lines marked − are only in this version, + only in the current text.")}
                    </span>
                    <Show when={props.canRestore && d().content !== d().current}>
                      <button type="button" onClick={() => void restore()} disabled={busy()}>
                        {t("Restore this version")}
                      </button>
                    </Show>
                  </div>
                  <pre class="history-diff" data-testid="history-diff">
                    <For each={lineDiff(d().content, d().current)}>
                      {(l) => (
                        <div class={`diff-${l.kind}`}>
                          {l.kind === "removed" ? "− " : l.kind === "added" ? "+ " : "  "}
                          {l.text}
                        </div>
                      )}
                    </For>
                  </pre>
                </>
              )}
            </Show>
          </Show>
        </div>
      </div>
    </aside>
  );
}
