// The application shell: who is signed in, which page is shown, the theme.
import { createSignal, createEffect, onMount, Show, Switch, Match } from "solid-js";
import type { SettingsJson, UserJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { LoginPage } from "./login-page.tsx";
import { DocumentsPage } from "./documents-page.tsx";

export function App() {
  const [user, setUser] = createSignal<UserJson | null>(null);
  const [settings, setSettings] = createSignal<SettingsJson | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [error, setError] = createSignal<string | null>(null);

  const loadMe = async () => {
    setLoading(true);
    setError(null);
    try {
      // The status call answers 200 signed in or not, so a first visit logs no failed request.
      const s = await api<{ user: UserJson | null; settings: SettingsJson | null }>("GET", "/api/v1/auth/status");
      setUser(s.user);
      setSettings(s.settings);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };

  onMount(loadMe);

  createEffect(() => {
    const theme = settings()?.theme ?? "system";
    document.documentElement.dataset.theme = theme;
  });

  const logout = async () => {
    try {
      await api("POST", "/api/v1/auth/logout");
    } finally {
      setUser(null);
      history.replaceState(null, "", "/login");
    }
  };

  return (
    <Switch>
      <Match when={loading()}>
        <main class="center" aria-busy="true">
          <p class="muted">Loading…</p>
        </main>
      </Match>
      <Match when={error()}>
        <main class="center">
          <p role="alert" class="error">{error()}</p>
          <button onClick={loadMe}>Try again</button>
        </main>
      </Match>
      <Match when={!user()}>
        <LoginPage
          onLogin={(u, s) => {
            setUser(u);
            setSettings(s);
            history.replaceState(null, "", "/");
          }}
        />
      </Match>
      <Match when={user()}>
        {(u) => (
          <>
            <header class="topbar">
              <a class="brand" href="/">
                pymd
              </a>
              <span class="spacer" />
              <Show when={u()}>
                <span class="muted" data-testid="current-user">
                  {u().username} · {u().role}
                </span>
              </Show>
              <button class="secondary" onClick={logout}>
                Sign out
              </button>
            </header>
            <DocumentsPage user={u()} />
          </>
        )}
      </Match>
    </Switch>
  );
}
