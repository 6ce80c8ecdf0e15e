// A document's workspace files beside the editor: upload by picker or drag and drop (with
// progress), folders, rename/move, delete with undo, download; it refreshes whenever the server
// says the files changed (another collaborator, or a block that wrote some). Viewers list and
// download only.
import { createResource, createSignal, For, onCleanup, onMount, Show, type JSX } from "solid-js";
import type { FileJson, FileListJson } from "../protocol/api-types.ts";
import { api, ApiError } from "./api.ts";
import { formatNumber, language, t } from "./i18n.ts";

export const fileUrl = (docId: string, path: string, inline = false) =>
  `/api/v1/documents/${docId}/file?path=${encodeURIComponent(path)}${inline ? "&inline=1" : ""}`;

/** A number with a fixed count of decimals, written the current language's way. */
const fixed = (n: number, digits: number) =>
  new Intl.NumberFormat(language(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);

function size(n: number): string {
  if (n < 1000) return `${formatNumber(n)} B`;
  if (n < 1e6) return `${fixed(n / 1e3, 1)} kB`;
  if (n < 1e9) return `${fixed(n / 1e6, 1)} MB`;
  return `${fixed(n / 1e9, 2)} GB`;
}

/** A translated sentence with elements put in its {slots}, wherever the language places them. */
function withSlots(text: string, slots: Record<string, JSX.Element>): JSX.Element[] {
  return text.split(/\{(\w+)\}/).map((part, i) => (i % 2 === 1 ? (slots[part] ?? `{${part}}`) : part));
}

/** PUT with upload progress (fetch has none); resolves with the stored file or rejects with the server's message. */
export function uploadFile(
  docId: string,
  path: string,
  body: Blob,
  onProgress?: (fraction: number) => void,
): Promise<FileJson> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", fileUrl(docId, path));
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as FileJson);
      else {
        const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
        reject(
          new ApiError(
            xhr.status,
            err?.code ?? "error",
            err?.message ?? t("upload failed ({status})", { status: xhr.status }),
          ),
        );
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "offline", t("The server cannot be reached. Check your connection.")));
    xhr.send(body);
  });
}

