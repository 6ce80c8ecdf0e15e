// The notebook editor page.
export function EditorPage() {
  return (
    <main class="page">
      <p class="muted">Loading the editor…</p>
    </main>
  );
}
