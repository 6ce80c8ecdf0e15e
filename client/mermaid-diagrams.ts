// Mermaid diagrams of display-only `mermaid` blocks in a rendered notebook (the preview, the
// public page, the embed). Each listing gets its diagram drawn above it and moves into a "Source"
// disclosure below it, still in the page to read and copy; a diagram that does not parse shows its
// error above the listing instead. Mermaid is imported the first time a page has a diagram (it is
// chunks of its own), runs with securityLevel "strict" (labels are text, `click` runs nothing),
// and draws in the page's light or dark theme, again whenever that changes. Drawings are kept by
// theme and source, so a listing that comes back unchanged is not drawn again.
import { t } from "./i18n.ts";

type Mermaid = typeof import("mermaid")["default"];
type Theme = "default" | "dark";
type Drawn = { svg: string } | { error: string };

/**
 * Labels are SVG text, never HTML (a label's markup shows as its characters), and a diagram's own
 * configuration (`%%{init}%%`, front matter) cannot turn HTML labels back on: Mermaid's secure keys
 * (which a diagram cannot set) with `htmlLabels` added.
 */
const SECURE_KEYS = [
  "secure",
  "securityLevel",
  "startOnLoad",
  "maxTextSize",
  "suppressErrorRendering",
  "maxEdges",
  "htmlLabels",
];

/** The listings drawn as diagrams: display-only blocks whose info string is `mermaid`. */
const LISTING = "pre.pymd-source > code.language-mermaid";

/** Whether rendered notebook HTML holds a mermaid listing (a text test, before any DOM work). */
export const hasDiagram = (html: string): boolean => html.includes("language-mermaid");

/** The page's theme as the stylesheets choose it: the setting on <html data-theme>, or the system's. */
export function diagramTheme(): Theme {
  const setting = document.documentElement.dataset.theme;
  const dark = setting === "dark" || (setting !== "light" && matchMedia("(prefers-color-scheme: dark)").matches);
  return dark ? "dark" : "default";
}

let mermaidModule: Promise<Mermaid> | undefined;
function loadMermaid(): Promise<Mermaid> {
  mermaidModule ??= import("mermaid").then(
    (m) => m.default,
    (e: unknown) => {
      // a failed load (a dropped connection) is tried again by the next diagram
      mermaidModule = undefined;
      throw e;
    },
  );
  return mermaidModule;
}

const KEPT = 64;
/** Finished drawings by theme and source, the most recently used last. */
const drawings = new Map<string, Drawn>();
const inFlight = new Map<string, Promise<Drawn>>();
/** Mermaid keeps one configuration and one render at a time: drawings wait here in turn. */
let queue: Promise<unknown> = Promise.resolve();
let configured: Theme | null = null;
let ids = 0;

