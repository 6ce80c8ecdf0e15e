// The share dialog: give people editor or viewer access, remove them, and publish or revoke a
// read-only public link.
import { createResource, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { DocumentJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { t } from "./i18n.ts";

interface Member {
  userId: string;
  username: string;
  role: "editor" | "commenter" | "viewer";
}

export function ShareDialog(props: { doc: DocumentJson; onClose: () => void; onChanged: (d: DocumentJson) => void }) {
  const [members, setMembers] = createSignal<Member[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [username, setUsername] = createSignal("");
  const [role, setRole] = createSignal<"editor" | "commenter" | "viewer">("viewer");
  const [doc, setDoc] = createSignal(props.doc);
  const [suggestions] = createResource(username, async (q) =>
    q.length < 1 ? [] : (await api<{ users: { username: string }[] }>("GET", `/api/v1/users?q=${encodeURIComponent(q)}`)).users.map((u) => u.username),
  );
  let dialog!: HTMLDivElement;

  const load = async () => {
    try {
      setMembers((await api<{ members: Member[] }>("GET", `/api/v1/documents/${props.doc.id}/members`)).members);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const save = async (next: { username: string; role: string }[]) => {
    setError(null);
    try {
      setMembers((await api<{ members: Member[] }>("PUT", `/api/v1/documents/${props.doc.id}/members`, { members: next })).members);
      return true;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return false;
    }
  };
  const add = async (e: Event) => {
    e.preventDefault();
    const name = username().trim();
    if (!name) return;
    const next = members().filter((m) => m.username !== name).map((m) => ({ username: m.username, role: m.role }));
    if (await save([...next, { username: name, role: role() }])) setUsername("");
  };
  const setPublic = async (isPublic: boolean) => {
    setError(null);
    try {
      const d = await api<DocumentJson>("PATCH", `/api/v1/documents/${props.doc.id}`, { isPublic });
      setDoc(d);
      props.onChanged(d);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const link = () => (doc().publicSlug ? `${location.origin}/p/${doc().publicSlug}` : "");
  const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();

  onMount(() => {
    void load();
    addEventListener("keydown", onKey);
    dialog.querySelector<HTMLInputElement>("input")?.focus();
  });
  onCleanup(() => removeEventListener("keydown", onKey));

  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal card" role="dialog" aria-modal="true" aria-labelledby="share-title" ref={dialog}>
        <h2 id="share-title">{t("Share “{title}”", { title: doc().title })}</h2>
        <form class="share-add" onSubmit={add}>
          <label>
            {t("Username")}
            <input list="share-users" value={username()} onInput={(e) => setUsername(e.currentTarget.value)} autocomplete="off" />
            <datalist id="share-users">
              <For each={suggestions() ?? []}>{(u) => <option value={u} />}</For>
            </datalist>
          </label>
          <label>
            {t("Access")}
            <select value={role()} onChange={(e) => setRole(e.currentTarget.value as "editor" | "commenter" | "viewer")}>
              <option value="viewer">{t("Viewer (read only)")}</option>
              <option value="commenter">{t("Commenter (reads and comments)")}</option>
              <option value="editor">{t("[role]Editor")}</option>
            </select>
          </label>
          <button type="submit">{t("Add")}</button>
        </form>
        <Show when={error()}>
          <p role="alert" class="error">{error()}</p>
        </Show>
        <ul class="member-list" aria-label={t("People with access")}>
          <For each={members()} fallback={<li class="muted">{t("Only you have access.")}</li>}>
            {(m) => (
              <li>
                <span>{m.username}</span>
                <select
                  aria-label={t("Access for {username}", { username: m.username })}
                  value={m.role}
                  onChange={(e) => void save(members().map((x) => ({ username: x.username, role: x.userId === m.userId ? e.currentTarget.value : x.role })))}
                >
                  <option value="viewer">{t("Viewer")}</option>
                  <option value="commenter">{t("Commenter")}</option>
                  <option value="editor">{t("[role]Editor")}</option>
                </select>
                <button class="secondary" onClick={() => void save(members().filter((x) => x.userId !== m.userId).map((x) => ({ username: x.username, role: x.role })))}>
                  {t("Remove")}
                </button>
              </li>
            )}
          </For>
        </ul>
        <h3>{t("Public link")}</h3>
        <Show
          when={doc().isPublic}
          fallback={
            <p>
              {t("Anyone with a public link can read the notebook and its last outputs, without signing in.")}{" "}
              <button onClick={() => void setPublic(true)}>{t("Publish a link")}</button>
            </p>
          }
        >
          <p>
            <input class="link-field" readOnly value={link()} aria-label={t("Public link")} onFocus={(e) => e.currentTarget.select()} />{" "}
            <button class="secondary" onClick={() => void navigator.clipboard?.writeText(link())}>
              {t("Copy")}
            </button>{" "}
            <button class="danger" onClick={() => void setPublic(false)}>
              {t("Revoke")}
            </button>
          </p>
        </Show>
        <div class="modal-actions">
          <button onClick={() => props.onClose()}>{t("Done")}</button>
        </div>
      </div>
    </div>
  );
}
