// The rendered notebook beside the editor: server-rendered, sanitized blocks, each code cell with
// its execution counter, its run state (queued, running with elapsed time, done with duration,
// error), whether its outputs are stale, and its live outputs.
import {
  For,
  Index,
  Show,
  createEffect,
  createMemo,
  createRenderEffect,
  createSignal,
  onCleanup,
  type Accessor,
  type JSX,
} from "solid-js";
import { NOWHERE, movedBlockHtml } from "../protocol/preview-edits.ts";
import type { CellStateJson, PreviewBlockJson, StaleReason } from "../protocol/ws-messages.ts";
import { cellLabel, staleText } from "./cell-label.ts";
import { formatNumber, t } from "./i18n.ts";
import { inBackground } from "./idle-task.ts";
import { drawDiagrams, hasDiagram } from "./mermaid-diagrams.ts";

export interface LiveCell extends CellStateJson {
  runId: string;
}

/** A block's stale mark, unless a run has it queued or running now (it is being brought up to date). */
export function staleOf(block: PreviewBlockJson, cell: LiveCell | undefined): StaleReason | null {
  return cell ? null : block.stale;
}

/** One clock for every running cell's elapsed time; it ticks only while some cell is running (a long notebook has hundreds of cells). */
const [now, setNow] = createSignal(Date.now());
let running = 0;
let clock: ReturnType<typeof setInterval> | undefined;
function tickWhile(active: () => boolean): void {
  createEffect(() => {
    if (!active()) return;
    if (running++ === 0) {
      setNow(Date.now());
      clock = setInterval(() => setNow(Date.now()), 100);
    }
    onCleanup(() => {
      if (--running === 0) clearInterval(clock);
    });
  });
}

function CellBar(props: {
  cell: LiveCell | undefined;
  block: PreviewBlockJson;
  canRun: boolean;
  onRun: () => void;
  onComment?: () => void;
}) {
  const status = () => props.cell?.status ?? props.block.status;
  tickWhile(() => status() === "running");
  const count = () => (props.cell ? props.cell.count : props.block.count);
  const stale = () => staleOf(props.block, props.cell);
  const label = () =>
    status() === "running"
      ? cellLabel(status(), null, props.cell?.startedAt ?? null, now())
      : cellLabel(status(), props.cell?.durationMs ?? props.block.durationMs);
  return (
    <div class="cell-bar" data-status={status()}>
      <span class="cell-count" data-testid="cell-count">
        [{count() ?? " "}]
      </span>
      <span class="cell-status" role="status" data-testid="cell-status">
        {label()}
      </span>
      <Show when={stale()}>
        <span class="cell-stale" data-testid="cell-stale" data-stale={stale()!} title={staleText(stale()!)}>
          {staleText(stale()!)}
        </span>
      </Show>
      <Show when={props.canRun}>
        <button
          type="button"
          class="link-button"
          onClick={() => props.onRun()}
          aria-label={t("Run block at line {line}", { line: props.block.startLine })}
        >
          {t("Run")}
        </button>
      </Show>
      <Show when={props.onComment}>
        <button
          type="button"
          class="link-button"
          onClick={() => props.onComment!()}
          aria-label={t("Comment on the block at line {line} and its output", { line: props.block.startLine })}
        >
          {t("Comment")}
        </button>
      </Show>
    </div>
  );
}

/**
 * A translated text with elements in place of its {placeholders} (such as <code> spans), so the
 * words around them keep the order the language puts them in.
 */
export function withParts(text: string, parts: Record<string, JSX.Element>): JSX.Element[] {
  return text.split(/\{(\w+)\}/).map((piece, i) => (i % 2 === 1 ? (parts[piece] ?? `{${piece}}`) : piece));
}

/** How long the text of a diagram must stay unchanged before it is drawn: typing draws only where it pauses. */
const DIAGRAM_WAIT_MS = 250;

/**
 * A block's rendered HTML; a mermaid listing in it is drawn as its diagram. A block that only moved
 * (a line added above it) keeps its DOM: the place its HTML names is updated on the element.
 */
function BlockHtml(props: { html: string; block: number; line: number; notebook: object }) {
  const el = document.createElement("div");
  el.className = "preview-html";
  let shown = { html: "", block: -1, line: -1 };
  createRenderEffect(() => {
    const next = { html: props.html, block: props.block, line: props.line };
    const first = el.firstElementChild;
    if (first && next.html !== shown.html && movedBlockHtml(shown.html, shown, next) === next.html) {
      first.setAttribute("data-block", String(next.block));
      first.setAttribute("data-line", String(next.line));
    } else if (next.html !== shown.html) el.innerHTML = next.html;
    shown = next;
  });
  // the HTML wherever the block is: a move does not draw its diagram again
  const content = createMemo(() => movedBlockHtml(props.html, { block: props.block, line: props.line }, NOWHERE));
  createEffect(() => {
    if (hasDiagram(content())) drawDiagrams(el, { waitMs: DIAGRAM_WAIT_MS, notebook: props.notebook });
  });
  return el;
}

