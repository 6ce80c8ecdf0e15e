// The bar across the top of signed-in pages: the product name, navigation, the notifications
// bell and the user menu.
import { Show } from "solid-js";
import { A } from "@solidjs/router";
import { useSession } from "./session.tsx";
import { t } from "./i18n.ts";
import { NotificationsBell } from "./notifications-bell.tsx";

export function TopBar(props: { onSignOut: () => void }) {
  const session = useSession();
  return (
    <header class="topbar">
      <A class="brand" href="/">
        pymd
      </A>
      <nav class="topnav" aria-label={t("Main")}>
        <A href="/" end>
          {t("Documents")}
        </A>
        <A href="/trash">{t("Trash")}</A>
        <A href="/settings">{t("Settings")}</A>
        <Show when={session.user()?.role === "admin"}>
          <A href="/admin">{t("Admin")}</A>
        </Show>
      </nav>
      <span class="spacer" />
      <Show when={session.user()?.id} keyed>
        {(id) => <NotificationsBell userId={id} />}
      </Show>
      <Show when={session.user()}>
        {(u) => (
          <span class="muted" data-testid="current-user">
            {u().username} · {u().role}
          </span>
        )}
      </Show>
      <button type="button" class="secondary" onClick={() => props.onSignOut()}>
        {t("Sign out")}
      </button>
    </header>
  );
}
