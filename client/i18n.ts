// The interface's words: English in the code, other languages in catalogues keyed by the English
// text. `t("Hello {name}", { name })` answers the current language's text with the values put in
// (English where a catalogue lacks an entry); dates and numbers go through Intl in that language.
// The language is the user's setting, or the browser's when it says "auto".
import { createSignal } from "solid-js";
import { ZH_TW } from "./i18n-zh-tw.ts";

export type Language = "en" | "zh-TW";
export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", "zh-TW": "繁體中文（台灣）" };
const CATALOGUES: Record<Language, Record<string, string>> = { en: {}, "zh-TW": ZH_TW };

/** The language for a setting: "auto" takes the first of the browser's languages pymd speaks. */
export function resolveLanguage(
  setting: string,
  browser: readonly string[] = (typeof navigator === "undefined" ? undefined : navigator.languages) ?? [],
): Language {
  if (setting === "en" || setting === "zh-TW") return setting;
  for (const l of browser) {
    const tag = l.toLowerCase();
    if (tag.startsWith("en")) return "en";
    // pymd has Traditional Chinese only: zh-TW, zh-HK, zh-Hant, and plain zh
    if (
      tag === "zh" ||
      tag.startsWith("zh-tw") ||
      tag.startsWith("zh-hk") ||
      tag.startsWith("zh-mo") ||
      tag.startsWith("zh-hant")
    )
      return "zh-TW";
  }
  return "en";
}

const [language, setLanguageSignal] = createSignal<Language>(resolveLanguage("auto"));
export { language };

export function setLanguage(l: Language): void {
  setLanguageSignal(l);
  if (typeof document !== "undefined") document.documentElement.lang = l;
}

/**
 * The text in the current language, with `{name}` placeholders filled in. A key may start with
 * a context in brackets where one English word needs two translations ("[role]Editor"); the
 * English is the key without it.
 */
export function t(english: string, values?: Record<string, string | number>): string {
  const text =
    CATALOGUES[language()][english] ?? (english.startsWith("[") ? english.slice(english.indexOf("]") + 1) : english);
  return values ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m)) : text;
}

/** A date and time as people of the current language write it. */
export function formatDateTime(iso: string | number | Date): string {
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatDate(iso: string | number | Date): string {
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium" }).format(new Date(iso));
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(language()).format(n);
}
