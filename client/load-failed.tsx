// The designed error state of a page whose data did not load: what failed, and a retry.
import { t } from "./i18n.ts";

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function LoadFailed(props: { what: string; error: unknown; onRetry: () => void }) {
  return (
    <div class="state-box" role="alert">
      <p class="error">{t("Could not load {what}: {error}", { what: props.what, error: errorMessage(props.error) })}</p>
      <button type="button" onClick={() => props.onRetry()}>
        {t("Retry")}
      </button>
    </div>
  );
}
