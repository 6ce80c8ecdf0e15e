// Outputs where the code is: in the Editor view, each executed block's last outputs (already
// sanitized by the server) are shown under its closing fence as a CodeMirror block widget, headed
// by its execution counter, its run state and its stale mark, and follow the text as it is edited.
import { StateEffect, StateField, type EditorState, type Range } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, WidgetType } from "@codemirror/view";
import type { StaleReason } from "../protocol/ws-messages.ts";
import { staleText } from "./cell-label.ts";

export interface BlockOutput {
  /** 1-based line of the block's closing fence. */
  endLine: number;
  html: string;
  status: string;
  /** "done in 12 ms", "running", … */
  label: string;
  count: number | null;
  stale: StaleReason | null;
}

export const setOutputs = StateEffect.define<BlockOutput[]>();

class OutputWidget extends WidgetType {
  constructor(readonly o: BlockOutput) {
    super();
  }
  override eq(other: OutputWidget): boolean {
    const a = this.o;
    const b = other.o;
    return (
      a.html === b.html && a.status === b.status && a.label === b.label && a.count === b.count && a.stale === b.stale
    );
  }
  toDOM(): HTMLElement {
    const el = document.createElement("div");
    el.className = "cm-block-output";
    el.dataset.status = this.o.status;
    if (this.o.stale) el.dataset.stale = this.o.stale;
    el.dataset.testid = "inline-outputs";
    const head = document.createElement("div");
    head.className = "cm-block-output-head";
    head.dataset.testid = "inline-output-head";
    const count = document.createElement("span");
    count.className = "cell-count";
    count.textContent = `[${this.o.count ?? " "}]`;
    const label = document.createElement("span");
    label.className = "cell-status";
    label.textContent = this.o.label;
    head.append(count, " ", label);
    if (this.o.stale) {
      const stale = document.createElement("span");
      stale.className = "cell-stale";
      stale.dataset.testid = "inline-stale";
      stale.dataset.stale = this.o.stale;
      stale.textContent = staleText(this.o.stale);
      head.append(" · ", stale);
    }
    const body = document.createElement("div");
    body.className = "cm-block-output-body";
    // server-rendered and sanitized, the same HTML the preview shows
    body.innerHTML = this.o.html;
    el.append(head, body);
    return el;
  }
  override ignoreEvent(): boolean {
    return true;
  }
}

function build(state: EditorState, outputs: BlockOutput[]): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  for (const o of outputs) {
    if ((!o.html && o.status === "not-run") || o.endLine < 1 || o.endLine > state.doc.lines) continue;
    const line = state.doc.line(o.endLine);
    ranges.push(Decoration.widget({ widget: new OutputWidget(o), block: true, side: 1 }).range(line.to));
  }
  return Decoration.set(ranges, true);
}

export const outputWidgets = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let next = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setOutputs)) next = build(tr.state, e.value);
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});
