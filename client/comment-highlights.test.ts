// Comment marks in the editor's state: set from the threads' ranges, mapped through every edit
// after that (typing before, inside and over the marked text), clamped to the document, and read
// back by thread for the preview's markers.
import { describe, expect, test } from "bun:test";
import { EditorState } from "@codemirror/state";
import { commentHighlights, commentRangesIn, setCommentMarks } from "./comment-highlights.ts";

const start = (doc: string) => EditorState.create({ doc, extensions: [commentHighlights(() => {})] });

describe("comment marks", () => {
  test("follow their text through edits before, inside and over it", () => {
    let s = start("# Title\n# The middle line.\n# The end.\n");
    s = s.update({ effects: setCommentMarks.of([{ id: "t1", from: 10, to: 26, active: false }]) }).state;
    expect(commentRangesIn(s)).toEqual([{ id: "t1", from: 10, to: 26 }]);
    expect(s.sliceDoc(10, 26)).toBe("The middle line.");
    // a line typed above moves the mark with its text
    s = s.update({ changes: { from: 0, insert: "# New line\n" } }).state;
    const [moved] = commentRangesIn(s);
    expect(s.sliceDoc(moved!.from, moved!.to)).toBe("The middle line.");
    // a word typed inside widens it
    s = s.update({ changes: { from: moved!.from + 4, insert: "very " } }).state;
    const [wider] = commentRangesIn(s);
    expect(s.sliceDoc(wider!.from, wider!.to)).toBe("The very middle line.");
    // the marked text deleted: no mark is left
    s = s.update({ changes: { from: wider!.from, to: wider!.to } }).state;
    expect(commentRangesIn(s)).toEqual([]);
  });

  test("a new set replaces the old one; ranges past the end are clamped, empty ones dropped", () => {
    let s = start("short text");
    s = s.update({ effects: setCommentMarks.of([{ id: "a", from: 0, to: 5, active: true }]) }).state;
    s = s.update({
      effects: setCommentMarks.of([
        { id: "b", from: 6, to: 400, active: false },
        { id: "c", from: 3, to: 3, active: false },
      ]),
    }).state;
    expect(commentRangesIn(s)).toEqual([{ id: "b", from: 6, to: 10 }]);
  });

  test("without the extension there are no marks to read", () => {
    expect(commentRangesIn(EditorState.create({ doc: "x" }))).toEqual([]);
  });
});
