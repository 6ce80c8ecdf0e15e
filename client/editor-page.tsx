// The notebook editor (/d/:id): CodeMirror source with live preview, automatic saving that never
// loses what was typed, running blocks with streamed outputs, outline, view modes, export, sharing.
import {
  batch,
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  Show,
} from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import type { ViewUpdate } from "@codemirror/view";
import { ChangeSet } from "@codemirror/state";
import { A, useParams } from "@solidjs/router";
import type { CommentThreadJson, DocumentJson } from "../protocol/api-types.ts";
import type { KernelStateJson, PreviewBlockJson, ServerMessage } from "../protocol/ws-messages.ts";
import { parsePymd } from "../protocol/pymd-parser.ts";
import { executableBlocks } from "../protocol/pymd-run-blocks.ts";
import { answerOf, api, ApiError } from "./api.ts";
import { dropEarlyText, takeEarlyDocument } from "./early-document.ts";
import { useSession } from "./session.tsx";
import { notebookSocket } from "./notebook-socket.ts";
import { createCodeEditor, type CodeEditor } from "./code-editor.ts";
import { PreviewPane, staleOf, withParts, type LiveCell } from "./preview-pane.tsx";
import { cellLabel, kernelLabel } from "./cell-label.ts";
import { ShareDialog } from "./share-dialog.tsx";
import { CommentsPanel } from "./comments-panel.tsx";
import { commentHighlights, commentRangesIn, setCommentMarks } from "./comment-highlights.ts";
import type { EditorView } from "@codemirror/view";
import { HistoryPanel } from "./history-panel.tsx";
import { FilesPanel, uploadFile } from "./files-panel.tsx";
import { outlineComputer, outlineUnchangedBy, type Heading } from "./outline.ts";
import { afterPaint, idleTask } from "./idle-task.ts";
import { editsOf, splicedBlocks } from "../protocol/preview-edits.ts";
import { loadDraft, clearDraft, saveDraft } from "./drafts.ts";
import { CollabDocument, type RemotePresence } from "./collab-document.ts";
import { collabExtension } from "./collab-codemirror.ts";
import { minimalChange } from "./collab-text-changes.ts";
import { TerminalPanel, terminalAllowed } from "./terminal-access.ts";
import { browserKernelLabel, browserRuntime, type Runtime } from "./browser-runtime.ts";
import { language, t, formatNumber } from "./i18n.ts";

type ViewMode = "split" | "editor" | "preview";
type SaveState = "saved" | "unsaved" | "saving" | "offline" | "error";

const SAVE_DEBOUNCE_MS = 700;
const PREVIEW_STALL_MS = 3000;
/** What a preview block carries besides its HTML. */
const PREVIEW_FIELDS = [
  "block",
  "startLine",
  "endLine",
  "outputsHtml",
  "status",
  "durationMs",
  "count",
  "stale",
] as const satisfies readonly (keyof PreviewBlockJson)[];
/** How long the server may stay silent about the document's live copy before the page saves whole texts instead. */
const LIVE_WAIT_MS = 30_000;

