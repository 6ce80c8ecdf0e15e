// Binds a CodeMirror 6 editor to a CollabDocument: local edits become Automerge changes at once,
// remote edits are applied as CodeMirror changes (the local selection is mapped, not moved), and
// collaborators' cursors and selections are drawn with their name and colour.
import { Annotation, StateEffect, StateField, Transaction, type Extension } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import type { CollabDocument, RemotePresence } from "./collab-document.ts";

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
    if (to > from)
      ranges.push(
        Decoration.mark({
          attributes: { style: `background-color:${p.user.colour}33` },
          class: "cm-remote-selection",
        }).range(from, to),
      );
    ranges.push(
      Decoration.widget({ widget: new CaretWidget(p.user.name ?? p.user.username, p.user.colour), side: 1 }).range(
        head,
      ),
    );
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

/**
 * The extension for an editor showing this document: the editor may open on any text the page
 * has (the REST text); the document catches up with it, and with what was typed meanwhile, once
 * its copy has loaded.
 */
export function collabExtension(collab: CollabDocument): Extension {
  const plugin = ViewPlugin.fromClass(
    class {
      private readonly offs: (() => void)[] = [];
      private cursorTimer: ReturnType<typeof setTimeout> | undefined;
      constructor(readonly view: EditorView) {
        // Others' changes are not undone by this user's undo.
        collab.attach(view.state.doc.toString(), (changes) =>
          view.dispatch({ changes, annotations: [remote.of(true), Transaction.addToHistory.of(false)] }),
        );
        this.offs.push(
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
            collab.local(tr.changes);
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
