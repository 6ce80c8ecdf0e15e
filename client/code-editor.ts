// The CodeMirror 6 editor for PyMD: extensions, settings applied live through compartments, and
// the notebook's keyboard shortcuts.
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import {
  EditorView,
  type ViewUpdate,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, indentUnit } from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import type { SettingsJson } from "../protocol/api-types.ts";
import { pymdHighlighting, pymdLanguage } from "./pymd-language.ts";
import { outputWidgets, setOutputs, type BlockOutput } from "./output-widgets.ts";
import { t } from "./i18n.ts";

export interface CodeEditorOptions {
  doc: string;
  readOnly: boolean;
  settings: SettingsJson;
  /** The text changed; read it with text() when needed (copying a large document on every keystroke would cost more than the keystroke). */
  onChange(update: ViewUpdate): void;
  onSave(): void;
  onRunBlock(): void;
  onRunAll(): void;
  onScroll(topLine: number): void;
  /** More extensions, such as the collaboration binding. */
  extensions?: Extension[];
}

export interface CodeEditor {
  view: EditorView;
  /** The whole text, copied once per change however often it is asked for. */
  text(): string;
  cursorLine(): number;
  /** Applies the settings, and the current language to the editor's own labels. */
  applySettings(s: SettingsJson): void;
  setReadOnly(readOnly: boolean): void;
  /** Replaces the extensions given at creation (the collaboration binding, when live editing stops). */
  setExtensions(extensions: Extension[]): void;
  revealLine(line: number): void;
  /** Shows these outputs under their blocks (an empty list removes them). */
  showOutputs(outputs: BlockOutput[]): void;
  destroy(): void;
}

function settingsExtensions(s: SettingsJson): Extension[] {
  return [
    s.lineNumbers ? [lineNumbers(), highlightActiveLineGutter()] : [],
    s.wordWrap ? EditorView.lineWrapping : [],
    EditorState.tabSize.of(s.tabSize),
    indentUnit.of(" ".repeat(s.tabSize)),
    EditorView.theme({ "&": { fontSize: `${s.editorFontSize}px` } }),
  ];
}

const readOnlyExtensions = (ro: boolean): Extension => [EditorState.readOnly.of(ro), EditorView.editable.of(!ro)];
/** The words of the editor itself, in the current language (reapplied with the settings). */
const labelExtensions = (): Extension => EditorView.contentAttributes.of({ "aria-label": t("PyMD source") });

export function createCodeEditor(parent: HTMLElement, o: CodeEditorOptions): CodeEditor {
  const settings = new Compartment();
  const readOnly = new Compartment();
  const extra = new Compartment();
  const labels = new Compartment();
  const notebookKeys = keymap.of([
    { key: "Mod-s", preventDefault: true, run: () => (o.onSave(), true) },
    { key: "Mod-Enter", preventDefault: true, run: () => (o.onRunBlock(), true) },
    { key: "Shift-Enter", preventDefault: true, run: () => (o.onRunBlock(), true) },
    { key: "Mod-Shift-Enter", preventDefault: true, run: () => (o.onRunAll(), true) },
  ]);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        notebookKeys,
        highlightSpecialChars(),
        history(),
        drawSelection(),
        dropCursor(),
        EditorState.allowMultipleSelections.of(true),
        indentOnInput(),
        bracketMatching(),
        rectangularSelection(),
        crosshairCursor(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        keymap.of([...defaultKeymap, ...searchKeymap, ...historyKeymap, indentWithTab]),
        pymdLanguage,
        pymdHighlighting,
        outputWidgets,
        extra.of(o.extensions ?? []),
        settings.of(settingsExtensions(o.settings)),
        readOnly.of(readOnlyExtensions(o.readOnly)),
        labels.of(labelExtensions()),
        EditorView.contentAttributes.of({ "data-testid": "editor-content" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange(u);
        }),
        EditorView.domEventHandlers({
          scroll: (_e, v) => {
            const top = v.lineBlockAtHeight(v.scrollDOM.scrollTop);
            o.onScroll(v.state.doc.lineAt(top.from).number);
          },
        }),
      ],
    }),
  });
  let copied: { doc: unknown; text: string } | null = null;
  return {
    view,
    text: () => {
      const doc = view.state.doc;
      if (copied?.doc !== doc) copied = { doc, text: doc.toString() };
      return copied.text;
    },
    cursorLine: () => view.state.doc.lineAt(view.state.selection.main.head).number,
    applySettings: (s) =>
      view.dispatch({ effects: [settings.reconfigure(settingsExtensions(s)), labels.reconfigure(labelExtensions())] }),
    setReadOnly: (ro) => view.dispatch({ effects: readOnly.reconfigure(readOnlyExtensions(ro)) }),
    setExtensions: (ext) => view.dispatch({ effects: extra.reconfigure(ext) }),
    revealLine(line) {
      const l = view.state.doc.line(Math.max(1, Math.min(line, view.state.doc.lines)));
      view.dispatch({ selection: { anchor: l.from }, effects: EditorView.scrollIntoView(l.from, { y: "start" }) });
      view.focus();
    },
    showOutputs: (outputs) => view.dispatch({ effects: setOutputs.of(outputs) }),
    destroy: () => view.destroy(),
  };
}
