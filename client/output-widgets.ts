// Outputs where the code is: in the Editor view, each executed block's last outputs (already
// sanitized by the server) are shown under its closing fence as a CodeMirror block widget, and
// follow the text as it is edited.
import { StateEffect, StateField, type EditorState, type Range } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, WidgetType } from "@codemirror/view";

export interface BlockOutput {
  /** 1-based line of the block's closing fence. */
  endLine: number;
  html: string;
  status: string;
}

export const setOutputs = StateEffect.define<BlockOutput[]>();

class OutputWidget extends WidgetType {
  constructor(
    readonly html: string,
    readonly status: string,
  ) {
    super();
  }
  override eq(other: OutputWidget): boolean {
    return other.html === this.html && other.status === this.status;
  }
  toDOM(): HTMLElement {
    const el = document.createElement("div");
    el.className = "cm-block-output";
    el.dataset.status = this.status;
    el.dataset.testid = "inline-outputs";
    // server-rendered and sanitized, the same HTML the preview shows
    el.innerHTML = this.html;
    return el;
  }
  override ignoreEvent(): boolean {
    return true;
  }
}

function build(state: EditorState, outputs: BlockOutput[]): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  for (const o of outputs) {
    if (!o.html || o.endLine < 1 || o.endLine > state.doc.lines) continue;
    const line = state.doc.line(o.endLine);
    ranges.push(Decoration.widget({ widget: new OutputWidget(o.html, o.status), block: true, side: 1 }).range(line.to));
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
