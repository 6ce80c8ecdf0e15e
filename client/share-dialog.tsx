// The share dialog: give people editor or viewer access, remove them, and publish or revoke a
// read-only public link; the code to embed a published document elsewhere; and, for its owner,
// how often its public page and embed were read and it was run.
import { createResource, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { DocumentJson, UserListJson } from "../protocol/api-types.ts";
import type { DocumentAnalyticsJson, EmbedSettingsJson } from "../protocol/analytics-types.ts";
import { api } from "./api.ts";
import { formatDateTime, formatNumber, t } from "./i18n.ts";

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
    q.length < 1
      ? []
      : (await api<UserListJson>("GET", `/api/v1/users?q=${encodeURIComponent(q)}`)).users.map((u) => u.username),
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
      setMembers(
        (await api<{ members: Member[] }>("PUT", `/api/v1/documents/${props.doc.id}/members`, { members: next }))
          .members,
      );
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
    const next = members()
      .filter((m) => m.username !== name)
      .map((m) => ({ username: m.username, role: m.role }));
    if (await save([...next, { username: name, role: role() }])) setUsername("");
  };
  const setPublic = async (isPublic: boolean) => patchDoc({ isPublic });
  const patchDoc = async (patch: { isPublic?: boolean; publicComments?: boolean }) => {
    setError(null);
    try {
      const d = await api<DocumentJson>("PATCH", `/api/v1/documents/${props.doc.id}`, patch);
      setDoc(d);
      props.onChanged(d);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const link = () => (doc().publicSlug ? `${location.origin}/p/${doc().publicSlug}` : "");
  const embedCode = () =>
    doc().publicSlug
      ? `<iframe src="${location.origin}/embed/${doc().publicSlug}" width="100%" height="600" style="border:0"></iframe>`
      : "";
  const [embed] = createResource(
    () => doc().isPublic || null,
    () => api<EmbedSettingsJson>("GET", "/api/v1/embed/settings").catch(() => null),
  );
  // the owner's only; read again when the link is published or revoked
  const [analytics] = createResource(
    () => (doc().role === "owner" ? `${doc().id}:${doc().publicSlug ?? ""}` : null),
    () => api<DocumentAnalyticsJson>("GET", `/api/v1/documents/${props.doc.id}/analytics`).catch(() => null),
  );
  const sum30 = (kind: "public" | "embed") => (analytics()?.views.last30Days ?? []).reduce((n, d) => n + d[kind], 0);
  const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();

  onMount(() => {
    void load();
    addEventListener("keydown", onKey);
    dialog.querySelector<HTMLInputElement>("input")?.focus();
  });
  onCleanup(() => removeEventListener("keydown", onKey));

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a click beside the dialog closes it, as Escape and its Close button do
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal card" role="dialog" aria-modal="true" aria-labelledby="share-title" ref={dialog}>
        <h2 id="share-title">{t("Share “{title}”", { title: doc().title })}</h2>
        <form class="share-add" onSubmit={add}>
          <label>
            {t("Username")}
            <input
              list="share-users"
              value={username()}
              onInput={(e) => setUsername(e.currentTarget.value)}
              autocomplete="off"
            />
            <datalist id="share-users">
              <For each={suggestions() ?? []}>{(u) => <option value={u} />}</For>
            </datalist>
          </label>
          <label>
            {t("Access")}
            <select
              value={role()}
              onChange={(e) => setRole(e.currentTarget.value as "editor" | "commenter" | "viewer")}
            >
              <option value="viewer">{t("Viewer (read only)")}</option>
              <option value="commenter">{t("Commenter (reads and comments)")}</option>
              <option value="editor">{t("[role]Editor")}</option>
            </select>
          </label>
          <button type="submit">{t("Add")}</button>
        </form>
        <Show when={error()}>
          <p role="alert" class="error">
            {error()}
          </p>
        </Show>
        <ul class="member-list" aria-label={t("People with access")}>
          <For each={members()} fallback={<li class="muted">{t("Only you have access.")}</li>}>
            {(m) => (
              <li>
                <span>{m.username}</span>
                <select
                  aria-label={t("Access for {username}", { username: m.username })}
                  value={m.role}
                  onChange={(e) =>
                    void save(
                      members().map((x) => ({
                        username: x.username,
                        role: x.userId === m.userId ? e.currentTarget.value : x.role,
                      })),
                    )
                  }
                >
                  <option value="viewer">{t("Viewer")}</option>
                  <option value="commenter">{t("Commenter")}</option>
                  <option value="editor">{t("[role]Editor")}</option>
                </select>
                <button
                  type="button"
                  class="secondary"
                  onClick={() =>
                    void save(
                      members()
                        .filter((x) => x.userId !== m.userId)
                        .map((x) => ({ username: x.username, role: x.role })),
                    )
                  }
                >
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
              <button type="button" onClick={() => void setPublic(true)}>
                {t("Publish a link")}
              </button>
            </p>
          }
        >
          <p>
            <input
              class="link-field"
              readOnly
              value={link()}
              aria-label={t("Public link")}
              onFocus={(e) => e.currentTarget.select()}
            />{" "}
            <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(link())}>
              {t("Copy")}
            </button>{" "}
            <button type="button" class="danger" onClick={() => void setPublic(false)}>
              {t("Revoke")}
            </button>
          </p>
          <label class="check">
            <input
              type="checkbox"
              checked={doc().publicComments}
              onChange={(e) => void patchDoc({ publicComments: e.currentTarget.checked })}
              data-testid="public-comments"
            />
            {t("Show the open comments on the public page")}
          </label>
          <h3>{t("Embed")}</h3>
          <p class="muted small">
            {t("Paste this into a web page to show the notebook there, without the pymd page around it.")}
          </p>
          <p>
            <input
              class="link-field"
              readOnly
              value={embedCode()}
              aria-label={t("Embed code")}
              data-testid="embed-code"
              onFocus={(e) => e.currentTarget.select()}
            />{" "}
            <button
              type="button"
              class="secondary"
              data-testid="copy-embed-code"
              onClick={() => void navigator.clipboard?.writeText(embedCode())}
            >
              {t("Copy")}
            </button>
          </p>
          <Show when={embed()}>
            {(e) => (
              <p class="muted small" data-testid="embed-origins">
                {e().embedOrigins.length === 0
                  ? t(
                      "This server lets no site embed documents yet: an administrator can name the sites with --embed-origins.",
                    )
                  : t("Sites that may embed it: {origins}", { origins: e().embedOrigins.join(", ") })}
              </p>
            )}
          </Show>
        </Show>
        <Show when={doc().role === "owner" && analytics()}>
          {(a) => (
            <section class="share-analytics" aria-labelledby="share-analytics-title" data-testid="share-analytics">
              <h3 id="share-analytics-title">{t("Analytics")}</h3>
              <table class="admin-table">
                <thead>
                  <tr>
                    <th />
                    <th>{t("Last 30 days")}</th>
                    <th>{t("All time")}</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">{t("Public page views")}</th>
                    <td>{formatNumber(sum30("public"))}</td>
                    <td>{formatNumber(a().views.public)}</td>
                  </tr>
                  <tr>
                    <th scope="row">{t("Embed views")}</th>
                    <td>{formatNumber(sum30("embed"))}</td>
                    <td>{formatNumber(a().views.embed)}</td>
                  </tr>
                  <tr>
                    <th scope="row">{t("Runs")}</th>
                    <td>{formatNumber(a().runs.last30Days)}</td>
                    <td>{formatNumber(a().runs.total)}</td>
                  </tr>
                </tbody>
              </table>
              <p class="muted small">
                {a().runs.lastRunAt
                  ? a().runs.lastRunBy
                    ? t("Last run by {username}, {date}", {
                        username: a().runs.lastRunBy!,
                        date: formatDateTime(a().runs.lastRunAt!),
                      })
                    : t("Last run {date}", { date: formatDateTime(a().runs.lastRunAt!) })
                  : t("Not run yet")}
                {" · "}
                {t("Counted without cookies or personal data; only you see this.")}
              </p>
            </section>
          )}
        </Show>
        <div class="modal-actions">
          <button type="button" onClick={() => props.onClose()}>
            {t("Done")}
          </button>
        </div>
      </div>
    </div>
  );
}
