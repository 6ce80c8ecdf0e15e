// One document in the list: a favourite star, title, role, dates, tags, and its actions (open,
// rename, tags, move to a folder, duplicate, download, trash) with inline editors for the title,
// the tags and the folder. A row can be dragged onto a folder in the sidebar.
import { canEdit as canEditRole } from "../protocol/api-types.ts";
import { createSignal, createEffect, For, Match, on, Show, Switch } from "solid-js";
import { useNavigate } from "@solidjs/router";
import type { DocumentJson, DocumentSummaryJson, FolderJson } from "../protocol/api-types.ts";
import { errorMessage } from "./load-failed.tsx";
import { api } from "./api.ts";
import { MenuButton, type MenuItem } from "./documents-menu-button.tsx";
import { showToast } from "./toast.tsx";
import { DOCUMENT_MIME, flattenFolders, type FilingChange } from "./folders-sidebar.tsx";
import { formatDate, formatDateTime, language, t } from "./i18n.ts";

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size)
      return new Intl.RelativeTimeFormat(language(), { numeric: "auto" }).format(Math.round(seconds / size), unit);
  }
  return t("just now");
}

/** The list excerpt is raw source; without the PyMD markers it reads as prose. */
export function readableExcerpt(raw: string, title = ""): string {
  const text = raw
    .replace(/`{3,}\w*/g, " ")
    .replace(/(^|\s)(#+|\/\/)(?=\s|$)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  // Most documents open with their title as a heading; repeating it under the title is noise.
  return title && text.startsWith(title) ? text.slice(title.length).trim() : text;
}

export function parseTags(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

export function DocumentRow(props: {
  doc: DocumentSummaryJson;
  /** The global role lets this user create documents (duplicate needs it). */
  canAuthor: boolean;
  activeTag: string | undefined;
  /** The user's folders, for "Move to folder…". */
  folders: FolderJson[];
  /** Show which folder the document is in (not when the list is that folder). */
  showFolder: boolean;
  onTag: (tag: string) => void;
  /** Files the document (folder and/or favourite); resolves false when that failed (and said so). */
  onFile: (change: FilingChange) => Promise<boolean>;
  /** The list changed on the server and should be fetched again. */
  onChanged: () => void;
  /** The row is about to disappear (moved to the trash); focus should go somewhere sensible. */
  onRemoved: () => void;
}) {
  const navigate = useNavigate();
  const [mode, setMode] = createSignal<"view" | "rename" | "tags" | "move">("view");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let titleLink: HTMLAnchorElement | undefined;
  const d = () => props.doc;
  const canEdit = () => canEditRole(d().role);
  const isOwner = () => d().role === "owner";
  // The star answers at once; the list's next copy of the document says what the server has.
  const [favoriteNow, setFavoriteNow] = createSignal<boolean | null>(null);
  createEffect(
    on(
      () => props.doc,
      () => setFavoriteNow(null),
      { defer: true },
    ),
  );
  const favorite = () => favoriteNow() ?? !!d().favorite;
  const folderName = () => (d().folderId ? props.folders.find((f) => f.id === d().folderId)?.name : undefined);
  const [dragged, setDragged] = createSignal(false);

  const toggleFavorite = async () => {
    const next = !favorite();
    setFavoriteNow(next);
    if (!(await props.onFile({ favorite: next }))) setFavoriteNow(null);
  };

  const moveTo = async (folderId: string | null) => {
    if (folderId === (d().folderId ?? null)) return backToView();
    setBusy(true);
    try {
      if (await props.onFile({ folderId })) backToView();
    } finally {
      setBusy(false);
    }
  };

  const backToView = () => {
    setMode("view");
    setError(null);
    queueMicrotask(() => titleLink?.focus());
  };

  const patch = async (body: Partial<Pick<DocumentJson, "title" | "tags">>) => {
    setBusy(true);
    setError(null);
    try {
      await api<DocumentJson>("PATCH", `/api/v1/documents/${d().id}`, body);
      backToView();
      props.onChanged();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const duplicate = async () => {
    try {
      const copy = await api<DocumentJson>("POST", `/api/v1/documents/${d().id}/duplicate`);
      props.onChanged();
      showToast({
        message: t("Created “{title}”", { title: copy.title }),
        action: { label: t("Open"), run: () => navigate(`/d/${copy.id}`) },
      });
    } catch (e) {
      showToast({ message: t("Could not duplicate: {error}", { error: errorMessage(e) }), tone: "error" });
    }
  };

  const trash = async () => {
    const { id, title } = d();
    try {
      await api("DELETE", `/api/v1/documents/${id}`);
      props.onRemoved();
      props.onChanged();
      showToast({
        message: t("Moved “{title}” to the trash", { title }),
        action: {
          label: t("Undo"),
          run: async () => {
            await api("POST", `/api/v1/documents/${id}/restore`);
            props.onChanged();
            showToast({ message: t("Restored “{title}”", { title }) });
          },
        },
      });
    } catch (e) {
      showToast({ message: t("Could not move to the trash: {error}", { error: errorMessage(e) }), tone: "error" });
    }
  };

  const download = () => {
    // The export answers with Content-Disposition: attachment, so the page stays where it is.
    const a = document.createElement("a");
    a.href = `/api/v1/documents/${d().id}/export?format=pymd`;
    a.download = "";
    a.click();
  };

  const items = (): MenuItem[] => {
    const list: MenuItem[] = [{ label: t("Open"), run: () => navigate(`/d/${d().id}`) }];
    if (canEdit())
      list.push(
        { label: t("Rename"), run: () => setMode("rename") },
        { label: t("Edit tags"), run: () => setMode("tags") },
      );
    // anyone who reads a document files it in their own folders
    list.push({ label: t("Move to folder…"), run: () => setMode("move") });
    if (props.canAuthor) list.push({ label: t("Duplicate"), run: duplicate });
    list.push({ label: t("Download .pymd"), run: download });
    if (isOwner()) list.push({ label: t("Move to trash"), danger: true, run: trash });
    return list;
  };

  const onEditorKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      backToView();
    }
  };

  return (
    <li
      class="doc-row"
      classList={{ "doc-dragged": dragged() }}
      data-testid="document-row"
      data-title={d().title}
      draggable={mode() === "view" ? "true" : "false"}
      onDragStart={(e) => {
        if (mode() !== "view" || !e.dataTransfer) return;
        e.dataTransfer.setData(DOCUMENT_MIME, d().id);
        e.dataTransfer.effectAllowed = "move";
        setDragged(true);
      }}
      onDragEnd={() => setDragged(false)}
    >
      <button
        type="button"
        class="star-button"
        classList={{ starred: favorite() }}
        aria-pressed={favorite()}
        aria-label={
          favorite()
            ? t("Remove {title} from favorites", { title: d().title })
            : t("Add {title} to favorites", { title: d().title })
        }
        title={
          favorite()
            ? t("Remove {title} from favorites", { title: d().title })
            : t("Add {title} to favorites", { title: d().title })
        }
        onClick={() => void toggleFavorite()}
      >
        <span aria-hidden="true">{favorite() ? "★" : "☆"}</span>
      </button>
      <div class="doc-main">
        <Switch>
          <Match when={mode() === "rename"}>
            <form
              class="inline-edit"
              onSubmit={(e) => {
                e.preventDefault();
                const v = (e.currentTarget.elements.namedItem("title") as HTMLInputElement).value.trim();
                if (!v) return setError(t("The title cannot be empty."));
                if (v === d().title) return backToView();
                void patch({ title: v });
              }}
            >
              <input
                name="title"
                aria-label={t("New title for {title}", { title: d().title })}
                value={d().title}
                maxLength={200}
                ref={(el) => queueMicrotask(() => (el.focus(), el.select()))}
                onKeyDown={onEditorKey}
                disabled={busy()}
              />
              <button type="submit" disabled={busy()}>
                {t("Save")}
              </button>
              <button type="button" class="secondary" onClick={backToView}>
                {t("Cancel")}
              </button>
            </form>
          </Match>
          <Match when={mode() !== "rename"}>
            <a ref={titleLink} href={`/d/${d().id}`} class="doc-title">
              {d().title}
            </a>
          </Match>
        </Switch>
        <div class="doc-meta muted small">
          <span
            class={`role-badge role-${d().role}`}
            title={
              d().role === "owner"
                ? t("You own this document")
                : d().role === "editor"
                  ? t("Shared with you as editor")
                  : t("Shared with you as viewer")
            }
          >
            {d().role === "owner" ? t("Owner") : d().role === "editor" ? t("Shared · editor") : t("Shared · viewer")}
          </span>
          <span title={formatDateTime(d().updatedAt)}>
            {t("Updated {when}", { when: relativeTime(d().updatedAt) })}
          </span>
          <span class="doc-created" title={formatDateTime(d().createdAt)}>
            {t("Created {date}", { date: formatDate(d().createdAt) })}
          </span>
          <Show when={d().isPublic}>
            <span class="public-badge">{t("Public link")}</span>
          </Show>
          <Show when={props.showFolder && folderName()}>
            {(name) => (
              <button type="button" class="folder-badge" title={t("Move to folder…")} onClick={() => setMode("move")}>
                {t("In {folder}", { folder: name() })}
              </button>
            )}
          </Show>
        </div>
        <Show when={readableExcerpt(d().excerpt, d().title)}>
          {(text) => <p class="doc-excerpt muted small">{text()}</p>}
        </Show>
        <Switch>
          <Match when={mode() === "move"}>
            <form
              class="inline-edit"
              onSubmit={(e) => {
                e.preventDefault();
                const v = (e.currentTarget.elements.namedItem("folder") as HTMLSelectElement).value;
                void moveTo(v || null);
              }}
            >
              <select
                name="folder"
                aria-label={t("Folder for {title}", { title: d().title })}
                value={d().folderId ?? ""}
                ref={(el) => queueMicrotask(() => el.focus())}
                onKeyDown={onEditorKey}
                disabled={busy()}
              >
                <option value="">{t("No folder")}</option>
                <For each={flattenFolders(props.folders)}>
                  {(o) => (
                    <option value={o.folder.id} selected={o.folder.id === d().folderId}>
                      {"\u00a0\u00a0".repeat(o.depth) + o.folder.name}
                    </option>
                  )}
                </For>
              </select>
              <button type="submit" disabled={busy()}>
                {t("Move")}
              </button>
              <button type="button" class="secondary" onClick={backToView}>
                {t("Cancel")}
              </button>
              <Show when={props.folders.length === 0}>
                <span class="muted small">
                  {t("You have no folders yet: make one with “New folder” in the sidebar.")}
                </span>
              </Show>
            </form>
          </Match>
          <Match when={mode() === "tags"}>
            <form
              class="inline-edit"
              onSubmit={(e) => {
                e.preventDefault();
                void patch({ tags: parseTags((e.currentTarget.elements.namedItem("tags") as HTMLInputElement).value) });
              }}
            >
              <input
                name="tags"
                aria-label={t("Tags for {title}, separated by commas", { title: d().title })}
                placeholder={t("e.g. research, draft")}
                value={d().tags.join(", ")}
                ref={(el) => queueMicrotask(() => el.focus())}
                onKeyDown={onEditorKey}
                disabled={busy()}
              />
              <button type="submit" disabled={busy()}>
                {t("Save tags")}
              </button>
              <button type="button" class="secondary" onClick={backToView}>
                {t("Cancel")}
              </button>
            </form>
          </Match>
          <Match when={d().tags.length > 0}>
            <ul class="tags" aria-label={t("Tags of {title}", { title: d().title })}>
              <For each={d().tags}>
                {(tag) => (
                  <li>
                    <button
                      type="button"
                      class="tag"
                      classList={{ active: props.activeTag === tag }}
                      aria-pressed={props.activeTag === tag}
                      title={t("Show only documents tagged {tag}", { tag })}
                      onClick={() => props.onTag(tag)}
                    >
                      {tag}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Match>
        </Switch>
        <Show when={error()}>
          <p role="alert" class="error small">
            {error()}
          </p>
        </Show>
      </div>
      <MenuButton
        label="⋯"
        ariaLabel={t("Actions for {title}", { title: d().title })}
        items={items()}
        buttonClass="secondary icon-button"
      />
    </li>
  );
}
