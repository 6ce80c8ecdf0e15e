// The two fields of a new password (typed twice), for changing one's password and for setting it
// from a one-time link.
import type { Accessor } from "solid-js";
import { t } from "./i18n.ts";

export function NewPasswordFields(props: {
  password: Accessor<string>;
  onPassword: (v: string) => void;
  again: Accessor<string>;
  onAgain: (v: string) => void;
}) {
  return (
    <>
      <label>
        {t("New password")}
        <input
          type="password"
          autocomplete="new-password"
          required
          minLength={8}
          value={props.password()}
          onInput={(e) => props.onPassword(e.currentTarget.value)}
        />
      </label>
      <label>
        {t("New password again")}
        <input
          type="password"
          autocomplete="new-password"
          required
          value={props.again()}
          onInput={(e) => props.onAgain(e.currentTarget.value)}
        />
      </label>
    </>
  );
}
