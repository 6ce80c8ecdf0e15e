// The documents page: the user's documents and those shared with them, with full-text search,
// tag filter, sort, pages, creation (blank or from a template), import and per-document actions.
// A sidebar of places (all, favourites, shared with me) and the user's folders picks which
// documents are listed; search, tags and sort work within it. The list's state lives in the URL
// (?folder=&favorites=&scope=&q=&tag=&sort=&order=&page=) so back, reload and links keep it.
import { createMemo, createResource, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import { useNavigate, useSearchParams } from "@solidjs/router";
import type { DocumentJson, DocumentListJson, FolderJson } from "../protocol/api-types.ts";
import { useSession } from "./session.tsx";
import { errorMessage, LoadFailed } from "./load-failed.tsx";
import { api } from "./api.ts";
import { BLANK_DOCUMENT, TEMPLATES, type DocumentTemplate } from "./templates.ts";
import { DocumentRow } from "./documents-row.tsx";
import { FoldersSidebar, type FilingChange, type FolderView } from "./folders-sidebar.tsx";
import { MenuButton } from "./documents-menu-button.tsx";
import { createImporter, ImportButton, ImportStatus } from "./documents-import.tsx";
import { showToast } from "./toast.tsx";
import { formatNumber, t } from "./i18n.ts";

const PAGE = 20;
type SortKey = "updated" | "created" | "title";
const DEFAULT_ORDER: Record<SortKey, "asc" | "desc"> = { updated: "desc", created: "desc", title: "asc" };
const SORT_KEYS: SortKey[] = ["updated", "created", "title"];
const sortLabel = (k: SortKey) =>
  k === "updated" ? t("Last updated") : k === "created" ? t("Date created") : t("Title");

interface ListQuery {
  q: string;
  tag: string;
  sort: SortKey;
  order: "asc" | "desc";
  page: number;
  /** A folder's id, "none" (in no folder) or "" (any). */
  folder: string;
  favorites: boolean;
  scope: "" | "mine" | "shared";
}

const FOLDER_ID = /^[a-z2-7]{16}$/;

export function DocumentsPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams<{
    q?: string;
    tag?: string;
    sort?: string;
    order?: string;
    page?: string;
    folder?: string;
    favorites?: string;
    scope?: string;
  }>();
  const canAuthor = () => session.user()?.role !== "viewer";

  const query = createMemo<ListQuery>(() => {
    const sort: SortKey = params.sort === "created" || params.sort === "title" ? params.sort : "updated";
    const order = params.order === "asc" || params.order === "desc" ? params.order : DEFAULT_ORDER[sort];
    const page = Math.max(1, Number.parseInt(params.page ?? "1", 10) || 1);
    const folder = params.folder === "none" || FOLDER_ID.test(params.folder ?? "") ? params.folder! : "";
    const scope = params.scope === "mine" || params.scope === "shared" ? params.scope : "";
    return {
      q: (params.q ?? "").trim(),
      tag: params.tag ?? "",
      sort,
      order,
      page,
      folder,
      favorites: params.favorites === "1",
      scope,
    };
  });
  /** The sidebar's place that is showing. */
  const view = createMemo<FolderView>(() => {
    const q = query();
    if (q.folder === "none") return { kind: "none" };
    if (q.folder) return { kind: "folder", id: q.folder };
    if (q.favorites) return { kind: "favorites" };
    if (q.scope === "shared") return { kind: "shared" };
    return { kind: "all" };
  });
  /** A link to another place, keeping the search, tag and sort. */
  const viewHref = (v: FolderView) => {
    const s = new URLSearchParams();
    for (const k of ["q", "tag", "sort", "order"] as const) if (params[k]) s.set(k, params[k]!);
    if (v.kind === "folder") s.set("folder", v.id);
    else if (v.kind === "none") s.set("folder", "none");
    else if (v.kind === "favorites") s.set("favorites", "1");
    else if (v.kind === "shared") s.set("scope", "shared");
    const str = s.toString();
    return str ? `/?${str}` : "/";
  };

  const [list, { refetch }] = createResource(query, (p) => {
    const s = new URLSearchParams({ page: String(p.page), limit: String(PAGE), sort: p.sort, order: p.order });
    if (p.q) s.set("q", p.q);
    if (p.tag) s.set("tag", p.tag);
    if (p.folder) s.set("folder", p.folder);
    if (p.favorites) s.set("favorites", "1");
    if (p.scope) s.set("scope", p.scope);
    return api<DocumentListJson>("GET", `/api/v1/documents?${s}`);
  });

  const [folderSource, { refetch: refetchFolders }] = createResource(() =>
    api<{ folders: FolderJson[] }>("GET", "/api/v1/folders"),
  );
  const folders = () => (folderSource.error ? undefined : folderSource.latest)?.folders;
  const currentFolder = () => {
    const v = view();
    return v.kind === "folder" ? folders()?.find((f) => f.id === v.id) : undefined;
  };
  /** The heading: where the list is. */
  const place = () => {
    const v = view();
    if (v.kind === "favorites") return t("Favorites");
    if (v.kind === "shared") return t("Shared with me");
    if (v.kind === "none") return t("Not in a folder");
    if (v.kind === "folder") return currentFolder()?.name ?? (folders() ? t("Folder not found") : t("Folder"));
    return t("Documents");
  };
  const missingFolder = () => view().kind === "folder" && !!folders() && !currentFolder();

  const [tagSource, { refetch: refetchTags }] = createResource(() =>
    api<{ tags: { tag: string; count: number }[] }>("GET", "/api/v1/tags"),
  );
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
    void refetchFolders();
  };

  /** Whether a document with this filing change leaves the list now showing. */
  const leavesView = (change: FilingChange) => {
    const v = view();
    if (v.kind === "favorites") return change.favorite === false;
    if (v.kind === "folder") return change.folderId !== undefined && change.folderId !== v.id;
    if (v.kind === "none") return change.folderId !== undefined && change.folderId !== null;
    return false;
  };

  /** Files a document in a folder (null: none) and/or the favourites; false when it failed. */
  const fileDocument = async (id: string, change: FilingChange, how: { announce: boolean }): Promise<boolean> => {
    const doc = docById().get(id);
    if (
      doc &&
      change.folderId !== undefined &&
      (doc.folderId ?? null) === change.folderId &&
      change.favorite === undefined
    )
      return true;
    if (doc && change.favorite !== undefined && !!doc.favorite === change.favorite && change.folderId === undefined)
      return true;
    const title = doc?.title ?? "";
    try {
      await api<{ folderId: string | null; favorite: boolean }>("PUT", `/api/v1/documents/${id}/filing`, change);
    } catch (e) {
      showToast({
        message:
          change.folderId !== undefined
            ? t("Could not move the document: {error}", { error: errorMessage(e) })
            : t("Could not change your favorites: {error}", { error: errorMessage(e) }),
        tone: "error",
      });
      return false;
    }
    if (leavesView(change)) heading?.focus();
    reload();
    if (change.folderId !== undefined) {
      const name = change.folderId === null ? undefined : folders()?.find((f) => f.id === change.folderId)?.name;
      showToast({
        message:
          name === undefined
            ? t("“{title}” is no longer in a folder", { title })
            : t("Moved “{title}” to “{folder}”", { title, folder: name }),
      });
    } else if (how.announce && change.favorite) {
      showToast({ message: t("Added “{title}” to your favorites", { title }) });
    }
    return true;
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

  const setTag = (tag: string | undefined) =>
    setParams({ tag: tag === query().tag ? undefined : tag, page: undefined });
  const onFoldersDeleted = (ids: Set<string>) => {
    const v = view();
    if (v.kind === "folder" && ids.has(v.id)) setParams({ folder: undefined, page: undefined });
    void refetch();
  };
  const clearFilters = () => {
    clearTimeout(timer);
    setTyped("");
    setParams({ q: undefined, tag: undefined, page: undefined });
  };
  const setSort = (sort: SortKey) =>
    setParams({ sort: sort === "updated" ? undefined : sort, order: undefined, page: undefined });
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
  // Rows are keyed by id, so a refreshed list updates them in place (focus and open editors stay).
  const docById = createMemo(() => new Map((data()?.documents ?? []).map((d) => [d.id, d])));
  const ids = createMemo(() => (data()?.documents ?? []).map((d) => d.id), [], {
    equals: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]),
  });

  const newItems = () => [
    { label: BLANK_DOCUMENT.name, hint: BLANK_DOCUMENT.description, run: () => void create(BLANK_DOCUMENT) },
    ...TEMPLATES.map((t) => ({ label: t.name, hint: t.description, run: () => void create(t) })),
  ];

  return (
    <main
      class="page documents-page has-folders"
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
      <div class="docs-layout">
        <FoldersSidebar
          folders={folders()}
          failed={!!folderSource.error}
          onRetry={() => void refetchFolders()}
          view={view()}
          href={viewHref}
          onFile={(id, change) => void fileDocument(id, change, { announce: true })}
          onFoldersChanged={() => Promise.all([refetchFolders(), refetch()])}
          onFoldersDeleted={onFoldersDeleted}
        />
        <div class="docs-content">
          <div class="toolbar docs-toolbar">
            <h1 ref={heading} tabindex="-1">
              {place()}
            </h1>
            <span class="spacer" />
            <Show when={canAuthor()}>
              <ImportButton onFiles={(f) => void importer.importFiles(f)} />
              <MenuButton
                label={creating() ? t("Creating…") : t("New document ▾")}
                ariaLabel={t("New document")}
                items={newItems()}
                buttonClass="primary"
                testId="new-menu"
              />
            </Show>
          </div>

          {/* biome-ignore lint/a11y/useSemanticElements: <search> is too new for the browsers pymd supports */}
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
              <select
                aria-label={t("Sort by")}
                value={query().sort}
                onChange={(e) => setSort(e.currentTarget.value as SortKey)}
              >
                <For each={SORT_KEYS}>{(k) => <option value={k}>{sortLabel(k)}</option>}</For>
              </select>
            </label>
            <button
              type="button"
              class="secondary"
              onClick={toggleOrder}
              aria-label={
                query().order === "asc"
                  ? t("Order: ascending. Switch to descending")
                  : t("Order: descending. Switch to ascending")
              }
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
                      <button
                        type="button"
                        class="tag"
                        classList={{ active: query().tag === tag }}
                        aria-pressed={query().tag === tag}
                        onClick={() => setTag(tag)}
                      >
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
              {list.loading
                ? t("Loading documents")
                : data()
                  ? t("{n} documents", { n: data()!.pagination.total })
                  : ""}
            </p>
            <Switch>
              <Match when={list.error && !list.loading}>
                <LoadFailed what={t("your documents")} error={list.error} onRetry={reload} />
              </Match>
              <Match when={missingFolder()}>
                <div class="state-box">
                  <p class="empty-title">{t("This folder does not exist any more.")}</p>
                  <a href={viewHref({ kind: "all" })}>{t("Back to all documents")}</a>
                </div>
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
              <Match when={data()!.documents.length === 0 && view().kind === "folder"}>
                <div class="state-box empty-state">
                  <p class="empty-title">{t("This folder is empty")}</p>
                  <p class="muted">
                    {t(
                      "Drag documents onto the folder in the sidebar, or choose “Move to folder…” in a document's menu.",
                    )}
                  </p>
                </div>
              </Match>
              <Match when={data()!.documents.length === 0 && view().kind === "favorites"}>
                <div class="state-box empty-state">
                  <p class="empty-title">{t("No favorites yet")}</p>
                  <p class="muted">{t("Star a document (☆) to find it here.")}</p>
                </div>
              </Match>
              <Match when={data()!.documents.length === 0 && view().kind === "shared"}>
                <div class="state-box empty-state">
                  <p class="empty-title">{t("Nothing is shared with you yet")}</p>
                  <p class="muted">{t("Documents shared with you will appear here.")}</p>
                </div>
              </Match>
              <Match when={data()!.documents.length === 0 && view().kind === "none"}>
                <div class="state-box empty-state">
                  <p class="empty-title">{t("Every document is in a folder")}</p>
                </div>
              </Match>
              <Match when={data()!.documents.length === 0}>
                <div class="state-box empty-state">
                  <p class="empty-title">{t("No documents yet")}</p>
                  <Show
                    when={canAuthor()}
                    fallback={<p class="muted">{t("Documents shared with you will appear here.")}</p>}
                  >
                    <p class="muted">
                      {t(
                        "Start from a blank notebook or a starter that shows text, a table and a plot. You can also drop .pymd files here.",
                      )}
                    </p>
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
                      <For each={ids()}>
                        {(id) => (
                          <Show when={docById().get(id)}>
                            {(doc) => (
                              <DocumentRow
                                doc={doc()}
                                canAuthor={canAuthor()}
                                activeTag={query().tag || undefined}
                                folders={folders() ?? []}
                                showFolder={view().kind !== "folder"}
                                onTag={setTag}
                                onFile={(change) => fileDocument(id, change, { announce: false })}
                                onChanged={reload}
                                onRemoved={() => heading?.focus()}
                              />
                            )}
                          </Show>
                        )}
                      </For>
                    </ul>
                    <Show when={pages() > 1}>
                      <nav class="pager" aria-label={t("Pages")}>
                        <button
                          type="button"
                          class="secondary"
                          disabled={query().page <= 1}
                          onClick={() => goPage(query().page - 1)}
                        >
                          {t("← Previous")}
                        </button>
                        <span class="muted">{t("Page {page} of {pages}", { page: query().page, pages: pages() })}</span>
                        <button
                          type="button"
                          class="secondary"
                          disabled={query().page >= pages()}
                          onClick={() => goPage(query().page + 1)}
                        >
                          {t("Next →")}
                        </button>
                      </nav>
                    </Show>
                    <p class="muted small list-count">
                      {d().pagination.total === 1
                        ? t("1 document")
                        : t("{n} documents", { n: formatNumber(d().pagination.total) })}
                    </p>
                  </>
                )}
              </Match>
            </Switch>
          </section>
        </div>
      </div>
    </main>
  );
}
