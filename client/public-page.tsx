// A published notebook, read-only, for anyone holding the link.
export function PublicPage() {
  return (
    <main class="page">
      <p class="muted">Loading the published notebook…</p>
    </main>
  );
}
