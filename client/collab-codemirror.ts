// Binds a CodeMirror 6 editor to a CollabDocument: local edits become Automerge changes at once,
// remote edits are applied as CodeMirror changes (the local selection is mapped, not moved), and
// collaborators' cursors and selections are drawn with their name and colour.
import { Annotation, ChangeSet, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import type { CollabDocument, RemotePresence, TextPatch } from "./collab-document.ts";

/** Marks transactions that carry remote changes, so they are not sent back. */
const remote = Annotation.define<boolean>();
const setPresence = StateEffect.define<RemotePresence[]>();

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly colour: string,
  ) {
    super();
  }
  override eq(other: CaretWidget): boolean {
    return other.name === this.name && other.colour === this.colour;
  }
  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = "cm-remote-caret";
    caret.style.cssText = `position:relative;border-left:2px solid ${this.colour};margin-left:-1px;margin-right:-1px;`;
    const label = document.createElement("span");
    label.className = "cm-remote-caret-label";
    label.textContent = this.name;
    label.style.cssText = `position:absolute;top:-1.3em;left:-2px;font-size:0.7em;line-height:1.2;padding:0 3px;white-space:nowrap;color:#fff;background:${this.colour};border-radius:2px;pointer-events:none;`;
    caret.append(label);
    return caret;
  }
  override ignoreEvent(): boolean {
    return true;
  }
}

function decorationsFor(presence: RemotePresence[], length: number): DecorationSet {
  const ranges = [];
  for (const p of presence) {
    if (!p.cursor) continue;
    const anchor = Math.min(p.cursor.anchor, length);
    const head = Math.min(p.cursor.head, length);
    const from = Math.min(anchor, head);
    const to = Math.max(anchor, head);
    if (to > from) ranges.push(Decoration.mark({ attributes: { style: `background-color:${p.user.colour}33` }, class: "cm-remote-selection" }).range(from, to));
    ranges.push(Decoration.widget({ widget: new CaretWidget(p.user.username, p.user.colour), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

const presenceField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setPresence)) return decorationsFor(e.value, tr.state.doc.length);
    return deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Composes sequential text patches into one CodeMirror change set over a document of this length. */
function changeSetOf(patches: TextPatch[], length: number): ChangeSet {
  let cs = ChangeSet.empty(length);
  let len = length;
  for (const p of patches) {
    const from = Math.min(p.from, len);
    const to = Math.min(Math.max(p.to, from), len);
    const step = ChangeSet.of({ from, to, insert: p.insert }, len);
    cs = cs.compose(step);
    len = step.newLength;
  }
  return cs;
}

/**
 * The extension for an editor showing this document. Create the editor with the document's
 * current text (collab.text()) as its initial doc.
 */
export function collabExtension(collab: CollabDocument): Extension {
  const plugin = ViewPlugin.fromClass(
    class {
      private readonly offs: (() => void)[] = [];
      private cursorTimer: ReturnType<typeof setTimeout> | undefined;
      constructor(readonly view: EditorView) {
        this.offs.push(
          collab.onRemote((patches) => {
            const changes = changeSetOf(patches, view.state.doc.length);
            if (!changes.empty) view.dispatch({ changes, annotations: [remote.of(true)] });
          }),
          collab.onPresence((p) => {
            // Presence can arrive while an update is in progress; effects dispatched later are fine.
            queueMicrotask(() => view.dispatch({ effects: setPresence.of(p) }));
          }),
        );
      }
      update(u: ViewUpdate) {
        if (u.docChanged) {
          for (const tr of u.transactions) {
            if (tr.annotation(remote) || tr.changes.empty) continue;
            const patches: TextPatch[] = [];
            tr.changes.iterChanges((fromA, toA, fromB, _toB, inserted) => {
              patches.push({ from: fromB, to: fromB + (toA - fromA), insert: inserted.toString() });
            });
            collab.applyLocal(patches);
          }
        }
        if (u.selectionSet || u.docChanged) {
          clearTimeout(this.cursorTimer);
          this.cursorTimer = setTimeout(() => {
            const s = this.view.state.selection.main;
            collab.setCursor({ anchor: s.anchor, head: s.head });
          }, 50);
        }
      }
      destroy() {
        clearTimeout(this.cursorTimer);
        collab.setCursor(null);
        for (const off of this.offs) off();
      }
    },
  );
  return [presenceField, plugin];
}
