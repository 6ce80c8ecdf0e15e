// The settings page: theme and editor preferences, saved through the API and applied at once.
import { createSignal, Show } from "solid-js";
import type { SettingsJson } from "../protocol/api-types.ts";
import { useSession } from "./session.tsx";

export function SettingsPage() {
  const session = useSession();
  const [error, setError] = createSignal<string | null>(null);
  const save = async (patch: Partial<SettingsJson>) => {
    setError(null);
    try {
      await session.updateSettings(patch);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <main class="page">
      <h1>Settings</h1>
      <Show when={error()}>
        <p role="alert" class="error">{error()}</p>
      </Show>
      <label>
        Theme
        <select value={session.settings().theme} onChange={(e) => save({ theme: e.currentTarget.value as SettingsJson["theme"] })}>
          <option value="system">Follow the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
    </main>
  );
}
