// Unsaved editor text kept in this browser (localStorage) until the server has it, so a reload,
// a closed tab or a dropped connection never loses typing.

const key = (id: string) => `pymd:draft:${id}`;

export interface Draft {
  text: string;
  /** The document's updatedAt when the draft was typed on top of it. */
  base: string;
  savedAt: number;
}

export function saveDraft(id: string, text: string, base: string): void {
  try {
    localStorage.setItem(key(id), JSON.stringify({ text, base, savedAt: Date.now() } satisfies Draft));
  } catch {
    // Storage full or disabled: the autosave still runs, only the offline safety net is missing.
  }
}

export function loadDraft(id: string): Draft | null {
  try {
    const raw = localStorage.getItem(key(id));
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    return typeof d.text === "string" ? d : null;
  } catch {
    return null;
  }
}

export function clearDraft(id: string): void {
  try {
    localStorage.removeItem(key(id));
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}
