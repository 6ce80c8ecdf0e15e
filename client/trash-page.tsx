// The trash: documents deleted in the last 30 days, with restore.
import { createResource, For, Show } from "solid-js";
import type { DocumentListJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";

export function TrashPage() {
  const [list, { refetch }] = createResource(() => api<DocumentListJson>("GET", "/api/v1/trash?limit=100"));
  const restore = async (id: string) => {
    await api("POST", `/api/v1/documents/${id}/restore`);
    await refetch();
  };
  return (
    <main class="page">
      <h1>Trash</h1>
      <p class="muted">Deleted documents stay here for 30 days.</p>
      <Show when={list()} fallback={<p class="muted">Loading…</p>}>
        <Show when={(list()?.documents.length ?? 0) > 0} fallback={<p class="empty muted">The trash is empty.</p>}>
          <ul class="doc-list" aria-label="Deleted documents">
            <For each={list()?.documents}>
              {(d) => (
                <li class="doc-item">
                  <span class="doc-title">{d.title}</span>
                  <button class="secondary" onClick={() => restore(d.id)}>
                    Restore
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </main>
  );
}
