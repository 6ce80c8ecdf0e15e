// The documents page's sidebar: all documents, favourites, those shared with me, then the user's
// own folders as a tree (collapsible, with counts), where documents are filed by dragging them
// onto a folder. Folders are made, renamed, moved (dragged onto another) and deleted here.
import { createMemo, createSignal, For, onCleanup, Show, type JSX } from "solid-js";
import type { FolderJson } from "../protocol/api-types.ts";
import { ApiError, api } from "./api.ts";
import { errorMessage } from "./load-failed.tsx";
import { MenuButton, type MenuItem } from "./documents-menu-button.tsx";
import { showToast } from "./toast.tsx";
import { formatNumber, language, t } from "./i18n.ts";

/** What a dragged document row carries: its id. */
export const DOCUMENT_MIME = "application/x-pymd-document";
/** What a dragged folder carries: its id. */
const FOLDER_MIME = "application/x-pymd-folder";

export type FolderView =
  | { kind: "all" }
  | { kind: "favorites" }
  | { kind: "shared" }
  | { kind: "none" }
  | { kind: "folder"; id: string };
export interface FilingChange {
  folderId?: string | null;
  favorite?: boolean;
}

const byName = (a: FolderJson, b: FolderJson) =>
  a.name.localeCompare(b.name, language(), { sensitivity: "base" }) || a.id.localeCompare(b.id);

/** Folder ids by parent ("" for the top level), each list in name order. */
function childrenMap(folders: readonly FolderJson[]): Map<string, string[]> {
  const ids = new Set(folders.map((f) => f.id));
  const out = new Map<string, FolderJson[]>();
  for (const f of folders) {
    // a parent that is not in the list (it should not happen) puts the folder at the top
    const key = f.parentId && ids.has(f.parentId) ? f.parentId : "";
    out.set(key, [...(out.get(key) ?? []), f]);
  }
  return new Map([...out].map(([k, list]) => [k, list.sort(byName).map((f) => f.id)]));
}

/** The folders in tree order with their depth, for pickers. */
export function flattenFolders(folders: readonly FolderJson[]): { folder: FolderJson; depth: number }[] {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const children = childrenMap(folders);
  const out: { folder: FolderJson; depth: number }[] = [];
  const walk = (parent: string, depth: number) => {
    for (const id of children.get(parent) ?? []) {
      out.push({ folder: byId.get(id)!, depth });
      walk(id, depth + 1);
    }
  };
  walk("", 0);
  return out;
}

/** The ids of a folder and of every folder inside it. */
export function subtreeOf(folders: readonly FolderJson[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const f of folders) {
      if (f.parentId && out.has(f.parentId) && !out.has(f.id)) {
        out.add(f.id);
        grew = true;
      }
    }
  }
  return out;
}

const typesOf = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])];

