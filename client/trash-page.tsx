// The trash: the user's documents deleted in the last 30 days, with how long each has left and
// restore. The server empties it after the retention period.
import { createResource, For, Match, Show, Switch } from "solid-js";
import { useNavigate } from "@solidjs/router";
import type { DocumentJson, DocumentListJson } from "../protocol/api-types.ts";
import { LoadFailed } from "./load-failed.tsx";
import { api } from "./api.ts";
import { showToast } from "./toast.tsx";

const RETENTION_DAYS = 30;
const DAY = 86_400_000;

export function daysLeft(deletedAt: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(deletedAt).getTime() + RETENTION_DAYS * DAY - now) / DAY));
}

export function TrashPage() {
  const navigate = useNavigate();
  const [list, { refetch }] = createResource(() => api<DocumentListJson>("GET", "/api/v1/trash?limit=100&sort=updated"));
  const docs = () => (list.error ? undefined : list.latest)?.documents;
  let heading: HTMLHeadingElement | undefined;

  const restore = async (id: string, title: string) => {
    try {
      const doc = await api<DocumentJson>("POST", `/api/v1/documents/${id}/restore`);
      heading?.focus();
      await refetch();
      showToast({ message: `Restored “${title}”`, action: { label: "Open", run: () => navigate(`/d/${doc.id}`) } });
    } catch (e) {
      showToast({ message: `Could not restore “${title}”: ${e instanceof Error ? e.message : String(e)}`, tone: "error" });
    }
  };

  return (
    <main class="page">
      <h1 ref={heading} tabindex="-1">
        Trash
      </h1>
      <p class="muted">Deleted documents stay here for {RETENTION_DAYS} days, then they are removed for good.</p>
      <Switch>
        <Match when={list.error && !list.loading}>
          <LoadFailed what="the trash" error={list.error} onRetry={() => void refetch()} />
        </Match>
        <Match when={!docs()}>
          <p class="muted" aria-busy="true">
            <span class="spinner" aria-hidden="true" /> Loading the trash…
          </p>
        </Match>
        <Match when={docs()!.length === 0}>
          <div class="state-box empty-state">
            <p class="empty-title">The trash is empty</p>
            <p class="muted">Documents you delete appear here and can be restored for {RETENTION_DAYS} days.</p>
            <a href="/">Back to your documents</a>
          </div>
        </Match>
        <Match when={docs()}>
          {(all) => (
            <ul class="doc-list" aria-label="Deleted documents">
              <For each={all()}>
                {(d) => {
                  const left = () => daysLeft(d.deletedAt ?? d.updatedAt);
                  return (
                    <li class="doc-row" data-testid="trash-row">
                      <div class="doc-main">
                        <span class="doc-title">{d.title}</span>
                        <div class="doc-meta muted small">
                          <span title={new Date(d.deletedAt ?? d.updatedAt).toLocaleString()}>
                            Deleted {new Date(d.deletedAt ?? d.updatedAt).toLocaleDateString()}
                          </span>
                          <span classList={{ "warn-text": left() <= 3 }}>
                            {left() === 0 ? "Removed today" : left() === 1 ? "1 day left" : `${left()} days left`}
                          </span>
                        </div>
                      </div>
                      <button type="button" class="secondary" aria-label={`Restore ${d.title}`} onClick={() => restore(d.id, d.title)}>
                        Restore
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
