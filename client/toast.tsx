// Short-lived notices at the bottom of the screen, optionally with one action such as Undo.
// Any page may call showToast; the single <Toasts/> host in the app shell renders them.
import { createSignal, For, onCleanup, Show } from "solid-js";
import { t } from "./i18n.ts";

export interface ToastAction {
  label: string;
  run: () => void | Promise<void>;
}

export interface ToastOptions {
  message: string;
  action?: ToastAction;
  /** How long the toast stays, in milliseconds; an action gets longer by default so it can be reached. */
  timeoutMs?: number;
  tone?: "info" | "error";
}

interface Toast extends ToastOptions {
  id: number;
}

const [toasts, setToasts] = createSignal<Toast[]>([]);
const timers = new Map<number, ReturnType<typeof setTimeout>>();
let nextId = 1;

// More than a handful of stacked notices hides the page on a phone; the oldest give way.
const MAX_VISIBLE = 4;

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  setToasts((all) => all.filter((t) => t.id !== id));
}

function schedule(id: number, ms: number): void {
  clearTimeout(timers.get(id));
  timers.set(
    id,
    setTimeout(() => dismissToast(id), ms),
  );
}

export function showToast(options: ToastOptions): number {
  const id = nextId++;
  const toast: Toast = { ...options, id };
  setToasts((all) => {
    const next = [...all, toast];
    for (const old of next.slice(0, Math.max(0, next.length - MAX_VISIBLE))) {
      clearTimeout(timers.get(old.id));
      timers.delete(old.id);
    }
    return next.slice(-MAX_VISIBLE);
  });
  schedule(id, options.timeoutMs ?? (options.action ? 10_000 : 5_000));
  return id;
}

export function Toasts() {
  onCleanup(() => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  });
  return (
    <section class="toasts" aria-label={t("Notifications")}>
      <div role="status" aria-live="polite" class="toasts-inner">
        <For each={toasts()}>
          {(toast) => (
            // biome-ignore lint/a11y/noStaticElementInteractions: hovering keeps a toast; focusing its button does the same for the keyboard
            <div
              class="toast"
              classList={{ "toast-error": toast.tone === "error" }}
              data-testid="toast"
              // Hovering or focusing a toast keeps it, so an Undo is never pulled away mid-reach.
              onMouseEnter={() => clearTimeout(timers.get(toast.id))}
              onMouseLeave={() => schedule(toast.id, 4_000)}
              onFocusIn={() => clearTimeout(timers.get(toast.id))}
              onFocusOut={() => schedule(toast.id, 4_000)}
            >
              <span class="toast-message">{toast.message}</span>
              <Show when={toast.action}>
                {(a) => (
                  <button
                    type="button"
                    class="toast-action"
                    onClick={async () => {
                      dismissToast(toast.id);
                      try {
                        await a().run();
                      } catch (e) {
                        showToast({ message: e instanceof Error ? e.message : String(e), tone: "error" });
                      }
                    }}
                  >
                    {a().label}
                  </button>
                )}
              </Show>
              <button
                type="button"
                class="toast-close"
                aria-label={t("Dismiss notification")}
                onClick={() => dismissToast(toast.id)}
              >
                ×
              </button>
            </div>
          )}
        </For>
      </div>
    </section>
  );
}
