// The trash: the user's documents deleted in the last 30 days, with how long each has left and
// restore. The server empties it after the retention period.
import { createResource, For, Match, Switch } from "solid-js";
import { useNavigate } from "@solidjs/router";
import type { DocumentJson, DocumentListJson } from "../protocol/api-types.ts";
import { LoadFailed } from "./load-failed.tsx";
import { api } from "./api.ts";
import { showToast } from "./toast.tsx";
import { formatDate, formatDateTime, t } from "./i18n.ts";

const RETENTION_DAYS = 30;
const DAY = 86_400_000;

export function daysLeft(deletedAt: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(deletedAt).getTime() + RETENTION_DAYS * DAY - now) / DAY));
}

export function TrashPage() {
  const navigate = useNavigate();
  const [list, { refetch }] = createResource(() =>
    api<DocumentListJson>("GET", "/api/v1/trash?limit=100&sort=updated"),
  );
  const docs = () => (list.error ? undefined : list.latest)?.documents;
  let heading: HTMLHeadingElement | undefined;

  const restore = async (id: string, title: string) => {
    try {
      const doc = await api<DocumentJson>("POST", `/api/v1/documents/${id}/restore`);
      heading?.focus();
      await refetch();
      showToast({
        message: t("Restored “{title}”", { title }),
        action: { label: t("Open"), run: () => navigate(`/d/${doc.id}`) },
      });
    } catch (e) {
      showToast({
        message: t("Could not restore “{title}”: {error}", {
          title,
          error: e instanceof Error ? e.message : String(e),
        }),
        tone: "error",
      });
    }
  };

  return (
    <main class="page">
      <h1 ref={heading} tabindex="-1">
        {t("Trash")}
      </h1>
      <p class="muted">
        {t("Deleted documents stay here for {n} days, then they are removed for good.", { n: RETENTION_DAYS })}
      </p>
      <Switch>
        <Match when={list.error && !list.loading}>
          <LoadFailed what={t("the trash")} error={list.error} onRetry={() => void refetch()} />
        </Match>
        <Match when={!docs()}>
          <p class="muted" aria-busy="true">
            <span class="spinner" aria-hidden="true" /> {t("Loading the trash…")}
          </p>
        </Match>
        <Match when={docs()!.length === 0}>
          <div class="state-box empty-state">
            <p class="empty-title">{t("The trash is empty")}</p>
            <p class="muted">
              {t("Documents you delete appear here and can be restored for {n} days.", { n: RETENTION_DAYS })}
            </p>
            <a href="/">{t("Back to your documents")}</a>
          </div>
        </Match>
        <Match when={docs()}>
          {(all) => (
            <ul class="doc-list" aria-label={t("Deleted documents")}>
              <For each={all()}>
                {(d) => {
                  const left = () => daysLeft(d.deletedAt ?? d.updatedAt);
                  return (
                    <li class="doc-row" data-testid="trash-row">
                      <div class="doc-main">
                        <span class="doc-title">{d.title}</span>
                        <div class="doc-meta muted small">
                          <span title={formatDateTime(d.deletedAt ?? d.updatedAt)}>
                            {t("Deleted {date}", { date: formatDate(d.deletedAt ?? d.updatedAt) })}
                          </span>
                          <span classList={{ "warn-text": left() <= 3 }}>
                            {left() === 0
                              ? t("Removed today")
                              : left() === 1
                                ? t("1 day left")
                                : t("{n} days left", { n: left() })}
                          </span>
                        </div>
                      </div>
                      <button
                        type="button"
                        class="secondary"
                        aria-label={t("Restore {title}", { title: d.title })}
                        onClick={() => restore(d.id, d.title)}
                      >
                        {t("Restore")}
                      </button>
                    </li>
                  );
                }}
              </For>
            </ul>
          )}
        </Match>
      </Switch>
    </main>
  );
}
