// The settings page: theme and editor preferences, saved through the API and applied at once,
// the password, where the user is signed in, and their API tokens (list, create with the secret
// shown once, revoke).
import { createResource, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import type { ApiTokenCreatedJson, ApiTokenJson, ApiTokenListJson, SettingsJson } from "../protocol/api-types.ts";
import { useSession } from "./session.tsx";
import { errorMessage } from "./load-failed.tsx";
import { api } from "./api.ts";
import { showToast } from "./toast.tsx";
import { PasswordSection, SessionsSection } from "./account-security.tsx";
import { formatDate, formatDateTime, LANGUAGE_NAMES, t, type Language } from "./i18n.ts";

// the labels are English; t() gives them in the user's language where they are shown
const THEMES: { value: SettingsJson["theme"]; label: string }[] = [
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
  { value: "system", label: "Follow the system" },
];

export function SettingsPage() {
  const session = useSession();
  const [status, setStatus] = createSignal<{ kind: "saving" | "saved" | "error"; text: string } | null>(null);
  let clearTimer: ReturnType<typeof setTimeout> | undefined;
  let fontTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => {
    clearTimeout(clearTimer);
    clearTimeout(fontTimer);
  });

  const save = async (patch: Partial<SettingsJson>) => {
    clearTimeout(clearTimer);
    setStatus({ kind: "saving", text: t("Saving…") });
    try {
      await session.updateSettings(patch);
      setStatus({ kind: "saved", text: t("Saved") });
      clearTimer = setTimeout(() => setStatus(null), 2500);
    } catch (e) {
      setStatus({ kind: "error", text: t("Not saved: {error}", { error: errorMessage(e) }) });
    }
  };
  const s = () => session.settings();

  return (
    <main class="page settings-page">
      <div class="toolbar">
        <h1>{t("Settings")}</h1>
        <span class="spacer" />
        <p
          class="save-status"
          role="status"
          aria-live="polite"
          classList={{ error: status()?.kind === "error", ok: status()?.kind === "saved" }}
          data-testid="save-status"
        >
          {status()?.kind === "saved" ? "✓ " : ""}
          {status()?.text ?? ""}
        </p>
      </div>

      <section class="settings-section card" aria-labelledby="appearance-title">
        <h2 id="appearance-title">{t("Appearance")}</h2>
        <fieldset class="radio-group">
          <legend>{t("Theme")}</legend>
          <For each={THEMES}>
            {(th) => (
              <label class="radio">
                <input
                  type="radio"
                  name="theme"
                  value={th.value}
                  checked={s().theme === th.value}
                  onChange={() => save({ theme: th.value })}
                />
                {t(th.label)}
              </label>
            )}
          </For>
        </fieldset>
      </section>

      <section class="settings-section card" aria-labelledby="profile-title">
        <h2 id="profile-title">{t("Profile")}</h2>
        <div class="settings-grid">
          <label>
            {t("Display name")}
            <input
              value={s().displayName}
              maxLength={64}
              placeholder={session.user()?.username ?? ""}
              onChange={(e) => save({ displayName: e.currentTarget.value })}
            />
          </label>
          <label>
            {t("Colour")}
            <input
              type="color"
              value={s().avatarColour || "#3b82f6"}
              onChange={(e) => save({ avatarColour: e.currentTarget.value })}
            />
          </label>
          <label>
            {t("Language")}
            <select
              value={s().language}
              onChange={(e) => save({ language: e.currentTarget.value as SettingsJson["language"] })}
            >
              <option value="auto">{t("Same as the browser")}</option>
              <For each={Object.keys(LANGUAGE_NAMES) as Language[]}>
                {(l) => <option value={l}>{LANGUAGE_NAMES[l]}</option>}
              </For>
            </select>
          </label>
        </div>
        <p class="muted small">
          {t("Collaborators see your display name and colour on your cursor and in the list of who is here.")}
        </p>
      </section>

      <section class="settings-section card" aria-labelledby="notify-title">
        <h2 id="notify-title">{t("Notifications")}</h2>
        <div class="settings-grid">
          <label>
            {t("E-mail address")}
            <input
              type="email"
              value={s().email}
              maxLength={254}
              placeholder="name@example.org"
              onChange={(e) => save({ email: e.currentTarget.value })}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={s().emailNotifications}
              onChange={(e) => save({ emailNotifications: e.currentTarget.checked })}
            />
            {t("Also tell me by e-mail")}
          </label>
        </div>
        <p class="muted small">
          {t(
            "You are told when a document is shared with you, your access changes, someone mentions you or replies in your thread. Mail goes out only if this server was set up to send it.",
          )}
        </p>
      </section>

      <section class="settings-section card" aria-labelledby="editor-title">
        <h2 id="editor-title">{t("Editor")}</h2>
        <div class="settings-grid">
          <label>
            {t("Font size (px)")}
            <input
              type="number"
              min="8"
              max="40"
              step="1"
              value={s().editorFontSize}
              onInput={(e) => {
                const n = e.currentTarget.valueAsNumber;
                clearTimeout(fontTimer);
                if (!Number.isInteger(n) || n < 8 || n > 40) {
                  setStatus({ kind: "error", text: t("Font size must be a whole number from 8 to 40") });
                  return;
                }
                fontTimer = setTimeout(() => save({ editorFontSize: n }), 400);
              }}
            />
          </label>
          <label>
            {t("Tab size")}
            <select value={String(s().tabSize)} onChange={(e) => save({ tabSize: Number(e.currentTarget.value) })}>
              <For each={[2, 3, 4, 8]}>{(n) => <option value={String(n)}>{t("{n} spaces", { n })}</option>}</For>
            </select>
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={s().wordWrap}
              onChange={(e) => save({ wordWrap: e.currentTarget.checked })}
            />
            {t("Wrap long lines")}
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={s().lineNumbers}
              onChange={(e) => save({ lineNumbers: e.currentTarget.checked })}
            />
            {t("Show line numbers")}
          </label>
        </div>
        <p class="muted small">{t("Preview")}</p>
        <pre
          class="settings-preview"
          role="img"
          aria-label={t("Editor preview")}
          style={{ "font-size": `${s().editorFontSize}px`, "white-space": s().wordWrap ? "pre-wrap" : "pre" }}
        >
          <For each={previewLines(s().tabSize)}>
            {(line, i) => (
              <div>
                <Show when={s().lineNumbers}>
                  <span class="preview-gutter" aria-hidden="true">
                    {i() + 1}
                  </span>
                </Show>
                {line}
              </div>
            )}
          </For>
        </pre>
      </section>

      <PasswordSection />
      <SessionsSection />
      <ApiTokens />
    </main>
  );
}

