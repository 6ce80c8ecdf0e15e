// The editor's terminal: an xterm.js view of a shell running in the document's sandbox, over the
// terminal socket (protocol/terminal-frames.ts). It follows the panel's size, copies and pastes,
// and after a dropped connection reattaches to the same shell while the server still keeps it.
// The page loads this module (and xterm.js with it) only when a terminal is opened: see
// terminal-access.ts.
import { createEffect, createSignal, onCleanup, onMount, Show } from "solid-js";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { TERMINAL_CLOSE, TERMINAL_MAX_FRAME_BYTES, type TerminalServerMessage } from "../protocol/terminal-frames.ts";
import { t } from "./i18n.ts";

type State = "connecting" | "live" | "reconnecting" | "ended";

const DARK = { background: "#1e1f22", foreground: "#e6e6e6", cursor: "#e6e6e6", selectionBackground: "#44475a" };
const LIGHT = { background: "#fbfbfb", foreground: "#1f2328", cursor: "#1f2328", selectionBackground: "#c8d6f0" };

export function TerminalPanel(props: { docId: string; visible: boolean; onEnded: () => void; onHide: () => void }) {
  let host!: HTMLDivElement;
  const [state, setState] = createSignal<State>("connecting");
  // the notice under the head, made when shown so that it follows a change of language
  const [message, setMessage] = createSignal<(() => string) | null>(null);
  const storeKey = `pymd:terminal:${props.docId}`;
  let termId: string | null = sessionStorage.getItem(storeKey);
  let ws: WebSocket | null = null;
  let disposed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let graceMs = 60_000;
  let droppedAt: number | null = null;
  const enc = new TextEncoder();

  const dark = () => {
    const theme = document.documentElement.dataset.theme;
    return theme === "dark" || ((theme === "system" || !theme) && matchMedia("(prefers-color-scheme: dark)").matches);
  };
  const term = new Terminal({
    cursorBlink: true,
    scrollback: 5000,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    fontSize: 13,
    theme: dark() ? DARK : LIGHT,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);

  const send = (data: string | Uint8Array) => {
    if (ws?.readyState !== WebSocket.OPEN) return;
    if (typeof data === "string") {
      ws.send(data);
      return;
    }
    for (let i = 0; i < data.length; i += TERMINAL_MAX_FRAME_BYTES)
      ws.send(data.subarray(i, i + TERMINAL_MAX_FRAME_BYTES));
  };

  const end = (why: () => string) => {
    setState("ended");
    setMessage(() => why);
    termId = null;
    sessionStorage.removeItem(storeKey);
  };

  const connect = () => {
    if (disposed) return;
    const q = new URLSearchParams({
      doc: props.docId,
      rows: String(Math.max(2, term.rows)),
      cols: String(Math.max(2, term.cols)),
    });
    if (termId) q.set("term", termId);
    const socket = new WebSocket(
      `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/terminal?${q}`,
    );
    socket.binaryType = "arraybuffer";
    ws = socket;
    let refused: string | null = null;
    socket.onmessage = (e) => {
      if (typeof e.data !== "string") {
        term.write(new Uint8Array(e.data as ArrayBuffer));
        return;
      }
      const m = JSON.parse(e.data) as TerminalServerMessage;
      if (m.t === "ready") {
        if (m.resumed) term.reset();
        termId = m.term;
        graceMs = m.graceSeconds * 1000;
        sessionStorage.setItem(storeKey, m.term);
        attempts = 0;
        droppedAt = null;
        setState("live");
        setMessage(null);
      } else if (m.t === "exit") {
        const reason = m.reason;
        const ended =
          reason ??
          (m.code !== null && m.code !== 0
            ? t("the shell ended with status {code}", { code: m.code })
            : t("the shell ended"));
        term.write(`\r\n\x1b[2m[${ended}]\x1b[0m\r\n`);
        end(reason !== null ? () => reason : () => t("The shell ended."));
      } else if (m.t === "error") refused = m.message;
    };
    socket.onclose = (e) => {
      if (ws !== socket || disposed) return;
      ws = null;
      if (e.code === TERMINAL_CLOSE.ended) return;
      if (e.code === TERMINAL_CLOSE.notFound && termId) {
        // the shell ended while we were away: start a fresh one
        term.write(`\r\n\x1b[2m[${t("the earlier shell has ended; a new one starts")}]\x1b[0m\r\n`);
        termId = null;
        sessionStorage.removeItem(storeKey);
        connect();
        return;
      }
      if (
        [
          TERMINAL_CLOSE.unauthenticated,
          TERMINAL_CLOSE.forbidden,
          TERMINAL_CLOSE.notFound,
          TERMINAL_CLOSE.rateLimited,
          TERMINAL_CLOSE.badFrame,
          TERMINAL_CLOSE.unavailable,
          4409,
        ].includes(e.code as never)
      ) {
        const why = refused;
        end(why !== null ? () => why : () => t("The terminal was closed."));
        return;
      }
      // a dropped connection: the server keeps the shell for its grace period
      droppedAt ??= Date.now();
      if (Date.now() - droppedAt > graceMs) {
        end(() => t("The connection stayed down too long; the shell was closed."));
        return;
      }
      setState("reconnecting");
      retry = setTimeout(connect, Math.min(5000, 500 * 2 ** attempts++));
    };
  };

  const refit = () => {
    if (!props.visible || !host.offsetParent) return;
    const before = `${term.rows}x${term.cols}`;
    try {
      fit.fit();
    } catch {
      return;
    }
    if (`${term.rows}x${term.cols}` !== before) send(JSON.stringify({ t: "resize", rows: term.rows, cols: term.cols }));
  };

  onMount(() => {
    term.open(host);
    term.attachCustomKeyEventHandler((e) => {
      // Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes (Ctrl+C stays the interrupt)
      if (e.type === "keydown" && e.ctrlKey && e.shiftKey && e.code === "KeyC") {
        if (term.hasSelection()) void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      if (e.type === "keydown" && e.ctrlKey && e.shiftKey && e.code === "KeyV") return false;
      return true;
    });
    term.onData((d) => send(enc.encode(d)));
    term.onBinary((d) => send(Uint8Array.from(d, (c) => c.charCodeAt(0))));
    refit();
    const ro = new ResizeObserver(() => refit());
    ro.observe(host);
    onCleanup(() => ro.disconnect());
    connect();
    term.focus();
  });

  // a panel shown again takes the size it has now
  createEffect(() => {
    if (props.visible)
      requestAnimationFrame(() => {
        refit();
        term.focus();
      });
  });

  onCleanup(() => {
    disposed = true;
    clearTimeout(retry);
    ws?.close();
    term.dispose();
  });

  return (
    <section
      class="terminal-panel"
      classList={{ hidden: !props.visible }}
      aria-label={t("Terminal")}
      data-testid="terminal-panel"
      data-state={state()}
    >
      <header class="terminal-head">
        <strong>{t("Terminal")}</strong>
        <span class="muted small">
          {t("sandboxed shell in this document's files · Ctrl+Shift+C / Ctrl+Shift+V copy and paste")}
        </span>
        <span
          class={`conn conn-${state() === "live" ? "online" : state() === "ended" ? "offline" : "connecting"}`}
          data-testid="terminal-state"
        >
          {state() === "live"
            ? t("● live")
            : state() === "connecting"
              ? t("○ starting")
              : state() === "reconnecting"
                ? t("○ reconnecting")
                : t("○ ended")}
        </span>
        <span class="spacer" />
        <Show
          when={state() !== "ended"}
          fallback={
            <button type="button" class="secondary" onClick={() => props.onEnded()} data-testid="terminal-close">
              {t("Close")}
            </button>
          }
        >
          <button
            type="button"
            class="secondary"
            onClick={() => send(JSON.stringify({ t: "signal", signal: "HUP" }))}
            title={t("End the shell")}
            data-testid="terminal-end"
          >
            {t("End shell")}
          </button>
        </Show>
        <button type="button" class="link-button" onClick={() => props.onHide()} aria-label={t("Hide terminal")}>
          ✕
        </button>
      </header>
      <Show when={message()}>
        <p class="notice small" role="status" data-testid="terminal-message">
          {message()?.()}
        </p>
      </Show>
      {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: xterm's own textarea inside takes the keyboard; a click anywhere on the screen focuses it */}
      <div class="terminal-host" ref={host} data-testid="terminal-host" onClick={() => term.focus()} />
    </section>
  );
}
