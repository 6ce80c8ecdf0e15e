// The sandbox frame of the browser runtime (/python-sandbox.html, framed with sandbox="allow-scripts"
// and so of an opaque origin): it starts the Python worker from a blob, passes the page's requests
// to it and its messages back. Interrupt and restart end the worker and start a fresh one, so a
// block that never returns cannot hold the reader's tab.
import type { FromPython, ToPython } from "./python-frames.ts";

const origin = location.origin;
let source: Promise<string> | null = null;
let worker: Worker | null = null;
let init: Extract<ToPython, { t: "init" }> | null = null;

const toPage = (m: FromPython) => parent.postMessage(m, "*");

async function startWorker(): Promise<void> {
  source ??= fetch(`${origin}/python-worker.js`).then((r) => {
    if (!r.ok) throw new Error(`the Python worker is not served (${r.status})`);
    return r.text();
  });
  const url = URL.createObjectURL(new Blob([await source], { type: "text/javascript" }));
  // a classic worker: Chromium does not start a module worker from a blob of an opaque origin
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.onmessage = (e: MessageEvent<FromPython>) => {
    if (w === worker) toPage(e.data);
  };
  w.onerror = (e) => {
    if (w === worker) toPage({ t: "fatal", message: `Python stopped: ${e.message || "the worker failed"}` });
  };
  worker = w;
  if (init) w.postMessage(init);
}

function fresh(): void {
  worker?.terminate();
  worker = null;
  toPage({ t: "status", state: "restarted" });
  void startWorker().catch((e) => toPage({ t: "fatal", message: String(e?.message ?? e) }));
}

addEventListener("message", (e: MessageEvent<ToPython>) => {
  // only the page that holds this frame gives it work
  if (e.source !== parent) return;
  const m = e.data;
  if (typeof m !== "object" || m === null) return;
  if (m.t === "init") {
    init = { t: "init", origin, packages: m.packages === true, modules: Array.isArray(m.modules) ? m.modules : [] };
    void startWorker().catch((err) => toPage({ t: "fatal", message: String(err?.message ?? err) }));
  } else if (m.t === "run") worker?.postMessage(m);
  else if (m.t === "interrupt" || m.t === "restart") fresh();
});
