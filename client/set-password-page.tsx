// Where a one-time set-password link lands: its secret is in the fragment (never sent in a
// request line or a Referer); setting the password signs the person in.
import { NewPasswordFields } from "./new-password-fields.tsx";
import { createResource, createSignal, Show } from "solid-js";
import type { PasswordLinkAccountJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { errorMessage } from "./load-failed.tsx";
import { t } from "./i18n.ts";

export function SetPasswordPage() {
  const token = location.hash.slice(1);
  const [link] = createResource(() =>
    api<PasswordLinkAccountJson>("GET", `/api/v1/auth/password-link?token=${encodeURIComponent(token)}`),
  );
  const [password, setPassword] = createSignal("");
  const [again, setAgain] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (password() !== again()) return setError(t("The two passwords differ."));
    setBusy(true);
    try {
      await api("POST", "/api/v1/auth/password-link", { token, password: password() });
      // signed in now: the app starts again with the session
      location.replace("/");
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <main class="center">
      <form class="card login" onSubmit={submit} aria-labelledby="set-password-title">
        <h1 id="set-password-title">{t("Set your password")}</h1>
        <Show
          when={link.state === "ready" ? link() : undefined}
          fallback={
            <p role="alert" class="error">
              {link.state === "errored" ? errorMessage(link.error) : t("Checking the link…")}
            </p>
          }
        >
          {(l) => (
            <>
              <p>
                {t("For the account")} <strong data-testid="link-username">{l().username}</strong>.{" "}
                {t("At least 8 characters.")}
              </p>
              <NewPasswordFields password={password} onPassword={setPassword} again={again} onAgain={setAgain} />
              <Show when={error()}>
                <p role="alert" class="error">
                  {error()}
                </p>
              </Show>
              <button type="submit" disabled={busy()}>
                {busy() ? t("Saving…") : t("Set password and sign in")}
              </button>
            </>
          )}
        </Show>
      </form>
    </main>
  );
}
