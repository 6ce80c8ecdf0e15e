// The designed error state of a page whose data did not load: what failed, and a retry.

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function LoadFailed(props: { what: string; error: unknown; onRetry: () => void }) {
  return (
    <div class="state-box" role="alert">
      <p class="error">
        Could not load {props.what}: {errorMessage(props.error)}
      </p>
      <button type="button" onClick={() => props.onRetry()}>
        Retry
      </button>
    </div>
  );
}
