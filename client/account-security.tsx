// Settings: change your password (your other sessions end and your API tokens are revoked), and
// your signed-in sessions, with where and how each began, to sign out one or all the others.
import { NewPasswordFields } from "./new-password-fields.tsx";
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "./api.ts";
import { errorMessage } from "./load-failed.tsx";
import { showToast } from "./toast.tsx";
import { formatDateTime, t } from "./i18n.ts";
import type {
  CredentialsRevokedJson,
  MeJson,
  SessionJson,
  SessionListJson,
  SessionsEndedJson,
} from "../protocol/api-types.ts";

export function PasswordSection(props: { onChanged?: () => void }) {
  const [me] = createResource(() => api<MeJson>("GET", "/api/v1/auth/me"));
  const [current, setCurrent] = createSignal("");
  const [next, setNext] = createSignal("");
  const [again, setAgain] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [done, setDone] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (next() !== again()) return setError(t("The new password and its repetition differ."));
    setBusy(true);
    try {
      const r = await api<CredentialsRevokedJson>("POST", "/api/v1/auth/password", {
        currentPassword: current(),
        newPassword: next(),
      });
      setDone(r.message);
      setCurrent("");
      setNext("");
      setAgain("");
      props.onChanged?.();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section card" aria-labelledby="password-title">
      <h2 id="password-title">{t("Password")}</h2>
      <Show
        when={me()?.hasPassword !== false}
        fallback={<p class="muted">{t("This account signs in through single sign-on and has no password here.")}</p>}
      >
        <form class="password-form" onSubmit={submit}>
          <label>
            {t("Current password")}
            <input
              type="password"
              autocomplete="current-password"
              required
              value={current()}
              onInput={(e) => setCurrent(e.currentTarget.value)}
            />
          </label>
          <NewPasswordFields password={next} onPassword={setNext} again={again} onAgain={setAgain} />
          <p class="muted small">{t("Changing it signs out your other sessions and revokes your API tokens.")}</p>
          <Show when={error()}>
            <p role="alert" class="error">
              {error()}
            </p>
          </Show>
          <Show when={done()}>
            <p role="status" class="notice" data-testid="password-changed">
              {done()}
            </p>
          </Show>
          <button type="submit" disabled={busy()}>
            {busy() ? t("Changing…") : t("Change password")}
          </button>
        </form>
      </Show>
    </section>
  );
}

/** "Firefox on Linux" from a user agent, or the agent itself when it is not a browser's. */
function browserOf(agent: string | null): string {
  if (!agent) return t("Unknown browser");
  const browser = /Edg\//.test(agent)
    ? "Edge"
    : /Firefox\//.test(agent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(agent)
        ? "Chrome"
        : /Safari\//.test(agent)
          ? "Safari"
          : null;
  const os = /Android/.test(agent)
    ? "Android"
    : /iPhone|iPad/.test(agent)
      ? "iOS"
      : /Windows/.test(agent)
        ? "Windows"
        : /Mac OS X/.test(agent)
          ? "macOS"
          : /Linux/.test(agent)
            ? "Linux"
            : null;
  return browser ? (os ? t("{browser} on {os}", { browser, os }) : browser) : agent.slice(0, 60);
}

export function SessionsSection() {
  const [sessions, { refetch }] = createResource(() => api<SessionListJson>("GET", "/api/v1/auth/sessions"));
  const list = () => (sessions.error ? [] : (sessions.latest?.sessions ?? []));
  const others = () => list().filter((s) => !s.current).length;

  const end = async (s: SessionJson) => {
    try {
      await api("DELETE", `/api/v1/auth/sessions/${s.id}`);
      showToast({ message: t("Signed out {browser}", { browser: browserOf(s.agent) }) });
    } catch (e) {
      showToast({ message: t("Not signed out: {error}", { error: errorMessage(e) }) });
    }
    refetch();
  };
  const endOthers = async () => {
    try {
      const r = await api<SessionsEndedJson>("POST", "/api/v1/auth/sessions/end-others");
      showToast({ message: r.message });
    } catch (e) {
      showToast({ message: t("Not signed out: {error}", { error: errorMessage(e) }) });
    }
    refetch();
  };

  return (
    <section class="settings-section card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("Where you are signed in")}</h2>
      <Show when={sessions.error}>
        <p class="error">{t("Could not load your sessions: {error}", { error: errorMessage(sessions.error) })}</p>
      </Show>
      <ul class="token-list" aria-label={t("Your sessions")} data-testid="sessions">
        <For each={list()}>
          {(s) => (
            <li data-current={s.current ? "yes" : "no"}>
              <div>
                <strong>{browserOf(s.agent)}</strong>
                {s.current ? <span class="badge">{t("This browser")}</span> : null}
                <div class="muted small">
                  {t("Signed in {time}", { time: formatDateTime(s.createdAt) })}
                  {s.address ? t(" from {address}", { address: s.address }) : ""}
                  {s.method === "sso"
                    ? t(" with single sign-on")
                    : s.method === "password"
                      ? t(" with a password")
                      : ""}
                </div>
              </div>
              <Show when={!s.current}>
                <button
                  type="button"
                  class="secondary"
                  aria-label={t("Sign out {browser} signed in {time}", {
                    browser: browserOf(s.agent),
                    time: formatDateTime(s.createdAt),
                  })}
                  onClick={() => end(s)}
                >
                  {t("Sign out")}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={others() > 0}>
        <button type="button" class="secondary" onClick={endOthers}>
          {t("Sign out everywhere else ({n})", { n: others() })}
        </button>
      </Show>
    </section>
  );
}
