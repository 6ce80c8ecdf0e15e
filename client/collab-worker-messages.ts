// What the page and its collaboration worker say to each other. The worker owns the document's
// Automerge copy; the page owns the text in the editor. Text changes travel as CodeMirror change
// sets (JSON) numbered by a version both sides count, so edits crossing in flight are rebased,
// never applied at the wrong place.
import type { ChangeSetJson } from "./collab-text-changes.ts";
import type { Anchor } from "../protocol/comment-anchors.ts";

export type ToWorker =
  /** Opens the document: its offline copy first, then a sync with the server. */
  | { t: "open"; docId: string; wasmUrl: string; online: boolean }
  /** A binary frame the server sent for this document. */
  | { t: "frame"; frame: Uint8Array }
  /** The socket (re)connected: a new sync conversation starts. */
  | { t: "online" }
  /**
   * A local edit, made on the text at `version`; ids count up from 1 with each edit. The worker
   * applies it only when its text is at that version and the edit before it was applied;
   * otherwise a remote change came first, and the page sends it again rebased.
   */
  | { t: "local"; id: number; version: number; changes: ChangeSetJson }
  /** Anchor cursors for [from, to) of the text at `version` (answered "cursors"). */
  | { t: "cursors"; req: number; version: number; from: number; to: number }
  /** Where comment anchors are in the text (answered "ranges"). */
  | { t: "ranges"; req: number; anchors: Anchor[] }
  /** Stores the offline copy now and stops. */
  | { t: "close" }
  /** Deletes the offline copy (after any save already under way) and stops, storing nothing more. */
  | { t: "forget" };

export type FromWorker =
  /** The text as the worker's version 0 (from the offline copy, the server's snapshot or the first sync). */
  | { t: "loaded"; text: string }
  /** Changes at the worker's next versions, in order: a local edit it applied, or a remote change. */
  | { t: "updates"; updates: ({ local: number } | { remote: ChangeSetJson })[] }
  /** The worker is running and has asked the server for the document. */
  | { t: "started" }
  /** The server answered (a first frame arrived): loading may take a while now, but it is under way. */
  | { t: "heard" }
  /** A frame to send to the server. */
  | { t: "send"; frame: Uint8Array }
  /** Whether the server has stored every change the worker holds, after the local edits up to `upTo`. */
  | { t: "ack"; acknowledged: boolean; upTo: number }
  /** Cursors for a range, or null when the text moved past that version meanwhile. */
  | { t: "cursors"; req: number; anchor: Anchor | null }
  /** Anchors' ranges in the text at the worker's `version` (null: a cursor it does not know). */
  | { t: "ranges"; req: number; version: number; ranges: ({ from: number; to: number } | null)[] }
  /** The document could not be opened or synced. */
  | { t: "failed"; message: string }
  /** After close or forget: the copy is stored (or deleted) and the worker stops. */
  | { t: "closed" };
