// The settings page: theme and editor preferences, saved through the API and applied at once,
// the password, where the user is signed in, and their API tokens (list, create with the secret
// shown once, revoke).
import { createResource, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import type { SettingsJson } from "../protocol/api-types.ts";
import { useSession } from "./session.tsx";
import { errorMessage } from "./load-failed.tsx";
import { api } from "./api.ts";
import { showToast } from "./toast.tsx";
import { PasswordSection, SessionsSection } from "./account-security.tsx";

interface TokenJson {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

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
    setStatus({ kind: "saving", text: "Saving…" });
    try {
      await session.updateSettings(patch);
      setStatus({ kind: "saved", text: "Saved" });
      clearTimer = setTimeout(() => setStatus(null), 2500);
    } catch (e) {
      setStatus({ kind: "error", text: `Not saved: ${errorMessage(e)}` });
    }
  };
  const s = () => session.settings();

  return (
    <main class="page settings-page">
      <div class="toolbar">
        <h1>Settings</h1>
        <span class="spacer" />
        <p class="save-status" role="status" aria-live="polite" classList={{ error: status()?.kind === "error", ok: status()?.kind === "saved" }} data-testid="save-status">
          {status()?.kind === "saved" ? "✓ " : ""}
          {status()?.text ?? ""}
        </p>
      </div>

      <section class="settings-section card" aria-labelledby="appearance-title">
        <h2 id="appearance-title">Appearance</h2>
        <fieldset class="radio-group">
          <legend>Theme</legend>
          <For each={THEMES}>
            {(t) => (
              <label class="radio">
                <input type="radio" name="theme" value={t.value} checked={s().theme === t.value} onChange={() => save({ theme: t.value })} />
                {t.label}
              </label>
            )}
          </For>
        </fieldset>
      </section>

      <section class="settings-section card" aria-labelledby="editor-title">
        <h2 id="editor-title">Editor</h2>
        <div class="settings-grid">
          <label>
            Font size (px)
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
                  setStatus({ kind: "error", text: "Font size must be a whole number from 8 to 40" });
                  return;
                }
                fontTimer = setTimeout(() => save({ editorFontSize: n }), 400);
              }}
            />
          </label>
          <label>
            Tab size
            <select value={String(s().tabSize)} onChange={(e) => save({ tabSize: Number(e.currentTarget.value) })}>
              <For each={[2, 3, 4, 8]}>{(n) => <option value={String(n)}>{n} spaces</option>}</For>
            </select>
          </label>
          <label class="check">
            <input type="checkbox" checked={s().wordWrap} onChange={(e) => save({ wordWrap: e.currentTarget.checked })} />
            Wrap long lines
          </label>
          <label class="check">
            <input type="checkbox" checked={s().lineNumbers} onChange={(e) => save({ lineNumbers: e.currentTarget.checked })} />
            Show line numbers
          </label>
        </div>
        <p class="muted small">Preview</p>
        <pre
          class="settings-preview"
          aria-label="Editor preview"
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
  const [tokens, { refetch }] = createResource(() => api<{ tokens: TokenJson[] }>("GET", "/api/v1/tokens"));
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
    if (!name().trim()) return setError("Give the token a name, such as the script that will use it.");
    setBusy(true);
    setError(null);
    try {
      const t = await api<{ id: string; name: string; token: string }>("POST", "/api/v1/tokens", { name: name().trim() });
      setCreated({ name: t.name, token: t.token });
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
    const t = created()?.token;
    if (!t) return;
    try {
      await navigator.clipboard.writeText(t);
      setCopied(true);
    } catch {
      // Clipboard access needs a secure context; on plain http over the LAN, select it for Ctrl+C.
      secretInput?.select();
      showToast({ message: "Copy is blocked here: the token is selected, press Ctrl+C." });
    }
  };

  const revoke = async (t: TokenJson) => {
    try {
      await api("DELETE", `/api/v1/tokens/${t.id}`);
      setConfirming(null);
      await refetch();
      showToast({ message: `Revoked the token “${t.name}”` });
    } catch (err) {
      showToast({ message: `Could not revoke: ${errorMessage(err)}`, tone: "error" });
    }
  };

  return (
    <section class="settings-section card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p class="muted small">
        Scripts use a token instead of your password: send it as <code>Authorization: Bearer …</code>. A token acts as you; revoke it when it is no longer used.
      </p>
      <form class="token-form" onSubmit={create}>
        <label>
          Token name
          <input value={name()} maxLength={100} placeholder="e.g. nightly backup script" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy()}>
          {busy() ? "Creating…" : "Create token"}
        </button>
      </form>
      <Show when={error()}>
        <p role="alert" class="error small">{error()}</p>
      </Show>
      <Show when={created()}>
        {(c) => (
          <div class="notice token-secret" role="status">
            <p>
              <strong>Copy the token “{c().name}” now.</strong> It is shown only once.
            </p>
            <div class="token-copy">
              <input ref={secretInput} readOnly value={c().token} aria-label={`Token ${c().name}`} data-testid="new-token" onFocus={(e) => e.currentTarget.select()} />
              <button type="button" onClick={copy}>
                {copied() ? "Copied" : "Copy"}
              </button>
              <button type="button" class="secondary" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Show>
      <Switch>
        <Match when={tokens.error && !tokens.loading}>
          <p role="alert" class="error">
            Could not load your tokens: {errorMessage(tokens.error)}{" "}
            <button type="button" class="secondary" onClick={() => refetch()}>
              Retry
            </button>
          </p>
        </Match>
        <Match when={!list()}>
          <p class="muted">
            <span class="spinner" aria-hidden="true" /> Loading tokens…
          </p>
        </Match>
        <Match when={list()!.length === 0}>
          <p class="muted">No tokens yet.</p>
        </Match>
        <Match when={list()}>
          {(all) => (
            <ul class="token-list" aria-label="Your API tokens">
              <For each={all()}>
                {(t) => (
                  <li>
                    <div>
                      <strong>{t.name}</strong>
                      <div class="muted small">
                        Created {new Date(t.createdAt).toLocaleDateString()} · {t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toLocaleString()}` : "never used"}
                      </div>
                    </div>
                    <Show
                      when={confirming() === t.id}
                      fallback={
                        <button type="button" class="secondary" aria-label={`Revoke ${t.name}`} onClick={() => setConfirming(t.id)}>
                          Revoke
                        </button>
                      }
                    >
                      <span class="row-buttons">
                        <button type="button" class="danger" aria-label={`Confirm revoking ${t.name}`} onClick={() => revoke(t)}>
                          Revoke now
                        </button>
                        <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                          Keep
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
