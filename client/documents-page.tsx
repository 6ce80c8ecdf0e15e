// The list of the user's documents and those shared with them: search, create, paginate.
import { createResource, createSignal, For, Show } from "solid-js";
import type { DocumentListJson, DocumentSummaryJson } from "../protocol/api-types.ts";
import { useSession } from "./session.tsx";
import { api } from "./api.ts";

const PAGE = 20;

export function DocumentsPage() {
  const session = useSession();
  const [q, setQ] = createSignal("");
  const [page, setPage] = createSignal(1);
  const [actionError, setActionError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  const [list, { refetch }] = createResource(
    () => ({ q: q(), page: page() }),
    ({ q, page }) => {
      const params = new URLSearchParams({ page: String(page), limit: String(PAGE) });
      if (q) params.set("q", q);
      return api<DocumentListJson>("GET", `/api/v1/documents?${params}`);
    },
  );

  const onSearch = (value: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      setPage(1);
      setQ(value.trim());
    }, 200);
  };

  const create = async () => {
    setActionError(null);
    try {
      await api<DocumentSummaryJson>("POST", "/api/v1/documents", { title: "Untitled notebook", content: "# # Untitled notebook\n#\n# Write Markdown after `# `, Python in fenced blocks.\n" });
      await refetch();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };

  const pages = () => Math.max(1, Math.ceil((list()?.pagination.total ?? 0) / PAGE));

  return (
    <main class="page">
      <div class="toolbar">
        <h1>Documents</h1>
        <span class="spacer" />
        <input type="search" aria-label="Search documents" placeholder="Search title and content" onInput={(e) => onSearch(e.currentTarget.value)} />
        <Show when={session.user()?.role !== "viewer"}>
          <button onClick={create}>New document</button>
        </Show>
      </div>
      <Show when={actionError()}>
        <p role="alert" class="error">{actionError()}</p>
      </Show>
      <Show when={!list.error} fallback={<p role="alert" class="error">Could not load documents: {String(list.error?.message ?? list.error)} <button onClick={refetch}>Retry</button></p>}>
        <Show when={!list.loading || list()} fallback={<p class="muted">Loading documents…</p>}>
          <Show
            when={(list()?.documents.length ?? 0) > 0}
            fallback={<p class="empty muted">{q() ? `Nothing matches “${q()}”.` : "No documents yet. Create one to start writing."}</p>}
          >
            <ul class="doc-list" aria-label="Documents">
              <For each={list()?.documents}>
                {(d) => (
                  <li class="doc-item">
                    <a href={`/d/${d.id}`} class="doc-title">
                      {d.title}
                    </a>
                    <span class="muted small">
                      {d.role} · updated {new Date(d.updatedAt).toLocaleString()}
                    </span>
                    <Show when={d.tags.length > 0}>
                      <span class="tags">
                        <For each={d.tags}>{(t) => <span class="tag">{t}</span>}</For>
                      </span>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
            <nav class="pager" aria-label="Pages">
              <button class="secondary" disabled={page() <= 1} onClick={() => setPage(page() - 1)}>
                Previous
              </button>
              <span class="muted">
                Page {page()} of {pages()} · {list()?.pagination.total} documents
              </span>
              <button class="secondary" disabled={page() >= pages()} onClick={() => setPage(page() + 1)}>
                Next
              </button>
            </nav>
          </Show>
        </Show>
      </Show>
    </main>
  );
}