function keep(key: string, d: Drawn): void {
  drawings.delete(key);
  drawings.set(key, d);
  while (drawings.size > KEPT) drawings.delete(drawings.keys().next().value!);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim();

function draw(source: string, theme: Theme): Promise<Drawn> {
  const key = `${theme}\n${source}`;
  const done = drawings.get(key);
  if (done) {
    keep(key, done);
    return Promise.resolve(done);
  }
  const pending = inFlight.get(key);
  if (pending) return pending;
  const job = queue.then(async (): Promise<Drawn> => {
    let mermaid: Mermaid;
    try {
      mermaid = await loadMermaid();
    } catch (e) {
      return { error: t("Mermaid could not be loaded: {error}", { error: message(e) }) };
    }
    const id = `pymd-diagram-${++ids}`;
    try {
      if (configured !== theme) {
        mermaid.initialize({
          startOnLoad: false,
          securityLevel: "strict",
          htmlLabels: false,
          flowchart: { htmlLabels: false },
          secure: SECURE_KEYS,
          theme,
          suppressErrorRendering: true,
        });
        configured = theme;
      }
      const { svg } = await mermaid.render(id, source);
      const d = { svg };
      keep(key, d);
      return d;
    } catch (e) {
      const d = { error: message(e) };
      keep(key, d);
      return d;
    } finally {
      // what mermaid left in the page while drawing (its scratch element), if anything
      document.getElementById(`d${id}`)?.remove();
    }
  });
  queue = job.catch(() => undefined);
  inFlight.set(key, job);
  void job.finally(() => inFlight.delete(key));
  return job;
}

/** One listing on the page and what is drawn for it. */
interface Listing {
  cell: HTMLElement;
  pre: HTMLPreElement;
  source: string;
  diagram?: HTMLElement;
  disclosure?: HTMLDetailsElement;
  error?: HTMLElement;
  /** The theme it was last drawn in. */
  theme?: Theme;
  /** The last drawing per block number of the notebook this listing is in (the preview's only). */
  lastOfBlock?: Map<string, string>;
}

const listings = new Set<Listing>();
const byPre = new WeakMap<HTMLPreElement, Listing>();
/** Per notebook: the last drawing shown per block number, shown dimmed while that block's new source is drawn. */
const lastDrawings = new WeakMap<object, Map<string, string>>();

function show(l: Listing, d: Drawn, theme: Theme): void {
  l.theme = theme;
  if ("svg" in d) {
    l.error?.remove();
    l.error = undefined;
    if (!l.diagram) {
      l.diagram = document.createElement("div");
      l.diagram.className = "pymd-diagram";
      l.diagram.dataset.testid = "diagram";
    }
    if (!l.disclosure) {
      l.disclosure = document.createElement("details");
      l.disclosure.className = "pymd-diagram-source";
      const summary = document.createElement("summary");
      summary.textContent = t("Source");
      l.disclosure.append(summary);
    }
    l.diagram.classList.remove("pymd-diagram-stale");
    l.diagram.innerHTML = d.svg;
    if (l.pre.parentElement !== l.disclosure) {
      l.pre.before(l.diagram, l.disclosure);
      l.disclosure.append(l.pre);
    }
    const block = l.cell.dataset.block;
    if (block !== undefined) l.lastOfBlock?.set(block, d.svg);
  } else {
    // the listing back in view, with the error above it
    if (l.disclosure && l.pre.parentElement === l.disclosure) l.disclosure.before(l.pre);
    l.disclosure?.remove();
    l.diagram?.remove();
    l.diagram = l.disclosure = undefined;
    if (!l.error) {
      l.error = document.createElement("div");
      l.error.className = "pymd-diagram-error";
      l.error.dataset.testid = "diagram-error";
      const title = document.createElement("strong");
      title.textContent = t("This diagram could not be drawn:");
      const text = document.createElement("pre");
      text.className = "pymd-error";
      l.error.append(title, text);
    }
    l.error.querySelector("pre")!.textContent = d.error;
    l.pre.before(l.error);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drawListing(l: Listing, waitMs: number): Promise<void> {
  const theme = diagramTheme();
  if (waitMs > 0 && !drawings.has(`${theme}\n${l.source}`)) {
    // typing: only the listing still on the page once the typing pauses is drawn
    await sleep(waitMs);
    if (!l.pre.isConnected) return void listings.delete(l);
  }
  const d = await draw(l.source, theme);
  if (!l.cell.isConnected) return void listings.delete(l);
  // a theme change while drawing: the redraw it started shows instead
  if (theme === diagramTheme()) show(l, d, theme);
}

let watching = false;
function watchTheme(): void {
  if (watching) return;
  watching = true;
  const redraw = () => {
    const theme = diagramTheme();
    for (const l of [...listings]) {
      if (!l.cell.isConnected) listings.delete(l);
      else if (l.theme !== undefined && l.theme !== theme) void drawListing(l, 0);
    }
  };
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
  new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
}

/**
 * Draws the mermaid listings under `root` that are new or changed since the last call; the others
 * keep what they show. `waitMs` waits that long before drawing a source not drawn before (the
 * preview, which changes on every keystroke: a listing replaced meanwhile is never drawn); while
 * it waits, the last drawing of the same block of `notebook` shows dimmed.
 */
export function drawDiagrams(root: ParentNode, opts: { waitMs?: number; notebook?: object } = {}): void {
  const codes = root.querySelectorAll<HTMLElement>(LISTING);
  if (codes.length === 0) return;
  watchTheme();
  for (const l of [...listings]) if (!l.cell.isConnected) listings.delete(l);
  const wait = opts.waitMs ?? 0;
  let lastOfBlock = opts.notebook && lastDrawings.get(opts.notebook);
  if (opts.notebook && !lastOfBlock) lastDrawings.set(opts.notebook, (lastOfBlock = new Map()));
  for (const code of codes) {
    const pre = code.parentElement as HTMLPreElement;
    const source = code.textContent ?? "";
    const known = byPre.get(pre);
    if (known && known.source === source) continue;
    if (known) listings.delete(known);
    const cell = (pre.closest(".pymd-cell") as HTMLElement | null) ?? (pre.parentElement as HTMLElement);
    const l: Listing = known ? { ...known, source } : { cell, pre, source, lastOfBlock };
    byPre.set(pre, l);
    listings.add(l);
    const last = cell.dataset.block === undefined ? undefined : lastOfBlock?.get(cell.dataset.block);
    if (wait > 0 && last && !l.diagram && !drawings.has(`${diagramTheme()}\n${source}`)) {
      show(l, { svg: last }, diagramTheme());
      l.diagram!.classList.add("pymd-diagram-stale");
    }
    void drawListing(l, wait);
  }
}
