// The sign-in form, with the first-run hint when the server has no users yet.
import { createSignal, onMount, Show } from "solid-js";
import type { AuthStatusJson, MeJson, SettingsJson, UserJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { t } from "./i18n.ts";

export function LoginPage(props: { onLogin: (u: UserJson, s: SettingsJson) => void }) {
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [hint, setHint] = createSignal<string | null>(null);
  const [sso, setSso] = createSignal<{ name: string; startUrl: string } | null>(null);
  const [passwordLogin, setPasswordLogin] = createSignal(true);

  onMount(async () => {
    // a single sign-on that failed comes back here with its reason
    const params = new URLSearchParams(location.search);
    const ssoError = params.get("sso_error");
    if (ssoError) {
      setError(ssoError);
      params.delete("sso_error");
      history.replaceState(null, "", location.pathname + (params.size ? `?${params}` : "") + location.hash);
    }
    try {
      const s = await api<AuthStatusJson>("GET", "/api/v1/auth/status");
      setHint(s.needsSetup ? s.hint : null);
      setSso(s.sso ?? null);
      setPasswordLogin(s.passwordLogin !== false);
    } catch {
      // The form still works without the hint.
    }
  });

  /** Single sign-on comes back to the page the person was opening. */
  const ssoHref = () => {
    const here = location.pathname + location.search;
    return `${sso()!.startUrl}${here !== "/" ? `?next=${encodeURIComponent(here)}` : ""}`;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST", "/api/v1/auth/login", { username: username(), password: password() });
      const me = await api<MeJson>("GET", "/api/v1/auth/me");
      props.onLogin(me.user, me.settings);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="center">
      <form class="card login" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t("Sign in to pymd")}</h1>
        <Show when={hint()}>
          <p class="notice" data-testid="first-run-hint">
            {hint()}
          </p>
        </Show>
        <Show when={sso()}>
          <a class="button sso-button" data-testid="sso-sign-in" rel="external" href={ssoHref()}>
            {t("Sign in with {name}", { name: sso()!.name })}
          </a>
          <p class="muted or">
            {passwordLogin()
              ? t("or with your pymd password")
              : t("Password sign-in is for administrators only on this server")}
          </p>
        </Show>
        <label>
          {t("Username")}
          <input
            name="username"
            autocomplete="username"
            required
            value={username()}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          {t("Password")}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <Show when={error()}>
          <p role="alert" class="error">
            {error()}
          </p>
        </Show>
        <button type="submit" disabled={busy()}>
          {busy() ? t("Signing in…") : t("Sign in")}
        </button>
      </form>
    </main>
  );
}
