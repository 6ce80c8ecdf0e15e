// Unsaved editor text kept in this browser (localStorage) until the server has it, so a reload,
// a closed tab or a dropped connection never loses typing.

const PREFIX = "pymd:draft:";
const key = (id: string) => `${PREFIX}${id}`;

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

/** Removes every document's draft. */
export function clearAllDrafts(): void {
  try {
    const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)).filter(
      (k): k is string => k?.startsWith(PREFIX) ?? false,
    );
    for (const k of keys) localStorage.removeItem(k);
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}

export function clearDraft(id: string): void {
  try {
    localStorage.removeItem(key(id));
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}
