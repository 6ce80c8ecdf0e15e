// A button that opens a menu of actions, operable by mouse and keyboard (WAI-ARIA menu button).
import { createSignal, createUniqueId, For, onCleanup, Show, type JSX } from "solid-js";

export interface MenuItem {
  label: string;
  hint?: string;
  danger?: boolean;
  testId?: string;
  run: () => void;
}

export function MenuButton(props: {
  label: JSX.Element;
  /** The accessible name, when the visible label alone would be ambiguous (e.g. "Actions for …"). */
  ariaLabel?: string;
  items: MenuItem[];
  buttonClass?: string;
  align?: "start" | "end";
  testId?: string;
}) {
  const id = createUniqueId();
  const [open, setOpen] = createSignal(false);
  let button!: HTMLButtonElement;
  let menu: HTMLDivElement | undefined;

  const items = () => (menu ? [...menu.querySelectorAll<HTMLElement>('[role="menuitem"]')] : []);
  const focusAt = (i: number) => {
    const all = items();
    if (all.length === 0) return;
    all[(i + all.length) % all.length]!.focus();
  };
  const show = (at: "first" | "last") => {
    setOpen(true);
    queueMicrotask(() => focusAt(at === "first" ? 0 : -1));
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.focus();
  };

  const onDocPointer = (e: PointerEvent) => {
    if (!open()) return;
    const t = e.target as Node;
    if (!button.contains(t) && !menu?.contains(t)) close(false);
  };
  document.addEventListener("pointerdown", onDocPointer);
  onCleanup(() => document.removeEventListener("pointerdown", onDocPointer));

  const onMenuKey = (e: KeyboardEvent) => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLElement);
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        focusAt(i + 1);
        break;
      case "ArrowUp":
        e.preventDefault();
        focusAt(i - 1);
        break;
      case "Home":
        e.preventDefault();
        focusAt(0);
        break;
      case "End":
        e.preventDefault();
        focusAt(-1);
        break;
      case "Escape":
        e.preventDefault();
        e.stopPropagation();
        close(true);
        break;
      case "Tab":
        close(false);
        break;
      default:
        // Type-ahead: a letter moves to the next item starting with it.
        if (e.key.length === 1 && /\S/.test(e.key)) {
          const k = e.key.toLowerCase();
          const order = [...all.slice(i + 1), ...all.slice(0, i + 1)];
          order.find((el) => el.textContent?.trim().toLowerCase().startsWith(k))?.focus();
        }
    }
  };

  return (
    <div class="mb-wrap">
      <button
        ref={button}
        type="button"
        class={props.buttonClass ?? "secondary"}
        aria-haspopup="menu"
        aria-expanded={open()}
        aria-controls={open() ? id : undefined}
        aria-label={props.ariaLabel}
        data-testid={props.testId}
        onClick={() => (open() ? close(false) : show("first"))}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            show("first");
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            show("last");
          }
        }}
      >
        {props.label}
      </button>
      <Show when={open()}>
        <div
          ref={menu}
          id={id}
          role="menu"
          class="mb-popup"
          classList={{ "mb-end": props.align !== "start" }}
          onKeyDown={onMenuKey}
        >
          <For each={props.items}>
            {(item) => (
              <button
                type="button"
                role="menuitem"
                tabindex="-1"
                class="mb-item"
                classList={{ "mb-danger": !!item.danger }}
                data-testid={item.testId}
                onClick={() => {
                  close(true);
                  item.run();
                }}
              >
                <span>{item.label}</span>
                <Show when={item.hint}>
                  <span class="mb-hint">{item.hint}</span>
                </Show>
              </button>
            )}
          </For>
        </div>
      </Show>
    </div>
  );
}
