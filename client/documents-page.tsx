// The documents page: the user's documents and those shared with them, with full-text search,
// tag filter, sort, pages, creation (blank or from a template), import and per-document actions.
// The list's state lives in the URL (?q=&tag=&sort=&order=&page=) so back, reload and links keep it.
import { createMemo, createResource, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import { useNavigate, useSearchParams } from "@solidjs/router";
import type { DocumentJson, DocumentListJson } from "../protocol/api-types.ts";
import { useSession } from "./session.tsx";
import { errorMessage, LoadFailed } from "./load-failed.tsx";
import { api } from "./api.ts";
import { BLANK_DOCUMENT, TEMPLATES, type DocumentTemplate } from "./templates.ts";
import { DocumentRow } from "./documents-row.tsx";
import { MenuButton } from "./documents-menu-button.tsx";
import { createImporter, ImportButton, ImportStatus } from "./documents-import.tsx";
import { showToast } from "./toast.tsx";
import { formatNumber, t } from "./i18n.ts";

const PAGE = 20;
type SortKey = "updated" | "created" | "title";
const DEFAULT_ORDER: Record<SortKey, "asc" | "desc"> = { updated: "desc", created: "desc", title: "asc" };
const SORT_KEYS: SortKey[] = ["updated", "created", "title"];
const sortLabel = (k: SortKey) => (k === "updated" ? t("Last updated") : k === "created" ? t("Date created") : t("Title"));

interface ListQuery {
  q: string;
  tag: string;
  sort: SortKey;
  order: "asc" | "desc";
  page: number;
}

export function DocumentsPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams<{ q?: string; tag?: string; sort?: string; order?: string; page?: string }>();
  const canAuthor = () => session.user()?.role !== "viewer";

  const query = createMemo<ListQuery>(() => {
    const sort: SortKey = params.sort === "created" || params.sort === "title" ? params.sort : "updated";
    const order = params.order === "asc" || params.order === "desc" ? params.order : DEFAULT_ORDER[sort];
    const page = Math.max(1, Number.parseInt(params.page ?? "1", 10) || 1);
    return { q: (params.q ?? "").trim(), tag: params.tag ?? "", sort, order, page };
  });

  const [list, { refetch }] = createResource(query, (p) => {
    const s = new URLSearchParams({ page: String(p.page), limit: String(PAGE), sort: p.sort, order: p.order });
    if (p.q) s.set("q", p.q);
    if (p.tag) s.set("tag", p.tag);
    return api<DocumentListJson>("GET", `/api/v1/documents?${s}`);
  });

  const [tagSource, { refetch: refetchTags }] = createResource(() => api<{ tags: { tag: string; count: number }[] }>("GET", "/api/v1/tags"));
  const knownTags = createMemo(() => {
    const counts = new Map<string, number>();
    for (const t of (tagSource.error ? undefined : tagSource.latest)?.tags ?? []) counts.set(t.tag, t.count);
    const active = query().tag;
    if (active && !counts.has(active)) counts.set(active, 0);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 30);
  });

  const reload = () => {
    void refetch();
    void refetchTags();
  };

  // Search as you type, but one request per pause rather than per keystroke.
  const [typed, setTyped] = createSignal(params.q ?? "");
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const onSearch = (value: string) => {
    setTyped(value);
    clearTimeout(timer);
    timer = setTimeout(() => setParams({ q: value.trim() || undefined, page: undefined }, { replace: true }), 250);
  };

  const setTag = (tag: string | undefined) => setParams({ tag: tag === query().tag ? undefined : tag, page: undefined });
  const clearFilters = () => {
    clearTimeout(timer);
    setTyped("");
    setParams({ q: undefined, tag: undefined, page: undefined });
  };
  const setSort = (sort: SortKey) => setParams({ sort: sort === "updated" ? undefined : sort, order: undefined, page: undefined });
  const toggleOrder = () => setParams({ order: query().order === "asc" ? "desc" : "asc", page: undefined });
  const goPage = (page: number) => {
    setParams({ page: page <= 1 ? undefined : String(page) });
    heading?.scrollIntoView({ block: "start" });
  };

  const [creating, setCreating] = createSignal(false);
  const create = async (tpl: DocumentTemplate) => {
    if (creating()) return;
    setCreating(true);
    try {
      const doc = await api<DocumentJson>("POST", "/api/v1/documents", { title: tpl.title, content: tpl.content });
      navigate(`/d/${doc.id}`);
    } catch (e) {
      showToast({ message: t("Could not create the document: {error}", { error: errorMessage(e) }), tone: "error" });
    } finally {
      setCreating(false);
    }
  };

  const importer = createImporter(reload);
  const [dragging, setDragging] = createSignal(false);
  let dragDepth = 0;
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");

  let heading: HTMLHeadingElement | undefined;
  // Reading an errored resource throws; the error branch shows it instead.
  const data = () => (list.error ? undefined : list.latest);
  const pages = () => Math.max(1, Math.ceil((data()?.pagination.total ?? 0) / PAGE));
  const filtered = () => !!query().q || !!query().tag;

  const newItems = () => [
    { label: BLANK_DOCUMENT.name, hint: BLANK_DOCUMENT.description, run: () => void create(BLANK_DOCUMENT) },
    ...TEMPLATES.map((t) => ({ label: t.name, hint: t.description, run: () => void create(t) })),
  ];

  return (
    <main
      class="page documents-page"
      classList={{ dragging: dragging() }}
      onDragEnter={(e) => {
        if (!canAuthor() || !hasFiles(e)) return;
        e.preventDefault();
        dragDepth++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!canAuthor() || !hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => {
        dragDepth = Math.max(0, dragDepth - 1);
        if (dragDepth === 0) setDragging(false);
      }}
      onDrop={(e) => {
        if (!canAuthor() || !hasFiles(e)) return;
        e.preventDefault();
        dragDepth = 0;
        setDragging(false);
        void importer.importFiles([...(e.dataTransfer?.files ?? [])]);
      }}
    >
      <div class="toolbar docs-toolbar">
        <h1 ref={heading} tabindex="-1">{t("Documents")}</h1>
        <span class="spacer" />
        <Show when={canAuthor()}>
          <ImportButton onFiles={(f) => void importer.importFiles(f)} />
          <MenuButton label={creating() ? t("Creating…") : t("New document ▾")} ariaLabel={t("New document")} items={newItems()} buttonClass="primary" testId="new-menu" />
        </Show>
      </div>

      <div class="filters" role="search">
        <input
          type="search"
          class="search"
          aria-label={t("Search documents")}
          placeholder={t("Search titles and content…")}
          value={typed()}
          onInput={(e) => onSearch(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape" && typed()) {
              e.preventDefault();
              clearFilters();
            }
          }}
        />
        <label class="sort">
          <span>{t("Sort by")}</span>
          <select aria-label={t("Sort by")} value={query().sort} onChange={(e) => setSort(e.currentTarget.value as SortKey)}>
            <For each={SORT_KEYS}>{(k) => <option value={k}>{sortLabel(k)}</option>}</For>
          </select>
        </label>
        <button
          type="button"
          class="secondary"
          onClick={toggleOrder}
          aria-label={query().order === "asc" ? t("Order: ascending. Switch to descending") : t("Order: descending. Switch to ascending")}
          title={t("Switch the order")}
        >
          {query().order === "asc" ? t("↑ Ascending") : t("↓ Descending")}
        </button>
      </div>

      <Show when={knownTags().length > 0}>
        <div class="tag-filter">
          <span class="muted small" id="tag-filter-label">
            {t("Tags")}
          </span>
          <ul class="tags" aria-labelledby="tag-filter-label">
            <For each={knownTags()}>
              {([tag, n]) => (
                <li>
                  <button type="button" class="tag" classList={{ active: query().tag === tag }} aria-pressed={query().tag === tag} onClick={() => setTag(tag)}>
                    {tag}
                    <Show when={n > 0}>
                      <span class="tag-count" aria-hidden="true">
                        {n}
                      </span>
                    </Show>
                  </button>
                </li>
              )}
            </For>
          </ul>
          <Show when={filtered()}>
            <button type="button" class="link-button" onClick={clearFilters}>
              {t("Clear filters")}
            </button>
          </Show>
        </div>
      </Show>

      <ImportStatus items={importer.items()} onClear={importer.clear} />

      <Show when={dragging()}>
        <div class="drop-overlay" aria-hidden="true">
          <p>{t("Drop .pymd files to import them")}</p>
        </div>
      </Show>

      <section aria-labelledby="doc-list-status" aria-busy={list.loading}>
        <p id="doc-list-status" class="visually-hidden" aria-live="polite">
          {list.loading ? t("Loading documents") : data() ? t("{n} documents", { n: data()!.pagination.total }) : ""}
        </p>
        <Switch>
          <Match when={list.error && !list.loading}>
            <LoadFailed what={t("your documents")} error={list.error} onRetry={reload} />
          </Match>
          <Match when={!data()}>
            <ul class="doc-list skeleton" aria-hidden="true">
              <For each={[1, 2, 3, 4, 5]}>
                {() => (
                  <li class="doc-row">
                    <div class="doc-main">
                      <span class="sk sk-title" />
                      <span class="sk sk-meta" />
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Match>
          <Match when={data()!.documents.length === 0 && filtered()}>
            <div class="state-box">
              <p class="empty-title">
                {query().q && query().tag
                  ? t("Nothing matches “{q}” with the tag “{tag}”.", { q: query().q, tag: query().tag })
                  : query().q
                    ? t("Nothing matches “{q}”.", { q: query().q })
                    : t("Nothing matches the tag “{tag}”.", { tag: query().tag })}
              </p>
              <button type="button" class="secondary" onClick={clearFilters}>
                {t("Clear filters")}
              </button>
            </div>
          </Match>
          <Match when={data()!.documents.length === 0 && query().page > 1}>
            <div class="state-box">
              <p>{t("This page is empty.")}</p>
              <button type="button" class="secondary" onClick={() => goPage(1)}>
                {t("Back to the first page")}
              </button>
            </div>
          </Match>
          <Match when={data()!.documents.length === 0}>
            <div class="state-box empty-state">
              <p class="empty-title">{t("No documents yet")}</p>
              <Show when={canAuthor()} fallback={<p class="muted">{t("Documents shared with you will appear here.")}</p>}>
                <p class="muted">{t("Start from a blank notebook or a starter that shows text, a table and a plot. You can also drop .pymd files here.")}</p>
                <div class="row-buttons">
                  <button type="button" onClick={() => void create(BLANK_DOCUMENT)}>
                    {t("Create a blank document")}
                  </button>
                  <button type="button" class="secondary" onClick={() => void create(TEMPLATES[0]!)}>
                    {t("Start from the {name}", { name: TEMPLATES[0]!.name.toLowerCase() })}
                  </button>
                </div>
              </Show>
            </div>
          </Match>
          <Match when={data()}>
            {(d) => (
              <>
                <ul class="doc-list" aria-label={t("Documents")} classList={{ refreshing: list.loading }}>
                  <For each={d().documents}>
                    {(doc) => (
                      <DocumentRow
                        doc={doc}
                        canAuthor={canAuthor()}
                        activeTag={query().tag || undefined}
                        onTag={setTag}
                        onChanged={reload}
                        onRemoved={() => heading?.focus()}
                      />
                    )}
                  </For>
                </ul>
                <Show when={pages() > 1}>
                  <nav class="pager" aria-label={t("Pages")}>
                    <button type="button" class="secondary" disabled={query().page <= 1} onClick={() => goPage(query().page - 1)}>
                      {t("← Previous")}
                    </button>
                    <span class="muted">
                      {t("Page {page} of {pages}", { page: query().page, pages: pages() })}
                    </span>
                    <button type="button" class="secondary" disabled={query().page >= pages()} onClick={() => goPage(query().page + 1)}>
                      {t("Next →")}
                    </button>
                  </nav>
                </Show>
                <p class="muted small list-count">
                  {d().pagination.total === 1 ? t("1 document") : t("{n} documents", { n: formatNumber(d().pagination.total) })}
                </p>
              </>
            )}
          </Match>
        </Switch>
      </section>
    </main>
  );
}
