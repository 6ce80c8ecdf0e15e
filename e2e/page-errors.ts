// Fails a test whose page logged an error or threw, except errors the test says it expects.
import { expect, test } from "@playwright/test";

/** Registers the hooks; push patterns onto `allowed` inside a test for errors it provokes on purpose. */
export function failOnPageErrors(): { allowed: RegExp[] } {
  const state = { allowed: [] as RegExp[] };
  let errors: string[] = [];
  test.beforeEach(async ({ page }) => {
    errors = [];
    state.allowed.length = 0;
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
  });
  test.afterEach(() => {
    expect(errors.filter((e) => !state.allowed.some((a) => a.test(e)))).toEqual([]);
  });
  return state;
}

/** A short name no other run will have used. */
export function uid(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