/** Drop-target handlers for an element, and whether something acceptable is over it now. */
function createDropZone(accept: () => string[], onDrop: (type: string, data: string) => void) {
  const [over, setOver] = createSignal(false);
  let depth = 0;
  const acceptable = (e: DragEvent) => typesOf(e).find((ty) => accept().includes(ty));
  // A drag that ends anywhere (dropped elsewhere, cancelled with Escape) leaves no highlight behind.
  const reset = () => {
    depth = 0;
    setOver(false);
  };
  document.addEventListener("dragend", reset);
  document.addEventListener("drop", reset);
  onCleanup(() => {
    document.removeEventListener("dragend", reset);
    document.removeEventListener("drop", reset);
  });
  const handlers: Pick<JSX.HTMLAttributes<HTMLDivElement>, "onDragEnter" | "onDragOver" | "onDragLeave" | "onDrop"> = {
    onDragEnter: (e) => {
      if (!acceptable(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    },
    onDragOver: (e) => {
      if (!acceptable(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
    },
    onDragLeave: (e) => {
      if (!acceptable(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    },
    onDrop: (e) => {
      const type = acceptable(e);
      depth = 0;
      setOver(false);
      if (!type) return;
      e.preventDefault();
      e.stopPropagation();
      const data = e.dataTransfer?.getData(type) ?? "";
      if (data) onDrop(type, data);
    },
  };
  return { over, handlers };
}

type Editing =
  | { kind: "new"; parentId: string | null }
  | { kind: "rename"; id: string }
  | { kind: "delete"; id: string }
  | null;

export function FoldersSidebar(props: {
  folders: FolderJson[] | undefined;
  /** The folders could not be loaded. */
  failed: boolean;
  onRetry: () => void;
  view: FolderView;
  href: (view: FolderView) => string;
  /** File a dragged document (a folder, no folder, or the favourites). */
  onFile: (documentId: string, change: FilingChange) => void;
  /** The folders changed on the server; the promise settles once they are fetched again. */
  onFoldersChanged: () => Promise<unknown>;
  /** These folders are gone (one deleted with those inside it). */
  onFoldersDeleted: (ids: Set<string>) => void;
}) {
  const folders = () => props.folders ?? [];
  const byId = createMemo(() => new Map(folders().map((f) => [f.id, f])));
  const children = createMemo(() => childrenMap(folders()));
  const [collapsed, setCollapsed] = createSignal<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = createSignal<Editing>(null);
  const [busy, setBusy] = createSignal(false);
  let root: HTMLElement | undefined;
  let newButton: HTMLButtonElement | undefined;

  const isCurrent = (v: FolderView) => {
    const c = props.view;
    return c.kind === v.kind && (c.kind !== "folder" || (v.kind === "folder" && c.id === v.id));
  };
  const focusFolder = (id: string) =>
    requestAnimationFrame(() => root?.querySelector<HTMLElement>(`[data-folder-id="${id}"] .folder-link`)?.focus());
  const toggle = (id: string) =>
    setCollapsed((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const expand = (id: string) => collapsed().has(id) && toggle(id);

  const duplicateName = (name: string) => t("There is already a folder named “{name}” there.", { name });

  const create = async (name: string, parentId: string | null) => {
    setBusy(true);
    try {
      const f = await api<FolderJson>("POST", "/api/v1/folders", parentId ? { name, parentId } : { name });
      setEditing(null);
      await props.onFoldersChanged();
      focusFolder(f.id);
    } catch (e) {
      showToast({
        message:
          e instanceof ApiError && e.status === 409
            ? duplicateName(name)
            : t("Could not create the folder: {error}", { error: errorMessage(e) }),
        tone: "error",
      });
    } finally {
      setBusy(false);
    }
  };

  const rename = async (f: FolderJson, name: string) => {
    if (name === f.name) return (setEditing(null), focusFolder(f.id));
    setBusy(true);
    try {
      await api<FolderJson>("PATCH", `/api/v1/folders/${f.id}`, { name });
      setEditing(null);
      await props.onFoldersChanged();
      focusFolder(f.id);
    } catch (e) {
      showToast({
        message:
          e instanceof ApiError && e.status === 409
            ? duplicateName(name)
            : t("Could not rename the folder: {error}", { error: errorMessage(e) }),
        tone: "error",
      });
    } finally {
      setBusy(false);
    }
  };

  /** Puts a folder inside another (null: at the top level). */
  const move = async (id: string, parentId: string | null) => {
    const f = byId().get(id);
    if (!f || f.parentId === parentId || id === parentId) return;
    try {
      await api<FolderJson>("PATCH", `/api/v1/folders/${id}`, { parentId });
      if (parentId) expand(parentId);
      await props.onFoldersChanged();
      const into = parentId ? byId().get(parentId)?.name : undefined;
      showToast({
        message: into
          ? t("Moved the folder “{name}” into “{folder}”", { name: f.name, folder: into })
          : t("Moved the folder “{name}” to the top level", { name: f.name }),
      });
    } catch (e) {
      const message =
        e instanceof ApiError && e.status === 409
          ? duplicateName(f.name)
          : e instanceof ApiError && e.status === 400 && parentId && subtreeOf(folders(), id).has(parentId)
            ? t("A folder cannot go inside itself or one of its subfolders.")
            : t("Could not move the folder: {error}", { error: errorMessage(e) });
      showToast({ message, tone: "error" });
    }
  };

  const remove = async (f: FolderJson) => {
    const gone = subtreeOf(folders(), f.id);
    setBusy(true);
    try {
      await api("DELETE", `/api/v1/folders/${f.id}`);
      setEditing(null);
      props.onFoldersDeleted(gone);
      await props.onFoldersChanged();
      newButton?.focus();
      showToast({
        message: t("Deleted the folder “{name}”; its documents are still in All documents.", { name: f.name }),
      });
    } catch (e) {
      showToast({ message: t("Could not delete the folder: {error}", { error: errorMessage(e) }), tone: "error" });
    } finally {
      setBusy(false);
    }
  };

  /** The inline form for a new folder's name (at the top level or inside parentId). */
  const NameForm = (p: {
    label: string;
    initial?: string;
    submitLabel: string;
    onSubmit: (name: string) => void;
    onCancel: () => void;
  }) => (
    <form
      class="folder-form"
      onSubmit={(e) => {
        e.preventDefault();
        const name = (e.currentTarget.elements.namedItem("name") as HTMLInputElement).value.trim();
        if (name) p.onSubmit(name);
      }}
    >
      <input
        name="name"
        aria-label={p.label}
        placeholder={p.label}
        value={p.initial ?? ""}
        maxLength={100}
        required
        disabled={busy()}
        ref={(el) => queueMicrotask(() => (el.focus(), el.select()))}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            p.onCancel();
          }
        }}
      />
      <span class="folder-form-buttons">
        <button type="submit" class="small-button" disabled={busy()}>
          {p.submitLabel}
        </button>
        <button type="button" class="secondary small-button" onClick={p.onCancel}>
          {t("Cancel")}
        </button>
      </span>
    </form>
  );

  /** One of the fixed places at the top: all documents, favourites, shared with me. */
  const Place = (p: {
    view: FolderView;
    icon: string;
    label: string;
    accept: string[];
    onDrop?: (type: string, data: string) => void;
  }) => {
    const zone = createDropZone(
      () => p.accept,
      (type, data) => p.onDrop?.(type, data),
    );
    return (
      <li>
        <div
          class="folder-item"
          classList={{ current: isCurrent(p.view), "drop-over": zone.over() }}
          {...zone.handlers}
        >
          <span class="folder-toggle-space" aria-hidden="true">
            {p.icon}
          </span>
          <a class="folder-link" href={props.href(p.view)} aria-current={isCurrent(p.view) ? "page" : undefined}>
            <span class="folder-name">{p.label}</span>
          </a>
        </div>
      </li>
    );
  };

  const FolderNode = (p: { id: string }) => {
    const f = () => byId().get(p.id);
    const kids = () => children().get(p.id) ?? [];
    const open = () => !collapsed().has(p.id);
    const view = (): FolderView => ({ kind: "folder", id: p.id });
    const zone = createDropZone(
      () => [DOCUMENT_MIME, FOLDER_MIME],
      (type, data) => (type === DOCUMENT_MIME ? props.onFile(data, { folderId: p.id }) : void move(data, p.id)),
    );
    const items = (): MenuItem[] => [
      {
        label: t("New subfolder"),
        run: () => {
          expand(p.id);
          setEditing({ kind: "new", parentId: p.id });
        },
      },
      { label: t("Rename"), run: () => setEditing({ kind: "rename", id: p.id }) },
      { label: t("Delete"), danger: true, run: () => setEditing({ kind: "delete", id: p.id }) },
    ];
    const ed = editing;
    return (
      <Show when={f()}>
        {(folder) => (
          <li data-folder-id={p.id}>
            <div
              class="folder-item"
              classList={{ current: isCurrent(view()), "drop-over": zone.over() }}
              {...zone.handlers}
            >
              <Show when={kids().length > 0} fallback={<span class="folder-toggle-space" aria-hidden="true" />}>
                <button
                  type="button"
                  class="folder-toggle"
                  aria-expanded={open()}
                  aria-label={
                    open()
                      ? t("Hide the folders in {name}", { name: folder().name })
                      : t("Show the folders in {name}", { name: folder().name })
                  }
                  onClick={() => toggle(p.id)}
                >
                  <span aria-hidden="true">{open() ? "▾" : "▸"}</span>
                </button>
              </Show>
              <Show
                when={ed()?.kind === "rename" && (ed() as { id: string }).id === p.id}
                fallback={
                  <a
                    class="folder-link"
                    href={props.href(view())}
                    aria-current={isCurrent(view()) ? "page" : undefined}
                    draggable="true"
                    onDragStart={(e) => {
                      if (!e.dataTransfer) return;
                      e.dataTransfer.setData(FOLDER_MIME, p.id);
                      e.dataTransfer.effectAllowed = "move";
                    }}
                  >
                    <span class="folder-name">{folder().name}</span>
                    <span class="folder-count" aria-hidden="true">
                      {formatNumber(folder().documents)}
                    </span>
                    <span class="visually-hidden">
                      {", "}
                      {folder().documents === 1
                        ? t("1 document")
                        : t("{n} documents", { n: formatNumber(folder().documents) })}
                    </span>
                  </a>
                }
              >
                <NameForm
                  label={t("New name for the folder {name}", { name: folder().name })}
                  initial={folder().name}
                  submitLabel={t("Save")}
                  onSubmit={(name) => void rename(folder(), name)}
                  onCancel={() => {
                    setEditing(null);
                    focusFolder(p.id);
                  }}
                />
              </Show>
              <MenuButton
                label="⋯"
                ariaLabel={t("Actions for the folder {name}", { name: folder().name })}
                items={items()}
                buttonClass="secondary folder-menu"
              />
            </div>
            <Show when={ed()?.kind === "delete" && (ed() as { id: string }).id === p.id}>
              <div class="folder-confirm" role="alertdialog" aria-labelledby={`folder-confirm-${p.id}`}>
                <p id={`folder-confirm-${p.id}`} class="small">
                  {kids().length > 0
                    ? t(
                        "Delete the folder “{name}” and the folders inside it? The documents in them are not deleted.",
                        {
                          name: folder().name,
                        },
                      )
                    : t("Delete the folder “{name}”? The documents in it are not deleted.", { name: folder().name })}
                </p>
                <span class="folder-form-buttons">
                  <button
                    type="button"
                    class="danger small-button"
                    disabled={busy()}
                    onClick={() => void remove(folder())}
                  >
                    {t("Delete folder")}
                  </button>
                  <button
                    type="button"
                    class="secondary small-button"
                    ref={(el) => queueMicrotask(() => el.focus())}
                    onClick={() => {
                      setEditing(null);
                      focusFolder(p.id);
                    }}
                    onKeyDown={(e) => {
                      if (e.key === "Escape") {
                        e.preventDefault();
                        setEditing(null);
                        focusFolder(p.id);
                      }
                    }}
                  >
                    {t("Cancel")}
                  </button>
                </span>
              </div>
            </Show>
            <Show
              when={
                (open() && kids().length > 0) ||
                (ed()?.kind === "new" && (ed() as { parentId: string | null }).parentId === p.id)
              }
            >
              <ul class="folder-tree">
                <Show when={ed()?.kind === "new" && (ed() as { parentId: string | null }).parentId === p.id}>
                  <li>
                    <NameForm
                      label={t("Name of the new folder in {name}", { name: folder().name })}
                      submitLabel={t("Create")}
                      onSubmit={(name) => void create(name, p.id)}
                      onCancel={() => {
                        setEditing(null);
                        focusFolder(p.id);
                      }}
                    />
                  </li>
                </Show>
                <Show when={open()}>
                  <For each={kids()}>{(id) => <FolderNode id={id} />}</For>
                </Show>
              </ul>
            </Show>
          </li>
        )}
      </Show>
    );
  };

  const dropOnAll = (type: string, data: string) =>
    type === DOCUMENT_MIME ? props.onFile(data, { folderId: null }) : void move(data, null);

  return (
    <aside class="folders-sidebar" ref={root}>
      <nav aria-label={t("Folders")}>
        <ul class="folder-tree folder-places">
          <Place
            view={{ kind: "all" }}
            icon="▤"
            label={t("All documents")}
            accept={[DOCUMENT_MIME, FOLDER_MIME]}
            onDrop={dropOnAll}
          />
          <Place
            view={{ kind: "favorites" }}
            icon="★"
            label={t("Favorites")}
            accept={[DOCUMENT_MIME]}
            onDrop={(_, id) => props.onFile(id, { favorite: true })}
          />
          <Place view={{ kind: "shared" }} icon="⇄" label={t("Shared with me")} accept={[]} />
        </ul>
        <div class="folders-head">
          <h2 class="folders-title">{t("Folders")}</h2>
          <button
            ref={newButton}
            type="button"
            class="secondary small-button"
            aria-expanded={editing()?.kind === "new" && (editing() as { parentId: string | null }).parentId === null}
            onClick={() =>
              setEditing(
                editing()?.kind === "new" && (editing() as { parentId: string | null }).parentId === null
                  ? null
                  : { kind: "new", parentId: null },
              )
            }
          >
            {t("New folder")}
          </button>
        </div>
        <Show when={editing()?.kind === "new" && (editing() as { parentId: string | null }).parentId === null}>
          <NameForm
            label={t("Name of the new folder")}
            submitLabel={t("Create")}
            onSubmit={(name) => void create(name, null)}
            onCancel={() => {
              setEditing(null);
              newButton?.focus();
            }}
          />
        </Show>
        <Show
          when={props.folders}
          fallback={
            <Show
              when={props.failed}
              fallback={
                <p class="muted small folders-note">
                  <span class="spinner" aria-hidden="true" /> {t("Loading your folders…")}
                </p>
              }
            >
              <p class="muted small folders-note">
                {t("Could not load your folders.")}{" "}
                <button type="button" class="link-button" onClick={props.onRetry}>
                  {t("Try again")}
                </button>
              </p>
            </Show>
          }
        >
          <Show
            when={folders().length > 0}
            fallback={
              <p class="muted small folders-note">{t("No folders yet. Make one, then drag documents onto it.")}</p>
            }
          >
            <ul class="folder-tree">
              <For each={children().get("") ?? []}>{(id) => <FolderNode id={id} />}</For>
            </ul>
          </Show>
        </Show>
      </nav>
    </aside>
  );
}
