// Commented text marked in the editor: a StateField of mark decorations, set from the threads'
// ranges and mapped through every edit after that, so they stay on their text between updates.
import { StateEffect, StateField, type EditorState, type Extension, type Range } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";

export interface CommentMark {
  id: string;
  from: number;
  to: number;
  active: boolean;
}

export const setCommentMarks = StateEffect.define<CommentMark[]>();

const field = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setCommentMarks)) continue;
      const len = tr.state.doc.length;
      const ranges: Range<Decoration>[] = [];
      for (const m of e.value) {
        const from = Math.max(0, Math.min(m.from, len));
        const to = Math.max(from, Math.min(m.to, len));
        if (to <= from) continue;
        ranges.push(
          Decoration.mark({
            class: m.active ? "cm-comment cm-comment-active" : "cm-comment",
            attributes: { "data-thread": m.id },
          }).range(from, to),
        );
      }
      marks = Decoration.set(ranges, true);
    }
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Where each marked thread's text is now (marks follow every edit since they were set). */
export function commentRangesIn(state: EditorState): { id: string; from: number; to: number }[] {
  const out: { id: string; from: number; to: number }[] = [];
  const set = state.field(field, false);
  set?.between(0, state.doc.length, (from, to, value) => {
    const id = (value.spec.attributes as Record<string, string> | undefined)?.["data-thread"];
    if (id) out.push({ id, from, to });
  });
  return out;
}

/** The marks, and a click on marked text tells which thread it belongs to. */
export function commentHighlights(onClick: (threadId: string) => void): Extension {
  return [
    field,
    EditorView.domEventHandlers({
      click: (e) => {
        const el = (e.target as HTMLElement | null)?.closest?.("[data-thread]");
        const id = el?.getAttribute("data-thread");
        if (id) onClick(id);
        return false;
      },
    }),
  ];
}
