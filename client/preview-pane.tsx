// The rendered notebook beside the editor: server-rendered, sanitized blocks, each code cell with
// its run state (queued, running with elapsed time, done with duration, error) and live outputs.
import { For, Show, createSignal, onCleanup, type Accessor } from "solid-js";
import type { CellStateJson, PreviewBlockJson } from "../protocol/ws-messages.ts";

export interface LiveCell extends CellStateJson {
  runId: string;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function CellBar(props: { cell: LiveCell | undefined; block: PreviewBlockJson; canRun: boolean; onRun: () => void }) {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 100);
  onCleanup(() => clearInterval(timer));
  const status = () => props.cell?.status ?? props.block.status;
  const label = () => {
    const s = status();
    const c = props.cell;
    if (s === "running") return c?.startedAt ? `running ${formatMs(now() - c.startedAt)}` : "running";
    if (s === "queued") return "queued";
    if (s === "not-run") return "not run yet";
    const d = c?.durationMs ?? props.block.durationMs;
    const what = s === "ok" ? "done" : s === "error" ? "error" : s === "exit" ? "exited" : "interrupted";
    return d !== null ? `${what} in ${formatMs(d)}` : what;
  };
  return (
    <div class="cell-bar" data-status={status()}>
      <span class="cell-status" role="status" data-testid="cell-status">
        {label()}
      </span>
      <Show when={props.canRun}>
        <button class="link-button" onClick={() => props.onRun()} aria-label={`Run block at line ${props.block.startLine}`}>
          Run
        </button>
      </Show>
    </div>
  );
}

export function PreviewPane(props: {
  blocks: Accessor<PreviewBlockJson[]>;
  cells: Accessor<Record<number, LiveCell>>;
  canRun: boolean;
  onRunBlock: (block: number) => void;
  ref?: (el: HTMLDivElement) => void;
}) {
  return (
    <div class="preview" ref={props.ref} data-testid="preview" aria-label="Preview" tabindex="0">
      <Show when={props.blocks().length > 0} fallback={<p class="muted empty">Nothing to show yet: write Markdown after <code>#</code> or a Python block between <code># ```</code> fences.</p>}>
        <For each={props.blocks()}>
          {(b) => (
            <section class={`preview-block preview-${b.kind}`} data-block={b.block} data-line={b.startLine}>
              <Show when={b.kind === "code"}>
                <CellBar block={b} cell={props.cells()[b.block]} canRun={props.canRun} onRun={() => props.onRunBlock(b.block)} />
              </Show>
              <div class="preview-html" innerHTML={b.html} />
              <Show when={b.kind === "code" && (props.cells()[b.block]?.html ?? b.outputsHtml)}>
                <div class="pymd-outputs" data-testid="cell-outputs" innerHTML={props.cells()[b.block]?.html ?? b.outputsHtml} />
              </Show>
            </section>
          )}
        </For>
      </Show>
    </div>
  );
}