export function FilesPanel(props: {
  docId: string;
  canChange: boolean;
  version: () => number;
  onClose: () => void;
  onNotice: (m: string) => void;
}) {
  const [listing, { refetch }] = createResource(
    () => [props.docId, props.version()] as const,
    ([id]) => api<FileListJson>("GET", `/api/v1/documents/${id}/files`),
  );
  const [folder, setFolder] = createSignal("");
  const [uploads, setUploads] = createSignal<{ name: string; fraction: number }[]>([]);
  const [renaming, setRenaming] = createSignal<string | null>(null);
  const [undo, setUndo] = createSignal<{ path: string; blob: Blob } | null>(null);
  const [dragging, setDragging] = createSignal(false);
  let picker!: HTMLInputElement;
  const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
  onMount(() => addEventListener("keydown", onKey));
  onCleanup(() => removeEventListener("keydown", onKey));

  const fail = (e: unknown) => props.onNotice(e instanceof Error ? e.message : String(e));

  const upload = async (files: File[]) => {
    for (const f of files) {
      const path = folder() ? `${folder()}/${f.name}` : f.name;
      setUploads((u) => [...u, { name: path, fraction: 0 }]);
      try {
        await uploadFile(props.docId, path, f, (fraction) =>
          setUploads((u) => u.map((x) => (x.name === path ? { ...x, fraction } : x))),
        );
      } catch (e) {
        fail(e);
      } finally {
        setUploads((u) => u.filter((x) => x.name !== path));
      }
    }
    void refetch();
  };

  const mkdir = async () => {
    const name = prompt(t("New folder name"));
    if (!name) return;
    try {
      await api("POST", `/api/v1/documents/${props.docId}/folders`, { path: folder() ? `${folder()}/${name}` : name });
      void refetch();
    } catch (e) {
      fail(e);
    }
  };

  const move = async (from: string, to: string) => {
    setRenaming(null);
    if (!to || to === from) return;
    try {
      await api("POST", `/api/v1/documents/${props.docId}/files/move`, { from, to });
      void refetch();
    } catch (e) {
      fail(e);
    }
  };

  const remove = async (f: FileJson) => {
    try {
      // a file is kept in this page for an undo; a folder is asked about first
      let blob: Blob | null = null;
      if (f.kind === "file" && f.size <= 50e6) blob = await (await fetch(fileUrl(props.docId, f.path))).blob();
      else if (
        !confirm(
          f.kind === "dir"
            ? t("Delete {path} and everything in it? This cannot be undone.", { path: f.path })
            : t("Delete {path}? This cannot be undone.", { path: f.path }),
        )
      )
        return;
      await api("DELETE", fileUrl(props.docId, f.path));
      if (blob) setUndo({ path: f.path, blob });
      void refetch();
    } catch (e) {
      fail(e);
    }
  };

  const restore = async () => {
    const u = undo();
    setUndo(null);
    if (!u) return;
    try {
      await uploadFile(props.docId, u.path, u.blob);
      void refetch();
    } catch (e) {
      fail(e);
    }
  };

  const depth = (p: string) => p.split("/").length - 1;
  const visible = () =>
    (listing()?.files ?? []).filter((f) => !folder() || f.path === folder() || f.path.startsWith(folder() + "/"));

  return (
    <aside
      class="files-panel"
      classList={{ dragging: dragging() }}
      aria-label={t("Files")}
      data-testid="files-panel"
      onDragOver={(e) => {
        if (!props.canChange || !e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        setDragging(false);
        if (!props.canChange || !e.dataTransfer?.files.length) return;
        e.preventDefault();
        void upload([...e.dataTransfer.files]);
      }}
    >
      <div class="files-head">
        <h2>{t("Files")}</h2>
        <button type="button" class="link-button" onClick={() => props.onClose()} aria-label={t("Close files")}>
          ✕
        </button>
      </div>
      <Show when={props.canChange}>
        <div class="files-actions">
          <button type="button" onClick={() => picker.click()}>
            {t("Upload…")}
          </button>
          <button type="button" class="secondary" onClick={() => void mkdir()}>
            {t("New folder")}
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            data-testid="file-picker"
            onChange={(e) => void upload([...(e.currentTarget.files ?? [])])}
          />
        </div>
        <p class="muted files-hint">
          {withSlots(t("Drop files here. Blocks read and write them by relative path, e.g. {example}."), {
            example: <code>pd.read_csv("sales.csv")</code>,
          })}
        </p>
      </Show>
      <Show when={folder()}>
        <p class="files-folder">
          {withSlots(t("In {folder}"), { folder: <strong>{folder()}</strong> })}{" "}
          <button type="button" class="link-button" onClick={() => setFolder("")}>
            {t("back to all files")}
          </button>
        </p>
      </Show>
      <For each={uploads()}>
        {(u) => (
          <div class="files-upload" role="status">
            {t("Uploading {name}", { name: u.name })} <progress max="1" value={u.fraction} />{" "}
            {new Intl.NumberFormat(language(), { style: "percent" }).format(u.fraction)}
          </div>
        )}
      </For>
      <Show when={undo()}>
        <p class="notice files-undo" role="status">
          {t("Deleted {path}.", { path: undo()!.path })}{" "}
          <button type="button" class="link-button" onClick={() => void restore()}>
            {t("Undo")}
          </button>
        </p>
      </Show>
      <Show when={listing.error}>
        <p class="error">{String((listing.error as Error)?.message ?? listing.error)}</p>
      </Show>
      <ul class="files-list" data-testid="files-list">
        <For each={visible()} fallback={<li class="muted">{t("No files yet.")}</li>}>
          {(f) => (
            <li
              class="files-item"
              data-kind={f.kind}
              data-path={f.path}
              style={{ "padding-left": `${depth(f.path) * 1}rem` }}
            >
              <Show
                when={renaming() === f.path}
                fallback={
                  <>
                    <Show
                      when={f.kind === "dir"}
                      fallback={
                        <a href={fileUrl(props.docId, f.path)} download={f.path.split("/").at(-1)} class="files-name">
                          {f.path.split("/").at(-1)}
                        </a>
                      }
                    >
                      <button type="button" class="link-button files-name" onClick={() => setFolder(f.path)}>
                        ▸ {f.path.split("/").at(-1)}
                      </button>
                    </Show>
                    <span class="files-size muted">{f.kind === "file" ? size(f.size) : ""}</span>
                    <Show when={props.canChange}>
                      <button
                        type="button"
                        class="link-button"
                        onClick={() => setRenaming(f.path)}
                        aria-label={t("Rename or move {path}", { path: f.path })}
                      >
                        {t("Rename")}
                      </button>
                      <button
                        type="button"
                        class="link-button"
                        onClick={() => void remove(f)}
                        aria-label={t("Delete {path}", { path: f.path })}
                      >
                        {t("Delete")}
                      </button>
                    </Show>
                  </>
                }
              >
                <input
                  class="files-rename"
                  value={f.path}
                  aria-label={t("New path for {path}", { path: f.path })}
                  ref={(el) => setTimeout(() => el.focus())}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") void move(f.path, e.currentTarget.value.trim());
                    if (e.key === "Escape") setRenaming(null);
                  }}
                  onBlur={(e) => void move(f.path, e.currentTarget.value.trim())}
                />
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={listing()}>
        <p class="muted files-usage" data-testid="files-usage">
          {t(
            "{used} of {limit} in this document; the owner uses {ownerUsed} of {ownerLimit}. Files up to {fileLimit}.",
            {
              used: size(listing()!.usage.documentBytes),
              limit: size(listing()!.usage.documentLimit),
              ownerUsed: size(listing()!.usage.ownerBytes),
              ownerLimit: size(listing()!.usage.ownerLimit),
              fileLimit: size(listing()!.usage.fileLimit),
            },
          )}
        </p>
      </Show>
    </aside>
  );
}