// Indentation is spelled out in spaces: a tab after the gutter would not line up with the code.
const previewLines = (tab: number) => [
  "# ## Squares",
  "# ```",
  "for n in range(3):",
  `${" ".repeat(tab)}print(f"| {n} | {n * n} | and a long line that shows how wrapping behaves in the editor |")`,
  "# ```",
];

function ApiTokens() {
  const [tokens, { refetch }] = createResource(() => api<ApiTokenListJson>("GET", "/api/v1/tokens"));
  const list = () => (tokens.error ? undefined : tokens.latest)?.tokens;
  const [name, setName] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [created, setCreated] = createSignal<{ name: string; token: string } | null>(null);
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal(false);
  let secretInput: HTMLInputElement | undefined;

  const create = async (e: Event) => {
    e.preventDefault();
    if (!name().trim()) return setError(t("Give the token a name, such as the script that will use it."));
    setBusy(true);
    setError(null);
    try {
      const made = await api<ApiTokenCreatedJson>("POST", "/api/v1/tokens", {
        name: name().trim(),
      });
      setCreated({ name: made.name, token: made.token });
      setCopied(false);
      setName("");
      await refetch();
      queueMicrotask(() => secretInput?.select());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    const secret = created()?.token;
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // Clipboard access needs a secure context; on plain http over the LAN, select it for Ctrl+C.
      secretInput?.select();
      showToast({ message: t("Copy is blocked here: the token is selected, press Ctrl+C.") });
    }
  };

  const revoke = async (tok: ApiTokenJson) => {
    try {
      await api("DELETE", `/api/v1/tokens/${tok.id}`);
      setConfirming(null);
      await refetch();
      showToast({ message: t("Revoked the token “{name}”", { name: tok.name }) });
    } catch (err) {
      showToast({ message: t("Could not revoke: {error}", { error: errorMessage(err) }), tone: "error" });
    }
  };

  return (
    <section class="settings-section card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t("API tokens")}</h2>
      <p class="muted small">
        {t("Scripts use a token instead of your password: send it as")} <code>Authorization: Bearer …</code>.{" "}
        {t("A token acts as you; revoke it when it is no longer used.")}
      </p>
      <form class="token-form" onSubmit={create}>
        <label>
          {t("Token name")}
          <input
            value={name()}
            maxLength={100}
            placeholder={t("e.g. nightly backup script")}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy()}>
          {busy() ? t("Creating…") : t("Create token")}
        </button>
      </form>
      <Show when={error()}>
        <p role="alert" class="error small">
          {error()}
        </p>
      </Show>
      <Show when={created()}>
        {(c) => (
          <div class="notice token-secret" role="status">
            <p>
              <strong>{t("Copy the token “{name}” now.", { name: c().name })}</strong> {t("It is shown only once.")}
            </p>
            <div class="token-copy">
              <input
                ref={secretInput}
                readOnly
                value={c().token}
                aria-label={t("Token {name}", { name: c().name })}
                data-testid="new-token"
                onFocus={(e) => e.currentTarget.select()}
              />
              <button type="button" onClick={copy}>
                {copied() ? t("Copied") : t("Copy")}
              </button>
              <button type="button" class="secondary" onClick={() => setCreated(null)}>
                {t("Done")}
              </button>
            </div>
          </div>
        )}
      </Show>
      <Switch>
        <Match when={tokens.error && !tokens.loading}>
          <p role="alert" class="error">
            {t("Could not load your tokens: {error}", { error: errorMessage(tokens.error) })}{" "}
            <button type="button" class="secondary" onClick={() => refetch()}>
              {t("Retry")}
            </button>
          </p>
        </Match>
        <Match when={!list()}>
          <p class="muted">
            <span class="spinner" aria-hidden="true" /> {t("Loading tokens…")}
          </p>
        </Match>
        <Match when={list()!.length === 0}>
          <p class="muted">{t("No tokens yet.")}</p>
        </Match>
        <Match when={list()}>
          {(all) => (
            <ul class="token-list" aria-label={t("Your API tokens")}>
              <For each={all()}>
                {(tok) => (
                  <li>
                    <div>
                      <strong>{tok.name}</strong>
                      <div class="muted small">
                        {t("Created {date}", { date: formatDate(tok.createdAt) })} ·{" "}
                        {tok.lastUsedAt
                          ? t("last used {time}", { time: formatDateTime(tok.lastUsedAt) })
                          : t("never used")}
                      </div>
                    </div>
                    <Show
                      when={confirming() === tok.id}
                      fallback={
                        <button
                          type="button"
                          class="secondary"
                          aria-label={t("Revoke {name}", { name: tok.name })}
                          onClick={() => setConfirming(tok.id)}
                        >
                          {t("Revoke")}
                        </button>
                      }
                    >
                      <span class="row-buttons">
                        <button
                          type="button"
                          class="danger"
                          aria-label={t("Confirm revoking {name}", { name: tok.name })}
                          onClick={() => revoke(tok)}
                        >
                          {t("Revoke now")}
                        </button>
                        <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                          {t("Keep")}
                        </button>
                      </span>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          )}
        </Match>
      </Switch>
    </section>
  );
}
