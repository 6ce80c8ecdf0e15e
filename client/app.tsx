// The application shell: loads who is signed in, then routes to a page. Pages that need an
// account show the sign-in form in place when nobody is signed in; public links never do.
import { createEffect, createResource, Match, Show, Switch, type JSX } from "solid-js";
import { Router, Route, useNavigate } from "@solidjs/router";
import type { AuthStatusJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { dropEarlyText } from "./early-document.ts";
import { SessionProvider, useSession } from "./session.tsx";
import { LoginPage } from "./login-page.tsx";
import { DocumentsPage } from "./documents-page.tsx";
import { TrashPage } from "./trash-page.tsx";
import { SettingsPage } from "./settings-page.tsx";
import { EditorPage } from "./editor-page.tsx";
import { PublicPage } from "./public-page.tsx";
import { TopBar } from "./top-bar.tsx";
import { AdminPage } from "./admin-page.tsx";
import { SetPasswordPage } from "./set-password-page.tsx";
import { Toasts } from "./toast.tsx";
import { t } from "./i18n.ts";

function RequireUser(props: { children: JSX.Element; bare?: boolean }) {
  const session = useSession();
  const navigate = useNavigate();
  return (
    <Show when={session.user()} fallback={<LoginPage onLogin={(u, s) => session.signedIn(u, s)} />}>
      <Show when={!props.bare} fallback={props.children}>
        <TopBar
          onSignOut={async () => {
            await session.signOut();
            navigate("/", { replace: true });
          }}
        />
        {props.children}
      </Show>
    </Show>
  );
}

export function App() {
  // The status call answers 200 signed in or not, so a first visit logs no failed request.
  const [status, { refetch }] = createResource(() => api<AuthStatusJson>("GET", "/api/v1/auth/status"));
  // the text the page's first script shows is the editor's to replace; any other page removes it
  createEffect(() => {
    if (status.error || (status() && !location.pathname.startsWith("/d/"))) dropEarlyText();
  });
  return (
    <Switch>
      <Match when={status.loading}>
        <main class="center" aria-busy="true">
          <p class="muted">{t("Loading…")}</p>
        </main>
      </Match>
      <Match when={status.error}>
        <main class="center">
          <p role="alert" class="error">
            {String((status.error as Error)?.message ?? status.error)}
          </p>
          <button type="button" onClick={() => refetch()}>
            {t("Try again")}
          </button>
        </main>
      </Match>
      <Match when={status()}>
        {(s) => (
          <SessionProvider user={s().user} settings={s().settings}>
            <Router>
              <Route
                path="/"
                component={() => (
                  <RequireUser>
                    <DocumentsPage />
                  </RequireUser>
                )}
              />
              <Route
                path="/login"
                component={() => (
                  <RequireUser>
                    <DocumentsPage />
                  </RequireUser>
                )}
              />
              <Route
                path="/trash"
                component={() => (
                  <RequireUser>
                    <TrashPage />
                  </RequireUser>
                )}
              />
              <Route
                path="/settings"
                component={() => (
                  <RequireUser>
                    <SettingsPage />
                  </RequireUser>
                )}
              />
              <Route
                path="/admin"
                component={() => (
                  <RequireUser>
                    <AdminPage />
                  </RequireUser>
                )}
              />
              <Route path="/set-password" component={() => <SetPasswordPage />} />
              <Route
                path="/d/:id"
                component={() => (
                  <RequireUser bare>
                    <EditorPage />
                  </RequireUser>
                )}
              />
              <Route path="/p/:slug" component={() => <PublicPage />} />
              <Route
                path="*"
                component={() => (
                  <main class="center">
                    <h1>{t("Not found")}</h1>
                    <a href="/">{t("Back to your documents")}</a>
                  </main>
                )}
              />
            </Router>
            <Toasts />
          </SessionProvider>
        )}
      </Match>
    </Switch>
  );
}
