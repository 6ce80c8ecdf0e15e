// A document's comments beside the editor: threads on ranges of the text, marked in the editor,
// with replies, editing and deleting one's own, resolving and reopening, and @mentions completed
// from the people who can read the document. Live: a change anyone makes arrives as a "comments"
// frame and the list and the marks follow.
import { createEffect, createResource, createSignal, For, on, onCleanup, onMount, Show, type Accessor } from "solid-js";
import type { EditorView } from "@codemirror/view";
import type { CommentJson, CommentThreadJson } from "../protocol/api-types.ts";
import type { ServerMessage } from "../protocol/ws-messages.ts";
import { api } from "./api.ts";
import type { CollabDocument } from "./collab-document.ts";
import { formatDateTime, formatNumber, t } from "./i18n.ts";
import type { NotebookSocket } from "./notebook-socket.ts";
import { showToast } from "./toast.tsx";

interface Person {
  username: string;
  name: string;
}

export interface CommentsPanelProps {
  docId: string;
  me: string;
  canComment: boolean;
  isOwner: boolean;
  view: Accessor<EditorView | null>;
  collab: Accessor<CollabDocument | null>;
  socket: NotebookSocket;
  /** The thread to show first (from the address's #comment-ID, or a click on marked text). */
  focus: Accessor<string | null>;
  /** A range to start a comment on (a block from the preview). */
  request?: Accessor<{ from: number; to: number } | null>;
  /** Every list the panel reads, and the thread it shows selected: the editor page marks them. */
  onThreads(threads: CommentThreadJson[]): void;
  onSelected(id: string | null): void;
  onClose(): void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A textarea that offers the document's people when the word being typed starts with @. */
function MentionInput(props: {
  value: Accessor<string>;
  onInput: (v: string) => void;
  people: Accessor<Person[]>;
  label: string;
  placeholder?: string;
  onSubmit: () => void;
  autofocus?: boolean;
}) {
  let el!: HTMLTextAreaElement;
  const [query, setQuery] = createSignal<string | null>(null);
  const [pick, setPick] = createSignal(0);
  const matches = () => {
    const q = query();
    if (q === null) return [];
    const l = q.toLowerCase();
    return props
      .people()
      .filter((p) => p.username.toLowerCase().startsWith(l) || p.name.toLowerCase().startsWith(l))
      .slice(0, 8);
  };
  const update = () => {
    const before = el.value.slice(0, el.selectionStart);
    const m = /(^|[\s(])@([\w.-]*)$/.exec(before);
    setQuery(m ? m[2]! : null);
    setPick(0);
  };
  const choose = (p: Person) => {
    const caret = el.selectionStart;
    const before = el.value.slice(0, caret).replace(/@[\w.-]*$/, `@${p.username} `);
    const v = before + el.value.slice(caret);
    props.onInput(v);
    el.value = v;
    el.setSelectionRange(before.length, before.length);
    setQuery(null);
    el.focus();
  };
  onMount(() => props.autofocus && el.focus());
  return (
    <div class="mention-input">
      <textarea
        ref={el}
        rows={3}
        aria-label={props.label}
        placeholder={props.placeholder}
        value={props.value()}
        onInput={(e) => {
          props.onInput(e.currentTarget.value);
          update();
        }}
        onClick={update}
        onKeyDown={(e) => {
          const list = matches();
          if (list.length && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
            e.preventDefault();
            setPick((pick() + (e.key === "ArrowDown" ? 1 : list.length - 1)) % list.length);
          } else if (list.length && (e.key === "Enter" || e.key === "Tab") && !e.shiftKey) {
            e.preventDefault();
            choose(list[pick()]!);
          } else if (e.key === "Escape" && query() !== null) {
            e.stopPropagation();
            setQuery(null);
          } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            props.onSubmit();
          }
        }}
      />
      <Show when={matches().length > 0}>
        {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the ARIA listbox pattern; the textarea drives it with the arrow keys */}
        <ul class="mention-list" role="listbox" aria-label={t("People to mention")}>
          <For each={matches()}>
            {(p, i) => (
              // biome-ignore lint/a11y/useFocusableInteractive: an option of the listbox above, chosen from the textarea (focus stays there)
              <li
                // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an option of the ARIA listbox above
                role="option"
                aria-selected={i() === pick()}
                classList={{ picked: i() === pick() }}
                onMouseDown={(e) => (e.preventDefault(), choose(p))}
              >
                <strong>@{p.username}</strong> <span class="muted">{p.name !== p.username ? p.name : ""}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

/** A comment's text with its @mentions marked. */
function Body(props: { text: string }) {
  const parts = () => props.text.split(/(@[a-zA-Z0-9][a-zA-Z0-9_.-]{0,31})/g);
  return (
    <p class="comment-body">
      <For each={parts()}>{(p) => (p.startsWith("@") ? <span class="mention">{p}</span> : p)}</For>
    </p>
  );
}

export function CommentsPanel(props: CommentsPanelProps) {
  const path = () => `/api/v1/documents/${props.docId}/comments`;
  const [list, { refetch }] = createResource(
    () => props.docId,
    () => api<{ threads: CommentThreadJson[] }>("GET", path()),
  );
  const [people] = createResource(
    () => props.docId,
    () => api<{ users: Person[] }>("GET", `${path()}/people`).catch(() => ({ users: [] })),
  );
  const [draft, setDraft] = createSignal<{ from: number; to: number; quote: string } | null>(null);
  const [draftText, setDraftText] = createSignal("");
  const [selected, setSelected] = createSignal<string | null>(props.focus());
  const [busy, setBusy] = createSignal(false);
  const threads = () => list()?.threads ?? [];
  const open = () => threads().filter((x) => !x.resolved);
  const resolved = () => threads().filter((x) => x.resolved);

  const reload = () => refetch();
  // every new list goes to the editor page: the count beside the button, and the marks
  createEffect(on(list, (l) => l && props.onThreads(l.threads)));
  createEffect(on(selected, (id) => props.onSelected(id)));
  const off = props.socket.on((m: ServerMessage) => {
    if (m.t === "comments" && m.doc === props.docId) void reload();
  });
  const onKey = (e: KeyboardEvent) => e.key === "Escape" && !draft() && props.onClose();
  onMount(() => addEventListener("keydown", onKey));
  onCleanup(() => {
    off();
    removeEventListener("keydown", onKey);
    props.onSelected(null);
  });

  // a thread asked for from outside (a link, a click on marked text) is selected and shown
  const focusThread = (id: string | null) => {
    setSelected(id);
    if (id) queueMicrotask(() => document.getElementById(`comment-${id}`)?.scrollIntoView({ block: "nearest" }));
  };
  createEffect(on(props.focus, (f) => f && focusThread(f), { defer: true }));
  createEffect(
    on(
      () => props.request?.(),
      (r) => {
        const view = props.view();
        if (!r || !view || !props.canComment) return;
        const to = Math.min(r.to, view.state.doc.length);
        if (to > r.from) setDraft({ from: r.from, to, quote: view.state.sliceDoc(r.from, Math.min(to, r.from + 200)) });
      },
    ),
  );

  const startDraft = () => {
    const view = props.view();
    const sel = view?.state.selection.main;
    if (!view || !sel || sel.empty) {
      showToast({ message: t("Select the text to comment on first."), tone: "error" });
      return;
    }
    setDraft({ from: sel.from, to: sel.to, quote: view.state.sliceDoc(sel.from, Math.min(sel.to, sel.from + 200)) });
  };

  const submitDraft = async () => {
    const d = draft();
    const body = draftText().trim();
    if (!d || !body || busy()) return;
    setBusy(true);
    try {
      const c = props.collab();
      const anchor = c?.live() ? await c.anchorFor(d.from, d.to) : { from: d.from, to: d.to };
      if (!anchor) throw new Error(t("Your latest edits have not reached the server yet; try again."));
      const thread = await api<CommentThreadJson>("POST", path(), { anchor, body });
      setDraft(null);
      setDraftText("");
      setSelected(thread.id);
      await reload();
    } catch (e) {
      showToast({ message: t("Not commented: {error}", { error: message(e) }), tone: "error" });
    } finally {
      setBusy(false);
    }
  };

  const act = async (what: () => Promise<unknown>) => {
    try {
      await what();
      await reload();
      return true;
    } catch (e) {
      showToast({ message: message(e), tone: "error" });
      return false;
    }
  };

  const goTo = async (x: CommentThreadJson) => {
    focusThread(x.id);
    const view = props.view();
    const c = props.collab();
    const r = ((c && (await c.rangesOf([x.anchor]))) ?? [x.range])[0];
    if (!view || !r) return;
    view.dispatch({ selection: { anchor: r.from, head: r.to }, scrollIntoView: true });
  };

  function Comment(p: { thread: CommentThreadJson; c: CommentJson }) {
    const [editing, setEditing] = createSignal(false);
    const [text, setText] = createSignal(p.c.body);
    const mine = () => p.c.author?.username === props.me;
    const save = async () => {
      if (await act(() => api("PATCH", `${path()}/${p.thread.id}/replies/${p.c.id}`, { body: text() })))
        setEditing(false);
    };
    return (
      <li class="comment" data-testid="comment">
        <div class="comment-meta">
          <strong>{p.c.author?.name ?? t("A deleted account")}</strong>
          <span class="muted small">
            {formatDateTime(p.c.createdAt)}
            {p.c.editedAt ? ` · ${t("edited")}` : ""}
          </span>
        </div>
        <Show when={editing()} fallback={<Body text={p.c.body} />}>
          <MentionInput
            value={text}
            onInput={setText}
            people={() => people()?.users ?? []}
            label={t("Edit your comment")}
            onSubmit={() => void save()}
            autofocus
          />
          <div class="comment-actions">
            <button type="button" onClick={() => void save()}>
              {t("Save")}
            </button>
            <button type="button" class="secondary" onClick={() => (setEditing(false), setText(p.c.body))}>
              {t("Cancel")}
            </button>
          </div>
        </Show>
        <Show when={props.canComment && !editing() && (mine() || props.isOwner)}>
          <div class="comment-actions">
            <Show when={mine()}>
              <button type="button" class="link-button" onClick={() => setEditing(true)}>
                {t("Edit")}
              </button>
            </Show>
            <button
              type="button"
              class="link-button"
              onClick={() =>
                confirm(t("Delete this comment?")) &&
                void act(() => api("DELETE", `${path()}/${p.thread.id}/replies/${p.c.id}`))
              }
            >
              {t("Delete")}
            </button>
          </div>
        </Show>
      </li>
    );
  }

  function Thread(p: { thread: CommentThreadJson }) {
    const [reply, setReply] = createSignal("");
    const send = async () => {
      if (!reply().trim()) return;
      if (await act(() => api("POST", `${path()}/${p.thread.id}/replies`, { body: reply() }))) setReply("");
    };
    return (
      <li
        class="thread"
        id={`comment-${p.thread.id}`}
        data-testid="comment-thread"
        classList={{ selected: selected() === p.thread.id, resolved: p.thread.resolved !== null }}
      >
        <button
          type="button"
          class="thread-quote link-button"
          onClick={() => void goTo(p.thread)}
          title={t("Show in the text")}
        >
          <Show when={p.thread.onDeletedText} fallback={<q>{p.thread.quote}</q>}>
            <span class="badge" data-testid="on-deleted-text">
              {t("On deleted text")}
            </span>{" "}
            <q class="deleted-quote">{p.thread.quote}</q>
          </Show>
        </button>
        <ol class="comment-list">
          <For each={p.thread.comments}>{(c) => <Comment thread={p.thread} c={c} />}</For>
        </ol>
        <Show when={p.thread.resolved}>
          {(r) => (
            <p class="muted small">
              {t("Resolved by {name} {time}", { name: r().by ?? t("someone"), time: formatDateTime(r().at) })}
            </p>
          )}
        </Show>
        <Show when={props.canComment}>
          <Show when={!p.thread.resolved}>
            <MentionInput
              value={reply}
              onInput={setReply}
              people={() => people()?.users ?? []}
              label={t("Reply")}
              placeholder={t("Reply… (@ to mention)")}
              onSubmit={() => void send()}
            />
          </Show>
          <div class="comment-actions">
            <Show when={!p.thread.resolved}>
              <button type="button" onClick={() => void send()} disabled={!reply().trim()}>
                {t("Reply")}
              </button>
            </Show>
            <button
              type="button"
              class="secondary"
              onClick={() => void act(() => api("PATCH", `${path()}/${p.thread.id}`, { resolved: !p.thread.resolved }))}
            >
              {p.thread.resolved ? t("Reopen") : t("Resolve")}
            </button>
          </div>
        </Show>
      </li>
    );
  }

  return (
    <aside class="comments-panel" aria-label={t("Comments")} data-testid="comments">
      <div class="history-head">
        <h2>{t("Comments")}</h2>
        <button type="button" class="link-button" onClick={() => props.onClose()} aria-label={t("Close comments")}>
          ✕
        </button>
      </div>
      <Show when={props.canComment}>
        <Show
          when={draft()}
          fallback={
            <button type="button" class="comment-start" onClick={startDraft} onMouseDown={(e) => e.preventDefault()}>
              {t("Comment on the selection")}
            </button>
          }
        >
          {(d) => (
            <form
              class="comment-draft"
              onSubmit={(e) => {
                e.preventDefault();
                void submitDraft();
              }}
            >
              <p class="muted small">
                {t("Commenting on:")} <q>{d().quote}</q>
              </p>
              <MentionInput
                value={draftText}
                onInput={setDraftText}
                people={() => people()?.users ?? []}
                label={t("Your comment")}
                placeholder={t("Comment… (@ to mention)")}
                onSubmit={() => void submitDraft()}
                autofocus
              />
              <div class="comment-actions">
                <button type="submit" disabled={busy() || !draftText().trim()}>
                  {t("Comment")}
                </button>
                <button type="button" class="secondary" onClick={() => (setDraft(null), setDraftText(""))}>
                  {t("Cancel")}
                </button>
              </div>
            </form>
          )}
        </Show>
      </Show>
      <Show when={!props.canComment}>
        <p class="muted small">{t("You can read the comments; the owner can let you write them.")}</p>
      </Show>
      <Show when={!list.loading || list()} fallback={<p class="muted">{t("Loading…")}</p>}>
        <Show when={list.error}>
          <p role="alert" class="error">
            {message(list.error)}
          </p>
        </Show>
        <ol class="thread-list" aria-label={t("Open threads")}>
          <For each={open()} fallback={<li class="muted">{t("No open comments.")}</li>}>
            {(x) => <Thread thread={x} />}
          </For>
        </ol>
        <Show when={resolved().length > 0}>
          <details class="resolved-threads">
            <summary>{t("Resolved ({n})", { n: formatNumber(resolved().length) })}</summary>
            <ol class="thread-list">
              <For each={resolved()}>{(x) => <Thread thread={x} />}</For>
            </ol>
          </details>
        </Show>
      </Show>
    </aside>
  );
}
