// What the editor page needs of the terminal before one is opened: whether it may be, its styles,
// and the panel itself, loaded (with xterm.js, a third of the page's script) on first use.
import { lazy } from "solid-js";
import type { TerminalAccessJson } from "../protocol/api-types.ts";
import "@xterm/xterm/css/xterm.css";
import "./terminal-panel.css";

/** Whether this user may open a terminal on the document (false when the server has terminals off: the route is not there). */
export async function terminalAllowed(docId: string): Promise<boolean> {
  try {
    const res = await fetch(`/api/v1/documents/${docId}/terminal`, { credentials: "same-origin" });
    if (!res.ok) return false;
    return ((await res.json()) as TerminalAccessJson).allowed === true;
  } catch {
    return false;
  }
}

/** The terminal panel, its script fetched when it is first shown. */
export const TerminalPanel = lazy(() => import("./terminal-panel.tsx").then((m) => ({ default: m.TerminalPanel })));
