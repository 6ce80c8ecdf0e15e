// Which runtime runs a document's blocks in the editor: the server's kernel (the default) or
// Python in this browser. The choice is kept per document in this browser, so a notebook can be
// worked on where the server does not run code, or away from it once Python has loaded. Browser
// runs show their outputs in this page only: nothing is sent to the server or stored.
import { createEffect, createResource, createSignal, on, type Accessor } from "solid-js";
import { BrowserKernel, type BrowserKernelState, browserPythonInfo, runBlocksOf } from "./browser-kernel.ts";
import { t } from "./i18n.ts";
import type { LiveCell } from "./preview-pane.tsx";

export type Runtime = "server" | "browser";

const KEY = (doc: string) => `pymd:runtime:${doc}`;

/** The runtime chosen for a document in this browser; the server unless the browser was chosen. */
export function storedRuntime(doc: string): Runtime {
  try {
    return localStorage.getItem(KEY(doc)) === "browser" ? "browser" : "server";
  } catch {
    return "server";
  }
}

function storeRuntime(doc: string, r: Runtime): void {
  try {
    if (r === "browser") localStorage.setItem(KEY(doc), r);
    else localStorage.removeItem(KEY(doc));
  } catch {
    // storage refused (a private window): the choice lasts as long as the page
  }
}

/** The browser kernel's state in a few words, for the editor's kernel bar. */
export function browserKernelLabel(s: BrowserKernelState | "off", detail: string): string {
  switch (s) {
    case "off":
      return t("Python in this browser: not started");
    case "loading":
      return detail || t("Loading Python…");
    case "idle":
      return t("Python in this browser: idle");
    case "running":
      return t("Python in this browser: busy");
    case "failed":
      return t("Python in this browser failed: {reason}", { reason: detail });
  }
}

export interface BrowserRuntime {
  /** Whether this server serves Python for the browser. */
  available: Accessor<boolean>;
  runtime: Accessor<Runtime>;
  setRuntime(r: Runtime): void;
  /** The blocks run in this browser since the page opened, by block index. */
  cells: Accessor<Record<number, LiveCell>>;
  state: Accessor<BrowserKernelState | "off">;
  /** What the kernel is doing or why it failed; the Python version once it is ready. */
  detail: Accessor<string>;
  /** The execution counter ([n]); a restart starts it again. */
  counter: Accessor<number>;
  running: Accessor<boolean>;
  /** Runs every block of `source` in a fresh Python, or only block `block` in the current one. */
  run(source: string, block?: number): void;
  interrupt(): void;
  restart(): void;
  dispose(): void;
}

export function browserRuntime(doc: Accessor<string>): BrowserRuntime {
  const [info] = createResource(browserPythonInfo);
  const [runtime, setRuntimeSignal] = createSignal<Runtime>(storedRuntime(doc()));
  const [cells, setCells] = createSignal<Record<number, LiveCell>>({});
  const [state, setState] = createSignal<BrowserKernelState | "off">("off");
  const [detail, setDetail] = createSignal("");
  const [counter, setCounter] = createSignal(0);
  const [active, setActive] = createSignal(0);
  let kernel: BrowserKernel | null = null;
  // another document opened in the same page: its own choice, a fresh Python, none of these outputs
  createEffect(
    on(
      doc,
      (d) => {
        kernel?.dispose();
        kernel = null;
        setRuntimeSignal(storedRuntime(d));
        setCells({});
        setState("off");
        setCounter(0);
        setActive(0);
      },
      { defer: true },
    ),
  );

  const update = (block: number, change: Partial<LiveCell>) =>
    setCells((c) => {
      const was = c[block];
      if (!was) return c;
      return { ...c, [block]: { ...was, ...change } };
    });

  const ensure = (): BrowserKernel | null => {
    const i = info();
    if (!i?.available) return null;
    kernel ??= new BrowserKernel(i, {
      state: (s, d) => {
        setState(s);
        setDetail(d);
        // a restart (asked for, or after an interrupt) clears the variables and the counter
        if (s === "loading") setCounter(0);
      },
      block: (index, html, status, durationMs) => {
        const was = cells()[index];
        if (status === "running" && was?.status === "queued") {
          const n = counter() + 1;
          setCounter(n);
          update(index, { status: "running", count: n, startedAt: Date.now(), html });
          return;
        }
        if (status === "not-run") {
          if (was && (was.status === "queued" || was.status === "running"))
            setCells((c) => {
              const next = { ...c };
              delete next[index];
              return next;
            });
          return;
        }
        update(index, { status, html, durationMs, startedAt: status === "running" ? (was?.startedAt ?? null) : null });
      },
      done: () => setActive((n) => Math.max(0, n - 1)),
    });
    return kernel;
  };

  const queue = (source: string, block?: number) => {
    const all = runBlocksOf(source);
    const blocks = block === undefined ? all : all.filter((b) => b.id === block);
    if (!blocks.length) return;
    const k = ensure();
    if (!k) return;
    setCells((c) => {
      const next = { ...c };
      for (const b of blocks)
        next[b.id] = {
          block: b.id,
          status: "queued",
          durationMs: null,
          count: null,
          html: c[b.id]?.html ?? "",
          startedAt: null,
          runId: "",
        };
      return next;
    });
    setActive((n) => n + 1);
    k.run(blocks);
  };

  return {
    available: () => info()?.available === true,
    runtime,
    setRuntime(r) {
      storeRuntime(doc(), r);
      setRuntimeSignal(r);
    },
    cells,
    state,
    detail,
    counter,
    running: () => active() > 0,
    run(source, block) {
      if (block === undefined) {
        // as on the server: run all starts from a fresh Python
        kernel?.restart();
        setCells({});
      }
      queue(source, block);
    },
    interrupt: () => kernel?.interrupt(),
    restart() {
      kernel?.restart();
    },
    dispose() {
      kernel?.dispose();
      kernel = null;
    },
  };
}