export function EditorPage() {
  const params = useParams();
  const session = useSession();
  const socket = notebookSocket();
  const [doc, setDoc] = createSignal<DocumentJson | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  /** The text the page opened with, until the editor exists. */
  let openedText = "";
  /** The editor's text, copied once per change and only when something reads it. */
  const text = () => editor?.text() ?? openedText;
  const [saveState, setSaveState] = createSignal<SaveState>("saved");
  const [mode, setMode] = createSignal<ViewMode>((localStorage.getItem("pymd:view") as ViewMode | null) ?? "split");
  /** Blocks keyed by what they show, so an edit re-renders the blocks it changed and the others keep their DOM (even when moved). */
  const [preview, setPreview] = createStore<{ blocks: PreviewBlockJson[] }>({ blocks: [] });
  const [problems, setProblems] = createSignal<{ line: number; message: string }[]>([]);
  const [cells, setCells] = createSignal<Record<number, LiveCell>>({});
  const [running, setRunning] = createSignal<{ runId: string; by: string } | null>(null);
  const [kernel, setKernel] = createSignal<KernelStateJson | null>(null);
  /** What the kernel last said ("Kernel restarted — variables cleared"), or what a click asked of it until it answers. */
  const [kernelNote, setKernelNote] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [filesOpen, setFilesOpen] = createSignal(false);
  /** Bumped whenever the server says the document's files changed; the panel refetches. */
  const [filesVersion, setFilesVersion] = createSignal(0);
  /** Why this server cannot run code (null: it can, or not known yet). */
  const [executionOff, setExecutionOff] = createSignal<string | null>(null);
  const [shareOpen, setShareOpen] = createSignal(false);
  const [historyOpen, setHistoryOpen] = createSignal(false);
  const threadInHash = () => /^#comment-([a-z2-7]{16})$/.exec(location.hash)?.[1] ?? null;
  const [commentsOpen, setCommentsOpen] = createSignal(threadInHash() !== null);
  const [commentFocus, setCommentFocus] = createSignal<string | null>(threadInHash());
  /** The document's threads, read here while the panel is closed and from the panel while it is open (live: "comments" frames). */
  const [threads, setThreads] = createSignal<CommentThreadJson[] | null>(null);
  const [selectedThread, setSelectedThread] = createSignal<string | null>(null);
  const openThreads = createMemo(() => (threads() ?? []).filter((x) => !x.resolved));
  const commentCount = () => (threads() === null ? null : openThreads().length);
  const loadComments = (docId: string) =>
    void api<{ threads: CommentThreadJson[] }>("GET", `/api/v1/documents/${docId}/comments`)
      .then((r) => docId === id() && setThreads(r.threads))
      .catch(() => {});
  const offComments = socket.on((m) => {
    if (m.t === "comments" && m.doc === id() && !commentsOpen()) loadComments(m.doc);
  });
  onCleanup(offComments);
  const [editorView, setEditorView] = createSignal<EditorView | null>(null);
  /** Bumped when the live copy has loaded, so the marks are placed from it. */
  const [collabLoaded, setCollabLoaded] = createSignal(0);
  /** Where the open threads' text is, by line, for the preview's marks. */
  const [commentLines, setCommentLines] = createSignal<{ id: string; from: number; to: number }[]>([]);
  const readCommentLines = () => {
    const view = editorView();
    if (!view) return setCommentLines([]);
    const d = view.state.doc;
    setCommentLines(
      commentRangesIn(view.state).map((r) => ({
        id: r.id,
        from: d.lineAt(r.from).number,
        to: d.lineAt(Math.max(r.from, r.to - 1)).number,
      })),
    );
  };
  // The open threads' text is marked in the editor and the preview, the panel open or not: where
  // the browser's copy says it is now, then mapped through every edit.
  createEffect(
    on([openThreads, selectedThread, editorView, collabLoaded], ([shown, active, view]) => {
      if (!view) return;
      const c = collab;
      void (async () => {
        const ranges = (c?.live() && (await c.rangesOf(shown.map((x) => x.anchor)))) || shown.map((x) => x.range);
        if (view !== editorView()) return;
        view.dispatch({
          effects: setCommentMarks.of(
            shown.flatMap((x, i) => (ranges[i] ? [{ id: x.id, ...ranges[i]!, active: x.id === active }] : [])),
          ),
        });
        readCommentLines();
      })();
    }),
  );
  const onHash = () => {
    const id = threadInHash();
    if (id) {
      setCommentsOpen(true);
      setCommentFocus(id);
    }
  };
  addEventListener("hashchange", onHash);
  onCleanup(() => removeEventListener("hashchange", onHash));
  // a comment on a block from the preview: on its source lines, which carry its output
  const [commentRequest, setCommentRequest] = createSignal<{ from: number; to: number } | null>(null);
  const commentOnBlock = (b: { startLine: number; endLine: number }) => {
    const view = editorView();
    if (!view) return;
    const d = view.state.doc;
    const first = d.line(Math.max(1, Math.min(b.startLine, d.lines)));
    const last = d.line(Math.max(first.number, Math.min(b.endLine, d.lines)));
    setCommentsOpen(true);
    setCommentRequest({ from: first.from, to: Math.max(first.from + 1, last.to) });
  };
  // a click on commented text opens its thread
  const marks = commentHighlights((threadId) => {
    setCommentsOpen(true);
    setCommentFocus(null);
    setCommentFocus(threadId);
  });
  const [exportOpen, setExportOpen] = createSignal(false);
  const [outlineOpen, setOutlineOpen] = createSignal(true);
  const [fullscreen, setFullscreen] = createSignal(false);
  const [title, setTitle] = createSignal("");
  const [people, setPeople] = createSignal<RemotePresence[]>([]);
  /** "automerge" when edits sync as Automerge changes, "save" when the page fell back to saving whole texts. */
  const [syncMode, setSyncMode] = createSignal<"automerge" | "save" | "loading">("loading");
  let editor: CodeEditor | undefined;
  /** Set when the document is edited through Automerge; otherwise saving falls back to PATCH. */
  let collab: CollabDocument | null = null;
  let ackTimer: ReturnType<typeof setInterval> | undefined;
  let editorHost!: HTMLDivElement;
  let previewEl: HTMLDivElement | undefined;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  let previewSeq = 0;
  let appliedSeq = 0;
  /** After a run, the first preview rendered once it ended carries its outputs: the live cells are dropped then. */
  let cellsUntilSeq: number | null = null;
  /** The kernel's last message: a rejoin repeats it, and a note the user dismissed stays dismissed. */
  let kernelSaid: string | null = null;
  let savedText = "";
  let saving: Promise<void> | null = null;

  const id = () => params.id!;
  const canEdit = () => doc()?.role === "owner" || doc()?.role === "editor";
  /** The terminal: offered when the server has terminals on and this user edits the document; kept mounted once opened. */
  const [terminalOk] = createResource(() => (canEdit() ? id() : null), terminalAllowed);
  const [terminal, setTerminal] = createSignal<"closed" | "shown" | "hidden">("closed");
  /** The server's kernel or Python in this browser, chosen per document in this browser. */
  const browser = browserRuntime(id);
  onCleanup(() => browser.dispose());
  const inBrowser = () => browser.runtime() === "browser" && browser.available();
  const canRun = () => inBrowser() || (canEdit() && session.user()?.role !== "viewer" && executionOff() === null);
  /** The outputs shown: the browser's runs under its runtime, the server's otherwise. */
  const shownCells = () => (inBrowser() ? browser.cells() : cells());
  const busy = () => (inBrowser() ? browser.running() : running() !== null);
  /** The outline is brought up to date when the page is idle, not on each keystroke; rows are updated in place. */
  const [outlineState, setOutlineState] = createStore<{ headings: Heading[]; legacy: boolean }>({
    headings: [],
    legacy: false,
  });
  const outline = () => outlineState.headings;
  const outlines = outlineComputer((headings, legacy) => {
    setOutlineState("headings", reconcile(headings));
    setOutlineState("legacy", legacy);
  });
  const outlineTask = idleTask(() => outlines.request(text()), 250);
  /** Without live sync, a copy of the text in this browser until the server has it. */
  const draftTask = idleTask(() => {
    if (!collab?.live() && canEdit() && text() !== savedText) saveDraft(id(), text(), doc()?.updatedAt ?? "");
  }, 250);

  createEffect(() => localStorage.setItem("pymd:view", mode()));

  /**
   * One preview request in flight at a time: a keystroke sends at once when the line is idle,
   * otherwise the latest text goes as soon as the previous answer arrives.
   */
  let previewInFlight = false;
  let previewPending = false;
  /**
   * The last request this connection sent (the server holds its source) and the editor's changes
   * since: the next request carries only those (null: it carries the whole text).
   */
  let previewBase: number | null = null;
  let previewChanges: ChangeSet | null = null;
  const sendPreview = () => {
    previewPending = false;
    const seq = ++previewSeq;
    const edits = previewBase !== null && previewChanges ? editsOf(previewChanges) : null;
    previewInFlight = socket.send(
      edits
        ? { t: "preview", doc: id(), seq, base: previewBase!, edits }
        : { t: "preview", doc: id(), seq, source: text() },
    );
    if (previewInFlight) {
      previewBase = seq;
      previewChanges = editor ? ChangeSet.empty(editor.view.state.doc.length) : null;
    }
    clearTimeout(previewTimer);
    // An answer that never comes (a dropped socket) must not stall the preview for good.
    if (previewInFlight)
      previewTimer = setTimeout(() => ((previewInFlight = false), previewPending && sendPreview()), PREVIEW_STALL_MS);
  };
  const requestPreview = () => {
    if (previewInFlight) previewPending = true;
    else sendPreview();
  };

  /** Waits until the server has stored every local Automerge change, up to `ms`. */
  const acknowledged = async (ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (collab && !collab.acknowledged()) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };

  /** Saves the editor's text now; resolves when the server has it (or the attempt failed). */
  const flush = async (): Promise<boolean> => {
    if (collab) return acknowledged(5000);
    clearTimeout(saveTimer);
    if (saving) await saving;
    const current = text();
    if (current === savedText || !canEdit()) return true;
    setSaveState("saving");
    let ok = false;
    saving = (async () => {
      try {
        const updated = await api<DocumentJson>("PATCH", `/api/v1/documents/${id()}`, { content: current });
        savedText = current;
        setDoc(updated);
        if (text() === current) {
          clearDraft(id());
          setSaveState("saved");
        } else setSaveState("unsaved");
        ok = true;
      } catch (e) {
        setSaveState(e instanceof ApiError && e.status === 0 ? "offline" : "error");
        if (!(e instanceof ApiError && e.status === 0)) setNotice(e instanceof Error ? e.message : String(e));
        // Keep trying: the draft is safe in this browser meanwhile.
        saveTimer = setTimeout(() => void flush(), 3000);
      } finally {
        saving = null;
      }
    })();
    await saving;
    return ok;
  };

  /** Several keystrokes within one frame ask for one preview, sent once the frame showing them is painted. */
  let previewAsked = false;
  const schedulePreview = () => {
    if (previewAsked) return;
    previewAsked = true;
    afterPaint(() => {
      previewAsked = false;
      requestPreview();
    });
  };

  /**
   * Shows a preview answer. Usually (typing inside a block) the blocks are the same ones with one
   * changed: fields are updated in place, and only a block whose HTML changed gets new DOM.
   * Otherwise the blocks are matched by their HTML, so moved blocks keep their DOM.
   */
  const applyPreview = (next: PreviewBlockJson[], splice?: { prefix: number; suffix: number }) => {
    // the preview follows the text: so do its comment marks (cheap: a walk over the marks alone)
    if (openThreads().length) readCommentLines();
    // compared on the store's plain values: reading a thousand blocks through its proxies costs more than the update
    const old = unwrap(preview.blocks);
    /** Block i becomes b: in place, field by field, or a new block where it is another one. */
    const update = (i: number, b: PreviewBlockJson) => {
      const a = old[i]!;
      if (a.kind !== b.kind) return setPreview("blocks", i, b);
      if (a.html !== b.html) setPreview("blocks", i, "html", b.html);
      for (const k of PREVIEW_FIELDS) if (a[k] !== b[k]) setPreview("blocks", i, k, b[k] as never);
    };
    if (splice) {
      // An answer to edits: its start and end are the blocks shown (the end perhaps moved, so its
      // fields are updated where it is and its DOM kept); only the middle is looked at or replaced.
      const end = next.length - splice.suffix;
      const shift = old.length - next.length;
      return batch(() => {
        for (let i = end; i < next.length; i++) update(i + shift, next[i]!);
        if (shift === 0) for (let i = splice.prefix; i < end; i++) update(i, next[i]!);
        else
          setPreview("blocks", [
            ...old.slice(0, splice.prefix),
            ...next.slice(splice.prefix, end),
            ...old.slice(end + shift),
          ]);
      });
    }
    if (old.length !== next.length) return setPreview("blocks", reconcile(next, { key: "html" }));
    batch(() => {
      for (let i = 0; i < next.length; i++) update(i, next[i]!);
    });
  };

  const onChange = (u: ViewUpdate) => {
    previewChanges =
      previewChanges && previewChanges.newLength === u.changes.length ? previewChanges.compose(u.changes) : null;
    schedulePreview();
    if (!outlineUnchangedBy(u, outlineState.legacy)) outlineTask.schedule();
    // With Automerge the binding sends every edit and IndexedDB keeps it; the state poll shows
    // when the server has it, and the label leaves "Saved" with the keystroke itself.
    if (collab) {
      if (collab.hasLocalEdits()) setSaveState(socket.state() === "online" ? "saving" : "offline");
      // until the live copy has loaded, what is typed is kept as a draft in this browser
      if (!collab.live()) draftTask.schedule();
      return;
    }
    draftTask.schedule();
    setSaveState("unsaved");
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void flush(), SAVE_DEBOUNCE_MS);
  };

  const run = async (scope: "all" | "block", block?: number) => {
    if (!canRun()) return;
    setNotice(null);
    if (!inBrowser() && !(await flush())) {
      setNotice(t("Save the document before running: the server runs what it has stored."));
      return;
    }
    let target = block;
    if (scope === "block" && target === undefined) {
      const line = editor?.cursorLine() ?? 1;
      const parsed = parsePymd(text());
      const blocks = executableBlocks(parsed);
      const hit = blocks.find((b) => {
        const pb = parsed.blocks[b.id]!;
        return line >= pb.startLine && line <= pb.endLine;
      });
      if (!hit) {
        setNotice(t("Put the cursor inside a Python block to run it (Ctrl+Enter), or run all (Ctrl+Shift+Enter)."));
        return;
      }
      target = hit.id;
    }
    if (inBrowser()) {
      // the editor's text as it is now: nothing needs saving for a run in this browser
      browser.run(text(), scope === "all" ? undefined : target);
      return;
    }
    const sent = socket.send(
      scope === "all"
        ? { t: "run", doc: id(), scope: "all" }
        : { t: "run", doc: id(), scope: "blocks", blocks: [target!] },
    );
    if (!sent) setNotice(t("You are offline: runs need the server."));
  };

  /** Images pasted or dropped into the source become workspace files and a Markdown image at the cursor. */
  const pasteImages = async (e: Event, list: FileList | undefined | null) => {
    const images = [...(list ?? [])].filter((f) => f.type.startsWith("image/"));
    if (!images.length || !editor || !canEdit()) return;
    e.preventDefault();
    e.stopPropagation();
    for (const f of images) {
      const ext = (f.type.split("/")[1] ?? "png").replace("jpeg", "jpg").replace(/[^a-z0-9]/g, "") || "png";
      const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
      const named = f.name && f.name !== "image.png" ? f.name : `pasted-${stamp}.${ext}`;
      try {
        const stored = await uploadFile(id(), named, f);
        const view = editor.view;
        const pos = view.state.selection.main.head;
        const line = view.state.doc.lineAt(pos);
        const md = `![${stored.path.replace(/\.[^.]+$/, "")}](${encodeURI(stored.path)})`;
        const insert = line.text.trim() === "" ? `# ${md}` : line.text.startsWith("#") ? md : `\n# ${md}\n`;
        view.dispatch({ changes: { from: pos, insert }, selection: { anchor: pos + insert.length } });
        setFilesVersion((v) => v + 1);
      } catch (err) {
        setNotice(err instanceof Error ? err.message : String(err));
      }
    }
  };

  const onMessage = (m: ServerMessage) => {
    if ("doc" in m && m.doc !== undefined && m.doc !== id()) return;
    switch (m.t) {
      case "hello":
        // a new connection: the server holds no source of ours
        previewInFlight = false;
        previewBase = null;
        return;
      case "joined":
        if (m.running) setRunning({ runId: "", by: "someone" });
        requestPreview();
        return;
      case "preview-base":
        // the server does not hold the source our edits were for: the whole text goes
        previewBase = null;
        if (m.seq === previewSeq) {
          previewInFlight = false;
          clearTimeout(previewTimer);
          sendPreview();
        }
        return;
      case "preview": {
        const blocks = splicedBlocks(unwrap(preview.blocks), appliedSeq, m.blocks, m.splice);
        // an answer built on one this page did not apply: the next request sends the whole text,
        // and its answer comes whole
        if (!blocks) previewBase = null;
        if (m.seq === previewSeq) {
          previewInFlight = false;
          clearTimeout(previewTimer);
          if (previewPending || !blocks) sendPreview();
        }
        if (!blocks || m.seq < appliedSeq) return;
        appliedSeq = m.seq;
        applyPreview(blocks, m.splice);
        setProblems(m.problems);
        if (cellsUntilSeq !== null && m.seq > cellsUntilSeq && !running()) {
          cellsUntilSeq = null;
          setCells({});
        }
        return;
      }
      case "run-started":
        setRunning({ runId: m.runId, by: m.by });
        setCells((c) => {
          const next = { ...c };
          for (const b of m.blocks) delete next[b];
          return next;
        });
        return;
      case "cell":
        setCells((c) => ({ ...c, [m.cell.block]: { ...m.cell, runId: m.runId } }));
        return;
      case "files": {
        const v = filesVersion() + 1;
        setFilesVersion(v);
        // images of workspace files in the preview may have changed (or only now exist): load them again
        for (const img of previewEl?.querySelectorAll<HTMLImageElement>("img[src*='/file?path=']") ?? [])
          img.src = img.getAttribute("src")!.replace(/&v=\d+$/, "") + `&v=${v}`;
        if (m.skipped.length) setNotice(t("Not kept from the workspace: {files}", { files: m.skipped.join("; ") }));
        return;
      }
      case "execution":
        setExecutionOff(m.available ? null : (m.reason ?? t("no working sandbox on this server")));
        return;
      case "run-finished":
        setRunning(null);
        if (m.error) setNotice(m.error);
        cellsUntilSeq = previewSeq;
        requestPreview();
        return;
      case "kernel":
        setKernel(m.kernel);
        if (m.kernel.message !== kernelSaid) setKernelNote(m.kernel.message);
        kernelSaid = m.kernel.message;
        // a restart or a lost kernel changes which outputs are stale
        if (m.kernel.status === "idle" || m.kernel.status === "stopped") requestPreview();
        return;
      case "error":
        setNotice(m.message);
        return;
      default:
        return;
    }
  };

  /** The preview follows the editor's scrolling, once a frame at most. */
  let scrollLine = 0;
  // biome-ignore lint/correctness/noUnusedVariables: read by the `||=` below, which asks for one frame at a time
  let scrollFrame = 0;
  const syncScrollSoon = (line: number) => {
    scrollLine = line;
    scrollFrame ||= requestAnimationFrame(() => {
      scrollFrame = 0;
      syncScroll(scrollLine);
    });
  };
  const syncScroll = (line: number) => {
    if (mode() !== "split" || !previewEl) return;
    // the last block starting at or above the line: the blocks are in order, so a binary search
    // reads a few of them, not thousands
    const sections = previewEl.getElementsByClassName("preview-block") as HTMLCollectionOf<HTMLElement>;
    let target: HTMLElement | null = null;
    for (let lo = 0, hi = sections.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      const s = sections[mid]!;
      if (Number(s.dataset.line) <= line) {
        target = s;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (target) previewEl.scrollTop += target.getBoundingClientRect().top - previewEl.getBoundingClientRect().top;
    else previewEl.scrollTop = 0;
  };

  const jumpTo = (line: number) => {
    editor?.revealLine(line);
    syncScroll(line);
  };

  const rename = async () => {
    const next = title().trim();
    if (!next || next === doc()?.title || !canEdit()) {
      setTitle(doc()?.title ?? "");
      return;
    }
    try {
      setDoc(await api<DocumentJson>("PATCH", `/api/v1/documents/${id()}`, { title: next }));
    } catch (e) {
      setNotice(e instanceof Error ? e.message : String(e));
      setTitle(doc()?.title ?? "");
    }
  };

  const beforeUnload = (e: BeforeUnloadEvent) => {
    draftTask.flush();
    if (collab) {
      // The IndexedDB copy keeps unsent edits; warn only when the server has not stored them.
      if (!collab.acknowledged()) e.preventDefault();
      return;
    }
    if (text() !== savedText) e.preventDefault();
  };
  const globalKeys = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      void flush();
    }
    if (e.key === "Escape" && fullscreen()) setFullscreen(false);
  };

  onMount(async () => {
    const off = socket.on(onMessage);
    onCleanup(off);
    addEventListener("beforeunload", beforeUnload);
    addEventListener("keydown", globalKeys);
    onCleanup(() => {
      dropEarlyText();
      removeEventListener("beforeunload", beforeUnload);
      removeEventListener("keydown", globalKeys);
    });
    let d: DocumentJson;
    try {
      const asked = takeEarlyDocument(id());
      d = await (asked ? answerOf<DocumentJson>(asked) : api<DocumentJson>("GET", `/api/v1/documents/${id()}`));
    } catch (e) {
      dropEarlyText();
      setLoadError(
        e instanceof ApiError && e.status === 404
          ? t("This document does not exist, or you do not have access to it.")
          : e instanceof Error
            ? e.message
            : String(e),
      );
      return;
    }
    setDoc(d);
    setTitle(d.title);
    savedText = d.content;
    const writable = d.role === "owner" || d.role === "editor";
    // The text shows at once, from the REST answer. Live editing starts once the document's copy
    // has loaded (in a worker, so a large one does not freeze the page); what is typed meanwhile
    // waits in the binding and goes onto that copy.
    let c: CollabDocument | null = null;
    try {
      c = CollabDocument.open(d.id, socket);
    } catch (e) {
      console.warn("live editing is unavailable; saving whole texts instead", e);
    }
    collab = c;
    void c?.loaded.then(() => setCollabLoaded((n) => n + 1));
    openedText = d.content;
    editor = createCodeEditor(editorHost, {
      doc: d.content,
      readOnly: !writable,
      settings: session.settings(),
      onChange,
      onSave: () => void flush(),
      onRunBlock: () => void run("block"),
      onRunAll: () => void run("all"),
      onScroll: syncScrollSoon,
      extensions: c ? [marks, collabExtension(c)] : [marks],
    });
    setEditorView(editor.view);
    dropEarlyText();
    // Typing saved as a draft by an earlier visit that could not sync live is replayed as an edit,
    // touching only the span that differs.
    const draft = loadDraft(d.id);
    if (draft && writable && draft.text !== d.content) {
      editor.view.dispatch({ changes: minimalChange(d.content, draft.text) });
      setNotice(
        draft.base === d.updatedAt
          ? t("Restored unsaved changes from this browser.")
          : t("Restored unsaved changes from this browser; the document also changed elsewhere since."),
      );
    }
    requestPreview();
    outlineTask.schedule();
    // after the text: placing a document's threads may have the server load its history first
    loadComments(d.id);
    const saveWholeTexts = () => {
      setSyncMode("save");
      clearInterval(ackTimer);
      if (collab) {
        collab.close();
        collab = null;
        editor?.setExtensions([marks]);
      }
      socket.join(d.id);
      if (text() !== savedText) {
        setSaveState("unsaved");
        void flush();
      } else setSaveState("saved");
    };
    if (!c) return saveWholeTexts();
    let draftKept = true;
    const showAck = () => {
      const acked = c.acknowledged();
      setSaveState(
        acked
          ? "saved"
          : !c.live() && !c.hasLocalEdits()
            ? "saved"
            : socket.state() === "online"
              ? "saving"
              : "offline",
      );
      // a draft kept while the copy loaded goes once the server has everything
      if (acked && draftKept) {
        draftKept = false;
        draftTask.cancel();
        clearDraft(d.id);
      }
    };
    showAck();
    ackTimer = setInterval(showAck, 300);
    // Give up on live editing only when the server stays silent after the worker asked it: once
    // it has answered, a large copy may take a while to load, and the text stays editable
    // meanwhile (kept as a draft until then).
    const live = await new Promise<boolean>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let heard = false;
      void c.started.then(() => heard || (timer = setTimeout(() => resolve(false), LIVE_WAIT_MS)));
      void c.heard.then(() => ((heard = true), clearTimeout(timer)));
      void c.loaded.then((ok) => (clearTimeout(timer), resolve(ok)));
    });
    if (collab !== c) return;
    if (!live) {
      console.warn("live editing is unavailable; saving whole texts instead");
      return saveWholeTexts();
    }
    c.onPresence(setPeople);
    setSyncMode("automerge");
    showAck();
  });

  // the settings, and the language of the editor's own labels
  createEffect(() => {
    const s = session.settings();
    language();
    editor?.applySettings(s);
  });
  // In the Editor view (no preview beside it) outputs appear under their blocks in the source.
  createEffect(() => {
    const inline = mode() === "editor";
    const live = shownCells();
    const outputs = inline
      ? preview.blocks
          .filter((b) => b.kind === "code")
          .map((b) => {
            const c = live[b.block];
            const status = c?.status ?? b.status;
            return {
              endLine: b.endLine,
              html: c?.html ?? b.outputsHtml,
              status,
              label: cellLabel(status, c?.durationMs ?? b.durationMs),
              count: c ? c.count : b.count,
              stale: staleOf(b, c),
            };
          })
      : [];
    editor?.showOutputs(outputs);
  });

  onCleanup(() => {
    clearTimeout(saveTimer);
    clearTimeout(previewTimer);
    clearInterval(ackTimer);
    outlineTask.cancel();
    outlines.close();
    draftTask.flush();
    editor?.destroy();
    if (collab) collab.close();
    else {
      if (text() !== savedText) void flush();
      socket.leave(id());
    }
  });

  const saveLabel = () => {
    const state = saveState();
    if (socket.state() !== "online" && state !== "saving")
      return state === "saved" ? t("Saved · offline") : t("Offline · kept in this browser");
    switch (state) {
      case "saved":
        return t("Saved");
      case "unsaved":
        return t("Unsaved changes");
      case "saving":
        return t("Saving…");
      case "offline":
        return t("Offline · kept in this browser");
      case "error":
        return t("Not saved · retrying");
    }
  };

  return (
    <div class={`editor-page mode-${mode()}${fullscreen() ? " fullscreen" : ""}`} data-sync={syncMode()}>
      <Show
        when={!loadError()}
        fallback={
          <main class="center">
            <p role="alert" class="error">
              {loadError()}
            </p>
            <A href="/">{t("Back to your documents")}</A>
          </main>
        }
      >
        <header class="editor-bar">
          <A class="brand" href="/" aria-label={t("All documents")}>
            pymd
          </A>
          <input
            class="title-input"
            aria-label={t("Document title")}
            value={title()}
            readOnly={!canEdit()}
            onInput={(e) => setTitle(e.currentTarget.value)}
            onBlur={rename}
            onKeyDown={(e) => e.key === "Enter" && e.currentTarget.blur()}
          />
          <Show when={doc() && !canEdit()}>
            <span class="badge" data-testid="read-only">
              {t("Read only")}
            </span>
          </Show>
          <span class="save-state" data-state={saveState()} data-testid="save-state" role="status">
            {saveLabel()}
          </span>
          <span class="spacer" />
          {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form group */}
          <div class="segmented" role="group" aria-label={t("View")}>
            <For each={["editor", "split", "preview"] as ViewMode[]}>
              {(m) => (
                <button
                  type="button"
                  class={mode() === m ? "" : "secondary"}
                  aria-pressed={mode() === m}
                  onClick={() => setMode(m)}
                >
                  {m === "editor" ? t("Editor") : m === "split" ? t("Split") : t("Preview")}
                </button>
              )}
            </For>
          </div>
          <Show when={browser.available()}>
            <select
              class="runtime-select"
              data-testid="runtime-select"
              aria-label={t("Where the blocks run")}
              title={t(
                "Where the blocks run: the server's kernel, or Python in this browser (outputs shown only here)",
              )}
              value={browser.runtime()}
              onChange={(e) => browser.setRuntime(e.currentTarget.value as Runtime)}
            >
              <option value="server">{t("Run on the server")}</option>
              <option value="browser">{t("Run in this browser")}</option>
            </select>
          </Show>
          <Show when={canRun()}>
            <button
              type="button"
              onClick={() => void run("all")}
              disabled={busy()}
              title={t("Restart the kernel and run every block (Ctrl+Shift+Enter)")}
            >
              {t("Run all")}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => void run("block")}
              disabled={busy()}
              title={t("Run the block under the cursor (Ctrl+Enter)")}
            >
              {t("Run block")}
            </button>
            <Show when={busy()}>
              <button
                type="button"
                class="danger"
                onClick={() =>
                  inBrowser()
                    ? browser.interrupt()
                    : socket.send({ t: "interrupt", doc: id() }) && setKernelNote(t("Interrupting…"))
                }
              >
                {t("Interrupt")}
              </button>
            </Show>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                inBrowser()
                  ? browser.restart()
                  : socket.send({ t: "restart", doc: id() }) && setKernelNote(t("Restarting…"))
              }
              title={t("Start a fresh Python kernel: variables are cleared")}
            >
              {t("Restart")}
            </button>
          </Show>
          <Show
            when={inBrowser()}
            fallback={
              <span
                class="kernel-state"
                data-testid="kernel-status"
                data-status={kernel()?.status ?? "unknown"}
                role="status"
                title={kernel()?.message ?? t("The Python kernel of this document")}
              >
                {kernelLabel(kernel())}
                <Show when={kernel() && kernel()!.counter > 0}> · [{kernel()!.counter}]</Show>
              </span>
            }
          >
            <span
              class="kernel-state"
              data-testid="kernel-status"
              data-runtime="browser"
              data-status={browser.state()}
              role="status"
              title={t("Python in this browser: its outputs are shown only to you and are not stored")}
            >
              {browserKernelLabel(browser.state(), browser.detail())}
              <Show when={browser.counter() > 0}> · [{browser.counter()}]</Show>
            </span>
          </Show>
          <div class="export-menu">
            <button
              type="button"
              class="secondary"
              aria-haspopup="menu"
              aria-expanded={exportOpen()}
              onClick={() => setExportOpen(!exportOpen())}
            >
              {t("Export")}
            </button>
            <Show when={exportOpen()}>
              {/* biome-ignore lint/a11y/useKeyWithClickEvents: the click is any menu item's (each a link or button of its own) closing the menu */}
              <div class="export-menu-list" role="menu" onClick={() => setExportOpen(false)}>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=pymd`} download="">
                  {t("PyMD source (.pymd)")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/archive`} download="">
                  {t("PyMD with its files (.zip)")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=ipynb`} download="">
                  {t("Jupyter notebook (.ipynb, last outputs)")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=html`} download="">
                  {t("HTML page (last outputs)")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=md`} download="">
                  {t("Markdown (last outputs)")}
                </a>
                <a
                  role="menuitem"
                  href={`/api/v1/documents/${id()}/export?format=pdf`}
                  download=""
                  data-testid="export-pdf"
                >
                  {t("PDF, A4 (last outputs)")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=pdf&paper=letter`} download="">
                  {t("PDF, US Letter (last outputs)")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=html&comments=1`} download="">
                  {t("HTML page with the comments")}
                </a>
                <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=md&comments=1`} download="">
                  {t("Markdown with the comments")}
                </a>
                <Show when={canRun()}>
                  <a role="menuitem" href={`/api/v1/documents/${id()}/export?format=html&rerun=1`} download="">
                    {t("HTML page (re-run, then export)")}
                  </a>
                </Show>
                <button
                  type="button"
                  role="menuitem"
                  class="link-button"
                  onClick={() => {
                    setMode("preview");
                    setTimeout(() => print(), 50);
                  }}
                >
                  {t("Print (the browser's own PDF)")}
                </button>
              </div>
            </Show>
          </div>
          <button
            type="button"
            class="secondary"
            aria-pressed={filesOpen()}
            onClick={() => setFilesOpen(!filesOpen())}
            data-testid="files-button"
          >
            {t("Files")}
          </button>
          <button
            type="button"
            class="secondary"
            aria-pressed={historyOpen()}
            onClick={() => setHistoryOpen(!historyOpen())}
          >
            {t("History")}
          </button>
          <button
            type="button"
            class="secondary"
            aria-pressed={commentsOpen()}
            onClick={() => setCommentsOpen(!commentsOpen())}
            data-testid="comments-button"
          >
            {commentCount() ? t("Comments ({n})", { n: formatNumber(commentCount()!) }) : t("Comments")}
          </button>
          <Show when={terminalOk()}>
            <button
              type="button"
              class="secondary"
              aria-pressed={terminal() === "shown"}
              onClick={() => setTerminal(terminal() === "shown" ? "hidden" : "shown")}
              data-testid="terminal-button"
            >
              {t("Terminal")}
            </button>
          </Show>
          <Show when={doc()?.role === "owner"}>
            <button type="button" class="secondary" onClick={() => setShareOpen(true)}>
              {t("Share")}
            </button>
          </Show>
          <button
            type="button"
            class="secondary"
            aria-pressed={fullscreen()}
            onClick={() => setFullscreen(!fullscreen())}
            title={t("Fullscreen (Esc leaves)")}
          >
            {fullscreen() ? t("Exit fullscreen") : t("Fullscreen")}
          </button>
          {/* biome-ignore lint/a11y/useSemanticElements: a row of avatars in the toolbar, not a form group */}
          <span class="people" data-testid="people" role="group" aria-label={t("Who else is here")}>
            <For each={people()}>
              {(p) => (
                <span
                  class="person"
                  style={{ "background-color": p.user.colour }}
                  title={
                    p.user.name && p.user.name !== p.user.username
                      ? `${p.user.name} (${p.user.username})`
                      : p.user.username
                  }
                >
                  {[...(p.user.name || p.user.username)].slice(0, 2).join("").toUpperCase()}
                </span>
              )}
            </For>
          </span>
          <span class={`conn conn-${socket.state()}`} data-testid="connection" title={t("Connection to the server")}>
            {socket.state() === "online"
              ? `● ${t("live")}`
              : socket.state() === "connecting"
                ? `○ ${t("connecting")}`
                : `○ ${t("offline")}`}
          </span>
        </header>
        <Show when={notice() || kernelNote() || problems().length > 0 || running() || executionOff()}>
          <div class="notices">
            <Show when={executionOff() && !inBrowser()}>
              <p class="notice execution-off" role="status" data-testid="execution-off">
                <strong>{t("Code execution is off on this server.")}</strong>{" "}
                {t("You can write and share notebooks, but blocks cannot run.")} {executionOff()}
                <Show when={browser.available()}>
                  {" "}
                  {t("Choose “Run in this browser” to run them with Python in your browser instead.")}
                </Show>
              </p>
            </Show>
            <Show when={running()}>
              <p class="notice" role="status">
                {running()!.by !== "someone"
                  ? t("Running (started by {name})…", { name: running()!.by })
                  : t("Running…")}
              </p>
            </Show>
            <Show when={kernelNote()}>
              <p class="notice kernel-note" role="status" data-testid="kernel-note">
                {kernelNote()}{" "}
                <button type="button" class="link-button" onClick={() => setKernelNote(null)} aria-label={t("Dismiss")}>
                  ✕
                </button>
              </p>
            </Show>
            <Show when={notice()}>
              <p class="notice" role="alert">
                {notice()}{" "}
                <button type="button" class="link-button" onClick={() => setNotice(null)} aria-label={t("Dismiss")}>
                  ✕
                </button>
              </p>
            </Show>
            <For each={problems()}>
              {(p) => (
                <p class="notice problem">
                  <button type="button" class="link-button" onClick={() => jumpTo(p.line)}>
                    {t("Line {n}", { n: p.line })}
                  </button>
                  : {p.message}
                </p>
              )}
            </For>
          </div>
        </Show>
        <div class="editor-body">
          <Show when={outlineOpen() && mode() !== "preview"}>
            <nav class="outline" aria-label={t("Outline")}>
              <div class="outline-head">
                <strong>{t("Outline")}</strong>
                <button
                  type="button"
                  class="link-button"
                  onClick={() => setOutlineOpen(false)}
                  aria-label={t("Hide outline")}
                >
                  ✕
                </button>
              </div>
              <Show when={outline().length > 0} fallback={<p class="muted small">{t("Headings appear here.")}</p>}>
                <ul>
                  <For each={outline()}>
                    {(h) => (
                      <li style={{ "padding-left": `${(h.level - 1) * 0.8}rem` }}>
                        <button type="button" class="link-button" onClick={() => jumpTo(h.line)}>
                          {h.text}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <Show when={outlineState.legacy && outline().length > 0}>
                <p class="muted small" data-testid="legacy-headings">
                  {withParts(
                    t(
                      "Legacy heading mode: this document has no {heading} heading, so short single-{hash} title lines are headings. Add one {title} to switch to plain Markdown.",
                    ),
                    {
                      heading: <code># #</code>,
                      hash: <code>#</code>,
                      title: <code># # Title</code>,
                    },
                  )}
                </p>
              </Show>
            </nav>
          </Show>
          <Show when={!outlineOpen() && mode() !== "preview"}>
            <button
              type="button"
              class="outline-toggle secondary"
              onClick={() => setOutlineOpen(true)}
              aria-label={t("Show outline")}
            >
              ☰
            </button>
          </Show>
          {/* biome-ignore lint/a11y/noStaticElementInteractions: the editor's drop and paste target; the editor inside it takes the keyboard */}
          <div
            class="source-pane"
            ref={editorHost}
            onPaste={(e) => void pasteImages(e, e.clipboardData?.files)}
            onDrop={(e) => void pasteImages(e, e.dataTransfer?.files)}
          />
          <PreviewPane
            blocks={() => preview.blocks}
            cells={shownCells}
            canRun={canRun()}
            onRunBlock={(b) => void run("block", b)}
            onComment={doc() && doc()!.role !== "viewer" ? commentOnBlock : undefined}
            comments={commentLines}
            onOpenThread={(threadId) => {
              setCommentsOpen(true);
              setCommentFocus(null);
              setCommentFocus(threadId);
            }}
            ref={(el) => (previewEl = el)}
          />
        </div>
        <Show when={filesOpen()}>
          <FilesPanel
            docId={id()}
            canChange={canEdit()}
            version={filesVersion}
            onClose={() => setFilesOpen(false)}
            onNotice={(m) => setNotice(m)}
          />
        </Show>
        <Show when={terminal() !== "closed" && terminalOk()}>
          <TerminalPanel
            docId={id()}
            visible={terminal() === "shown"}
            onHide={() => setTerminal("hidden")}
            onEnded={() => setTerminal("closed")}
          />
        </Show>
        <Show when={commentsOpen() && doc()}>
          <CommentsPanel
            docId={id()}
            me={session.user()?.username ?? ""}
            canComment={doc()!.role !== "viewer"}
            isOwner={doc()!.role === "owner"}
            view={editorView}
            collab={() => collab}
            socket={socket}
            focus={commentFocus}
            request={commentRequest}
            onThreads={setThreads}
            onSelected={setSelectedThread}
            onClose={() => setCommentsOpen(false)}
          />
        </Show>
        <Show when={historyOpen()}>
          <HistoryPanel
            docId={id()}
            canRestore={canEdit()}
            onClose={() => setHistoryOpen(false)}
            onRestored={() => setNotice(t("Restored as a new change: everyone's later work stays in the history."))}
          />
        </Show>
        <Show when={shareOpen() && doc()}>
          <ShareDialog doc={doc()!} onClose={() => setShareOpen(false)} onChanged={(d) => setDoc(d)} />
        </Show>
      </Show>
    </div>
  );
}
