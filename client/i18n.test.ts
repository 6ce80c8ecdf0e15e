// The second language is complete for the texts the pages pass to t(): each has a Traditional
// Chinese entry with the same {placeholders}, and no entry is left over that nothing uses. And
// the language a setting or a browser asks for.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveLanguage, setLanguage, t } from "./i18n.ts";
import { ZH_TW } from "./i18n-zh-tw.ts";

const dir = import.meta.dir;
/** Every literal passed to t() in the client's sources (and the theme labels, translated where shown). */
function usedTexts(): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (!/\.tsx?$/.test(f) || f.startsWith("i18n") || f.endsWith(".test.ts")) continue;
    const src = readFileSync(join(dir, f), "utf8");
    for (const m of src.matchAll(/\bt\(\s*"((?:[^"\\]|\\.)*)"/g)) out.add(JSON.parse(`"${m[1]}"`));
    if (f === "settings-page.tsx") for (const m of src.matchAll(/label: "([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("languages", () => {
  test("every text the pages show through t() is in Traditional Chinese, with the same placeholders", () => {
    const used = usedTexts();
    expect(used.size).toBeGreaterThan(90);
    const missing = [...used].filter((k) => !(k in ZH_TW));
    expect(missing).toEqual([]);
    for (const k of used) expect(placeholders(ZH_TW[k]!)).toEqual(placeholders(k));
    const unused = Object.keys(ZH_TW).filter((k) => !used.has(k));
    expect(unused).toEqual([]);
  });

  test("t() fills placeholders in the chosen language, and falls back to English", () => {
    setLanguage("zh-TW");
    expect(t("Sign in with {name}", { name: "Team SSO" })).toBe("使用 Team SSO 登入");
    expect(t("A text no catalogue has")).toBe("A text no catalogue has");
    setLanguage("en");
    expect(t("Sign in with {name}", { name: "Team SSO" })).toBe("Sign in with Team SSO");
  });

  test("the setting wins; auto takes the browser's first language pymd speaks", () => {
    expect(resolveLanguage("zh-TW", ["en-US"])).toBe("zh-TW");
    expect(resolveLanguage("en", ["zh-TW"])).toBe("en");
    expect(resolveLanguage("auto", ["zh-TW", "en"])).toBe("zh-TW");
    expect(resolveLanguage("auto", ["fr-FR", "zh-Hant-HK"])).toBe("zh-TW");
    expect(resolveLanguage("auto", ["fr-FR", "de"])).toBe("en");
    expect(resolveLanguage("auto", ["en-GB", "zh-TW"])).toBe("en");
  });
});
