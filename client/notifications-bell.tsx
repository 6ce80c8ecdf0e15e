// The bell in the top bar: how many notifications are unread, live from the socket's
// "notifications" frames, and a panel with the latest ones as sentences. A click on one marks it
// read and opens its document (at its comment thread); "Mark all as read" clears the count.
// The count and the list live in the module, not the component: every page mounts its own top
// bar, and the socket says the count once after it connects, not again per page.
import { createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import { useNavigate } from "@solidjs/router";
import type { AccessRole, NotificationJson } from "../protocol/api-types.ts";
import type { ServerMessage } from "../protocol/ws-messages.ts";
import { api } from "./api.ts";
import { LoadFailed } from "./load-failed.tsx";
import { notebookSocket } from "./notebook-socket.ts";
import { formatDateTime, formatNumber, t } from "./i18n.ts";

/** How many the panel lists. */
const LIMIT = 30;

interface ListJson {
  notifications: NotificationJson[];
  unread: number;
}

const [unread, setUnread] = createSignal(0);
/** The latest notifications, newest first; null until the first list arrived. */
const [items, setItems] = createSignal<NotificationJson[] | null>(null);
const [loadError, setLoadError] = createSignal<unknown>(null);
/** Whose notifications the module holds (another user may sign in on the same page). */
let holder: string | null = null;
let subscribed = false;
/** Bumped by every socket frame: a list fetched meanwhile has an older count. */
let frames = 0;

/**
 * Puts notifications into `base` (a newer copy of one replaces the older), newest first. A row
 * that did not change keeps its object, so the panel does not redraw it.
 */
function merge(list: NotificationJson[], base: NotificationJson[] = items() ?? []): void {
  const byId = new Map(base.map((n) => [n.id, n]));
  for (const n of list) {
    const had = byId.get(n.id);
    if (!had || had.read !== n.read || had.document?.title !== n.document?.title) byId.set(n.id, n);
  }
  setItems([...byId.values()].sort((a, b) => b.id - a.id).slice(0, LIMIT));
}

function onFrame(m: ServerMessage): void {
  if (m.t !== "notifications") return;
  frames++;
  setUnread(m.unread);
  if (m.added.length > 0) merge(m.added);
  // read elsewhere (another tab): nothing is unread any more
  else if (m.unread === 0 && items()?.some((n) => !n.read))
    setItems(items()!.map((n) => (n.read ? n : { ...n, read: true })));
}

async function load(): Promise<void> {
  const seen = frames;
  try {
    const res = await api<ListJson>("GET", `/api/v1/notifications?limit=${LIMIT}`);
    setLoadError(null);
    // The fetched list is the server's truth for what it holds; frames since then may add newer.
    const had = items() ?? [];
    const newest = res.notifications[0]?.id ?? 0;
    const kept = new Map(had.map((n) => [n.id, n]));
    merge(
      [...res.notifications, ...had.filter((n) => n.id > newest)],
      res.notifications.map((n) => kept.get(n.id) ?? n),
    );
    if (frames === seen) setUnread(res.unread);
  } catch (e) {
    setLoadError(e);
  }
}

/** Starts listening and loading for this user, once per user. */
function start(userId: string): void {
  if (!subscribed) {
    subscribed = true;
    notebookSocket().on(onFrame);
  }
  if (holder === userId) return;
  holder = userId;
  setUnread(0);
  setItems(null);
  setLoadError(null);
  void load();
}

function roleLabel(role: unknown): string {
  switch (role as AccessRole) {
    case "viewer":
      return t("Viewer");
    case "commenter":
      return t("Commenter");
    case "editor":
      return t("[role]Editor");
    case "owner":
      return t("Owner");
    default:
      return String(role);
  }
}

/** The notification as a sentence, and the comment's words for mentions and replies. */
function describeNotification(n: NotificationJson): { sentence: string; excerpt: string | null } {
  const d = n.detail ?? {};
  const actor = n.actor ?? t("Someone");
  const title = n.document?.title ?? (typeof d.title === "string" ? d.title : "");
  const excerpt = typeof d.excerpt === "string" && d.excerpt.trim() !== "" ? d.excerpt : null;
  switch (n.kind) {
    case "shared":
      return {
        sentence: t("{actor} shared “{title}” with you as {role}", { actor, title, role: roleLabel(d.role) }),
        excerpt: null,
      };
    case "mention":
      return { sentence: t("{actor} mentioned you in “{title}”", { actor, title }), excerpt };
    case "reply":
      return { sentence: t("{actor} replied in “{title}”", { actor, title }), excerpt };
    case "access":
      return {
        sentence:
          d.role === null || d.role === undefined
            ? t("{actor} removed your access to “{title}”", { actor, title })
            : t("{actor} changed your access to “{title}” to {role}", { actor, title, role: roleLabel(d.role) }),
        excerpt: null,
      };
    default:
      return { sentence: title, excerpt: null };
  }
}

export function NotificationsBell(props: { userId: string }) {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  let wrap!: HTMLDivElement;
  let bell!: HTMLButtonElement;
  let panel: HTMLDivElement | undefined;

  start(props.userId);

  const show = () => {
    setOpen(true);
    void load();
    queueMicrotask(() => panel?.focus());
  };
  const close = (refocus: boolean) => {
    if (!open()) return;
    setOpen(false);
    if (refocus) bell.focus();
  };

  // A click outside closes the panel; focus comes back to the bell unless the click put it somewhere.
  const onDocPointer = (e: PointerEvent) => {
    if (!open() || wrap.contains(e.target as Node)) return;
    close(false);
    setTimeout(() => {
      if (!document.activeElement || document.activeElement === document.body) bell.focus();
    }, 0);
  };
  document.addEventListener("pointerdown", onDocPointer);
  onCleanup(() => document.removeEventListener("pointerdown", onDocPointer));

  const markAll = async () => {
    const before = items();
    setItems(before?.map((n) => (n.read ? n : { ...n, read: true })) ?? null);
    setUnread(0);
    try {
      setUnread((await api<{ unread: number }>("POST", "/api/v1/notifications/read", { all: true })).unread);
    } catch {
      setItems(before);
      void load();
    }
  };

  const openItem = (n: NotificationJson) => {
    if (!n.read) {
      setItems(items()?.map((x) => (x.id === n.id ? { ...x, read: true } : x)) ?? null);
      setUnread(Math.max(0, unread() - 1));
      api<{ unread: number }>("POST", "/api/v1/notifications/read", { ids: [n.id] }).then(
        (r) => setUnread(r.unread),
        () => void load(),
      );
    }
    if (n.document) {
      setOpen(false);
      navigate(`/d/${n.document.id}${n.threadId ? `#comment-${n.threadId}` : ""}`);
    }
  };

  const badge = () => (unread() > 99 ? "99+" : formatNumber(unread()));

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the bell and its list closes the list
    <div
      ref={wrap}
      class="nb-wrap"
      onKeyDown={(e) => {
        if (e.key === "Escape" && open()) {
          e.preventDefault();
          e.stopPropagation();
          close(true);
        }
      }}
      onFocusOut={(e) => {
        const to = e.relatedTarget as Node | null;
        if (to && !wrap.contains(to)) close(false);
      }}
    >
      <button
        ref={bell}
        type="button"
        class="secondary nb-bell"
        aria-haspopup="dialog"
        aria-expanded={open()}
        aria-controls={open() ? "notifications-panel" : undefined}
        aria-label={unread() > 0 ? t("Notifications ({n} unread)", { n: formatNumber(unread()) }) : t("Notifications")}
        data-testid="notifications-bell"
        onClick={() => (open() ? close(false) : show())}
      >
        <svg class="nb-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Z"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linejoin="round"
          />
          <path
            d="M9.5 19.5a2.5 2.5 0 0 0 5 0"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
          />
        </svg>
        <Show when={unread() > 0}>
          <span class="nb-badge" data-testid="unread-count" aria-hidden="true">
            {badge()}
          </span>
        </Show>
      </button>
      <Show when={open()}>
        <div
          ref={panel}
          id="notifications-panel"
          class="nb-panel"
          role="dialog"
          aria-label={t("Notifications")}
          tabindex="-1"
          data-testid="notifications-panel"
        >
          <div class="nb-head">
            <h2>{t("Notifications")}</h2>
            <button type="button" class="link-button" disabled={unread() === 0} onClick={() => void markAll()}>
              {t("Mark all as read")}
            </button>
          </div>
          <Switch>
            <Match when={loadError() && !items()}>
              <LoadFailed what={t("your notifications")} error={loadError()} onRetry={() => void load()} />
            </Match>
            <Match when={!items()}>
              <p class="muted nb-state" aria-busy="true">
                <span class="spinner" aria-hidden="true" /> {t("Loading…")}
              </p>
            </Match>
            <Match when={items()!.length === 0}>
              <p class="muted nb-state">{t("Nothing new.")}</p>
            </Match>
            <Match when={items()}>
              {(list) => (
                <ul class="nb-list">
                  <For each={list()}>
                    {(n) => {
                      const text = () => describeNotification(n);
                      return (
                        <li>
                          <button
                            type="button"
                            class="nb-item"
                            classList={{ "nb-unread": !n.read }}
                            data-unread={n.read ? "no" : "yes"}
                            data-kind={n.kind}
                            data-testid="notification"
                            onClick={() => openItem(n)}
                          >
                            <Show when={!n.read}>
                              <span class="nb-dot" aria-hidden="true" />
                              <span class="visually-hidden">{t("Unread:")} </span>
                            </Show>
                            <span class="nb-sentence">{text().sentence}</span>
                            <Show when={text().excerpt}>{(x) => <span class="nb-excerpt">{x()}</span>}</Show>
                            <time class="nb-time" datetime={n.createdAt}>
                              {formatDateTime(n.createdAt)}
                            </time>
                          </button>
                        </li>
                      );
                    }}
                  </For>
                </ul>
              )}
            </Match>
          </Switch>
        </div>
      </Show>
    </div>
  );
}
