// Import of .pymd, .ipynb and .zip (a document with its files) from a file picker or by dropping them on the page, with a status line
// per file (uploading, imported with a link to the new document, or why it failed).
import { createSignal, For, Show } from "solid-js";
import type { ApiErrorJson, DocumentJson } from "../protocol/api-types.ts";
import { formatNumber, t } from "./i18n.ts";

const MAX_BYTES = 5 * 1024 * 1024;
const ACCEPTED = /\.(pymd|py|md|txt|ipynb|zip)$/i;

export interface ImportItem {
  key: number;
  name: string;
  state: "uploading" | "done" | "error";
  doc?: DocumentJson;
  error?: string;
}

async function upload(file: File): Promise<DocumentJson> {
  const form = new FormData();
  form.append("file", file, file.name);
  const zip = /\.zip$/i.test(file.name);
  let res: Response;
  try {
    res = zip
      ? // a document with its files, as the archive export writes it; streamed as the raw body
        await fetch(`/api/v1/documents/import-archive?filename=${encodeURIComponent(file.name)}`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/zip" },
          body: file,
        })
      : await fetch("/api/v1/documents/import", { method: "POST", credentials: "same-origin", body: form });
  } catch {
    throw new Error(t("the server cannot be reached"));
  }
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok)
    throw new Error(
      (data as ApiErrorJson | null)?.error?.message ?? t("request failed ({status})", { status: res.status }),
    );
  return data as DocumentJson;
}

export function createImporter(onImported: () => void) {
  const [items, setItems] = createSignal<ImportItem[]>([]);
  let key = 0;
  const update = (k: number, patch: Partial<ImportItem>) =>
    setItems((all) => all.map((i) => (i.key === k ? { ...i, ...patch } : i)));

  const importFiles = async (files: File[]) => {
    if (files.length === 0) return;
    const batch = files.map((f) => ({ file: f, item: { key: ++key, name: f.name, state: "uploading" as const } }));
    setItems((all) => [...batch.map((b) => b.item), ...all].slice(0, 20));
    let imported = 0;
    await Promise.all(
      batch.map(async ({ file, item }) => {
        // Checked here too so an obviously wrong file fails at once, without a round trip.
        if (!ACCEPTED.test(file.name))
          return update(item.key, { state: "error", error: t("not a .pymd, .ipynb or .zip file") });
        if (file.size > MAX_BYTES && !/\.zip$/i.test(file.name))
          return update(item.key, {
            state: "error",
            error: t("larger than {n} MB", { n: formatNumber(MAX_BYTES / 1024 / 1024) }),
          });
        try {
          const doc = await upload(file);
          imported++;
          update(item.key, { state: "done", doc });
        } catch (e) {
          update(item.key, { state: "error", error: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
    if (imported > 0) onImported();
  };

  return { items, importFiles, clear: () => setItems([]) };
}

export function ImportButton(props: { onFiles: (files: File[]) => void }) {
  return (
    <label class="file-button">
      <input
        type="file"
        class="visually-hidden"
        multiple
        accept=".pymd,.py,.md,.txt,.ipynb,.zip,text/plain,text/x-python,application/x-ipynb+json,application/zip"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = "";
          props.onFiles(files);
        }}
      />
      <span aria-hidden="true">⤒</span> {t("Import .pymd / .ipynb")}
    </label>
  );
}

/** The text before and after `{name}` in a translated sentence, to put an element in its place. */
function aroundPlaceholder(text: string, name: string): [string, string] {
  const at = text.indexOf(`{${name}}`);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + name.length + 2)];
}

export function ImportStatus(props: { items: ImportItem[]; onClear: () => void }) {
  return (
    <Show when={props.items.length > 0}>
      <section class="import-status card" aria-label={t("Imports")}>
        <div class="import-head">
          <h2>{t("Imports")}</h2>
          <button type="button" class="secondary small-button" onClick={() => props.onClear()}>
            {t("Clear")}
          </button>
        </div>
        <ul aria-live="polite">
          <For each={props.items}>
            {(i) => (
              <li class={`import-${i.state}`} data-testid="import-item">
                <span class="import-name">{i.name}</span>
                <Show when={i.state === "uploading"}>
                  <span class="muted">
                    <span class="spinner" aria-hidden="true" /> {t("Uploading…")}
                  </span>
                </Show>
                <Show when={i.state === "done" && i.doc}>
                  {(doc) => {
                    // the sentence in the current language, with the title as a link where {title} stands
                    const parts = () => aroundPlaceholder(t("Imported as {title}"), "title");
                    return (
                      <span>
                        ✓ {parts()[0]}
                        <a href={`/d/${doc().id}`}>{doc().title}</a>
                        {parts()[1]}
                      </span>
                    );
                  }}
                </Show>
                <Show when={i.state === "error"}>
                  <span class="error">✗ {t("Failed: {error}", { error: i.error ?? "" })}</span>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}