/** Blocks shown at once: a screenful and more; a long notebook's others appear in background steps. */
const FIRST_BLOCKS = 150;
/**
 * How long one background step may mount blocks: typing waits at most this long for one, and a
 * long notebook appears over a few hundred milliseconds of otherwise idle time.
 */
const MOUNT_STEP_MS = 6;
/**
 * Blocks per group: a group off screen is not laid out or painted, and the browser tracks a few
 * dozen groups rather than a thousand blocks on every frame (each keystroke's frame included).
 */
const BLOCKS_PER_GROUP = 25;

export function PreviewPane(props: {
  blocks: Accessor<PreviewBlockJson[]>;
  cells: Accessor<Record<number, LiveCell>>;
  canRun: boolean;
  onRunBlock: (block: number) => void;
  /** Given where the reader may comment: a comment on a block (its source lines) and its output. */
  onComment?: (block: PreviewBlockJson) => void;
  /** The open comment threads' text, by line: a block they touch is marked and opens them. */
  comments?: Accessor<{ id: string; from: number; to: number }[]>;
  onOpenThread?: (id: string) => void;
  ref?: (el: HTMLDivElement) => void;
}) {
  /** This preview's diagrams (the last drawing of each block shows while its new text is drawn). */
  const diagrams = {};
  const threadsOn = (b: PreviewBlockJson) =>
    (props.comments?.() ?? []).filter((c) => c.from <= b.endLine && c.to >= b.startLine).map((c) => c.id);
  const [limit, setLimit] = createSignal(FIRST_BLOCKS);
  let cancelStep: (() => void) | null = null;
  /** Mounts whole groups until the step's time is spent, and asks for another step while blocks are left. */
  const step = () => {
    // while the step runs, the effect below (woken by each new limit) asks for no other
    cancelStep = () => undefined;
    const t0 = performance.now();
    while (props.blocks().length > limit() && performance.now() - t0 < MOUNT_STEP_MS)
      setLimit((l) => l + BLOCKS_PER_GROUP);
    cancelStep = props.blocks().length > limit() ? inBackground(step) : null;
  };
  createEffect(() => {
    if (props.blocks().length > limit() && !cancelStep) cancelStep = inBackground(step);
  });
  onCleanup(() => cancelStep?.());
  /**
   * The groups shown. Each reads only its own blocks, so a step that adds groups costs what they
   * hold, not what is already shown.
   */
  const groups = createMemo(() => {
    const n = Math.ceil(Math.min(props.blocks().length, limit()) / BLOCKS_PER_GROUP);
    return Array.from({ length: n }, (_, i) => i);
  });
  return (
    // biome-ignore lint/a11y/useSemanticElements: a named, scrollable region; its element type is set by the ref callers share
    <div class="preview" role="region" ref={props.ref} data-testid="preview" aria-label={t("Preview")} tabindex="0">
      <Show
        when={props.blocks().length > 0}
        fallback={
          <p class="muted empty">
            {withParts(
              t("Nothing to show yet: write Markdown after {hash} or a Python block between {fence} fences."),
              {
                hash: <code>#</code>,
                fence: <code># ```</code>,
              },
            )}
          </p>
        }
      >
        <Index each={groups()}>
          {(g) => (
            <div class="preview-group">
              <For each={props.blocks().slice(g() * BLOCKS_PER_GROUP, (g() + 1) * BLOCKS_PER_GROUP)}>
                {(b) => (
                  <section
                    class={`preview-block preview-${b.kind}`}
                    classList={{ "has-comments": threadsOn(b).length > 0 }}
                    data-block={b.block}
                    data-line={b.startLine}
                    data-stale={b.kind === "code" ? (staleOf(b, props.cells()[b.block]) ?? undefined) : undefined}
                  >
                    <Show when={threadsOn(b).length > 0}>
                      <button
                        type="button"
                        class="comment-marker"
                        data-testid="preview-comment-marker"
                        onClick={() => props.onOpenThread?.(threadsOn(b)[0]!)}
                        title={t("Comments on this block: {n}", { n: formatNumber(threadsOn(b).length) })}
                        aria-label={t("Comments on this block: {n}", { n: formatNumber(threadsOn(b).length) })}
                      >
                        💬 {formatNumber(threadsOn(b).length)}
                      </button>
                    </Show>
                    <Show when={b.kind === "code"}>
                      <CellBar
                        block={b}
                        cell={props.cells()[b.block]}
                        canRun={props.canRun}
                        onRun={() => props.onRunBlock(b.block)}
                        onComment={props.onComment ? () => props.onComment!(b) : undefined}
                      />
                    </Show>
                    <BlockHtml html={b.html} block={b.block} line={b.startLine} notebook={diagrams} />
                    <Show when={b.kind === "code" && (props.cells()[b.block]?.html ?? b.outputsHtml)}>
                      <div
                        class="pymd-outputs"
                        data-testid="cell-outputs"
                        innerHTML={props.cells()[b.block]?.html ?? b.outputsHtml}
                      />
                    </Show>
                  </section>
                )}
              </For>
            </div>
          )}
        </Index>
      </Show>
    </div>
  );
}
