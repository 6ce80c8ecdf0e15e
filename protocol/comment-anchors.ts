// Where a comment's anchor is in a text: two Automerge cursors, at the first and at the last
// character of the commented range, resolved the same way by the server and by the browser's copy.

/** An Automerge text cursor: counter@actor. */
export const CURSOR_PATTERN = /^\d{1,15}@[0-9a-f]{2,64}$/;

export interface Anchor {
  start: string;
  last: string;
}

/** The three questions an Automerge text answers about cursors. */
export interface TextCursors {
  length: number;
  /** The index a cursor stands at now, or null for one this text does not know. */
  position(cursor: string): number | null;
  /** The cursor of the character at an index. */
  cursorAt(index: number): string;
}

/**
 * The range [from, to) an anchor covers now: empty (from === to) where all its text was deleted,
 * null where a cursor is unknown. A deleted character's cursor stands where the next remaining
 * one is: for the first character that is the new start; for the last it is already the end.
 */
export function anchorRange(text: TextCursors, a: Anchor): { from: number; to: number } | null {
  if (!CURSOR_PATTERN.test(a.start) || !CURSOR_PATTERN.test(a.last)) return null;
  const from = text.position(a.start);
  const last = text.position(a.last);
  if (from === null || last === null) return null;
  const lastHere = last < text.length && text.cursorAt(last) === a.last;
  const to = lastHere ? last + 1 : last;
  return to > from ? { from, to } : { from, to: from };
}

/** TextCursors over an Automerge text, from its getCursorPosition and getCursor (an unknown cursor throws: null). */
export function automergeCursors(
  length: number,
  position: (cursor: string) => number,
  cursorAt: (index: number) => string,
): TextCursors {
  return {
    length,
    position: (c) => {
      try {
        return position(c);
      } catch {
        return null;
      }
    },
    cursorAt,
  };
}
