// The admin page: accounts with their usage (add with a one-time set-password link, role,
// disable and enable, a reset link, delete with transfer), the server's status, and the audit log
// with filters.
import { createResource, createSignal, For, Show } from "solid-js";
import type { AuditRecordJson, UserJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { errorMessage } from "./load-failed.tsx";
import { showToast } from "./toast.tsx";

interface AdminUser extends UserJson {
  hasPassword: boolean;
  usage: { documents: number; storageBytes: number; executionsToday: number; kernels: number; terminals: number };
}
type AuditRecord = AuditRecordJson;
interface Status {
  version: string;
  uptimeSeconds: number;
  sandbox: { backend: string; refusal: string | null; limits: { wallTimeMs: number; cpuSeconds: number; memoryBytes: number; maxProcesses: number; maxOutputBytesPerBlock: number } } | null;
  database: { bytes: number };
  users: number;
  openDocuments: number;
  kernels: number;
  terminals: number;
}

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024 ** 3).toFixed(2)} GiB`);
const duration = (s: number) => (s < 3600 ? `${Math.floor(s / 60)} min` : s < 86400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} days`);

function Alert(props: { text: string | null }) {
  return (
    <Show when={props.text}>
      <p role="alert" class="error">
        {props.text}
      </p>
    </Show>
  );
}

/** Shows a one-time link with a copy button until it is dismissed. */
function LinkNotice(props: { link: { text: string; url: string } | null; onClose: () => void }) {
  return (
    <Show when={props.link}>
      {(l) => (
        <div class="notice token-secret" role="status" data-testid="one-time-link">
          <strong>{l().text}</strong> It works once, for 7 days.
          <div class="token-copy">
            <input readOnly value={l().url} aria-label="One-time link" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(l().url).then(() => showToast({ message: "Link copied" }), () => undefined)}>
              Copy
            </button>
            <button type="button" class="secondary" onClick={props.onClose}>
              Done
            </button>
          </div>
        </div>
      )}
    </Show>
  );
}

function Users() {
  const [users, { refetch }] = createResource(() => api<{ users: AdminUser[] }>("GET", "/api/v1/admin/users"));
  const [name, setName] = createSignal("");
  const [role, setRole] = createSignal("user");
  const [sso, setSso] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [link, setLink] = createSignal<{ text: string; url: string } | null>(null);

  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      showToast({ message: done });
    } catch (e) {
      showToast({ message: errorMessage(e) });
    }
    refetch();
  };
  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api<{ user: UserJson; link: string | null }>("POST", "/api/v1/admin/users", { username: name().trim(), role: role(), sso: sso() });
      setLink(r.link ? { text: `Send ${r.user.username} this link to set a password.`, url: r.link } : null);
      if (!r.link) showToast({ message: `Created ${r.user.username}: the first single sign-on as ${r.user.username} links to it` });
      setName("");
      refetch();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const resetLink = async (u: AdminUser) => {
    try {
      const r = await api<{ link: string }>("POST", `/api/v1/admin/users/${encodeURIComponent(u.username)}/password-link`);
      setLink({ text: `Send ${u.username} this link to set a new password; using it signs them out everywhere.`, url: r.link });
    } catch (e) {
      showToast({ message: errorMessage(e) });
    }
  };
  const remove = (u: AdminUser) => {
    const to = u.usage.documents > 0 ? prompt(`${u.username} owns ${u.usage.documents} document(s). Give them to which user?`) : "";
    if (to === null) return;
    if (!confirm(`Delete the account ${u.username}?`)) return;
    void act(() => api("DELETE", `/api/v1/admin/users/${encodeURIComponent(u.username)}${to ? `?transferTo=${encodeURIComponent(to)}` : ""}`), `Deleted ${u.username}`);
  };

  return (
    <section class="settings-section card" aria-labelledby="users-title">
      <h2 id="users-title">Accounts</h2>
      <form class="token-form" onSubmit={add} aria-label="Add an account">
        <input aria-label="New username" placeholder="username" required value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        <select aria-label="Role of the new account" value={role()} onChange={(e) => setRole(e.currentTarget.value)}>
          <option value="user">user</option>
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </select>
        <label class="inline">
          <input type="checkbox" checked={sso()} onChange={(e) => setSso(e.currentTarget.checked)} /> single sign-on only
        </label>
        <button type="submit">Add account</button>
      </form>
      <Alert text={error()} />
      <LinkNotice link={link()} onClose={() => setLink(null)} />
      <div class="table-scroll">
        <table class="admin-table" data-testid="admin-users">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Documents</th>
              <th>Files</th>
              <th>Runs today</th>
              <th>Kernels</th>
              <th>Terminals</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={users.latest?.users ?? []}>
              {(u) => (
                <tr data-user={u.username} classList={{ disabled: u.disabled }}>
                  <td>
                    {u.username}
                    {u.disabled ? <span class="badge">disabled</span> : null}
                    {u.hasPassword ? null : <span class="badge">single sign-on</span>}
                  </td>
                  <td>
                    <select aria-label={`Role of ${u.username}`} value={u.role} onChange={(e) => void act(() => api("PATCH", `/api/v1/admin/users/${encodeURIComponent(u.username)}`, { role: e.currentTarget.value }), `${u.username} is now ${e.currentTarget.value}`)}>
                      <option value="admin">admin</option>
                      <option value="user">user</option>
                      <option value="viewer">viewer</option>
                    </select>
                  </td>
                  <td>{u.usage.documents}</td>
                  <td>{bytes(u.usage.storageBytes)}</td>
                  <td>{u.usage.executionsToday}</td>
                  <td>{u.usage.kernels}</td>
                  <td>{u.usage.terminals}</td>
                  <td class="row-buttons">
                    <button type="button" class="secondary" onClick={() => void act(() => api("PATCH", `/api/v1/admin/users/${encodeURIComponent(u.username)}`, { disabled: !u.disabled }), `${u.username} ${u.disabled ? "enabled" : "disabled"}`)}>
                      {u.disabled ? "Enable" : "Disable"}
                    </button>
                    <button type="button" class="secondary" onClick={() => void resetLink(u)}>
                      Reset link
                    </button>
                    <button type="button" class="danger" onClick={() => remove(u)}>
                      Delete
                    </button>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ServerStatus() {
  const [status] = createResource(() => api<Status>("GET", "/api/v1/admin/status"));
  return (
    <section class="settings-section card" aria-labelledby="status-title">
      <h2 id="status-title">Server</h2>
      <Show when={status()} fallback={<p class="muted">{status.error ? errorMessage(status.error) : "Loading…"}</p>}>
        {(s) => (
          <dl class="status-list" data-testid="server-status">
            <dt>Version</dt>
            <dd>{s().version}</dd>
            <dt>Up for</dt>
            <dd>{duration(s().uptimeSeconds)}</dd>
            <dt>Sandbox</dt>
            <dd>{s().sandbox ? (s().sandbox!.refusal ?? s().sandbox!.backend) : "not checked"}</dd>
            <Show when={s().sandbox}>
              {(sb) => (
                <>
                  <dt>Limits per block</dt>
                  <dd>
                    {sb().limits.wallTimeMs / 1000} s wall, {sb().limits.cpuSeconds} s CPU, {bytes(sb().limits.memoryBytes)} memory, {sb().limits.maxProcesses} processes, {bytes(sb().limits.maxOutputBytesPerBlock)} output
                  </dd>
                </>
              )}
            </Show>
            <dt>Database</dt>
            <dd>{bytes(s().database.bytes)}</dd>
            <dt>Now</dt>
            <dd>
              {s().users} accounts, {s().openDocuments} documents open, {s().kernels} kernels, {s().terminals} terminals
            </dd>
          </dl>
        )}
      </Show>
    </section>
  );
}

const ACTIONS = ["", "auth.", "auth.login", "auth.password.", "token.", "document.", "user.", "terminal.open"];

function AuditLog() {
  const [user, setUser] = createSignal("");
  const [action, setAction] = createSignal("");
  const [outcome, setOutcome] = createSignal("");
  const [since, setSince] = createSignal("");
  const [records, setRecords] = createSignal<AuditRecord[]>([]);
  const [next, setNext] = createSignal<number | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const load = async (before?: number) => {
    const q = new URLSearchParams({ limit: "50" });
    if (user().trim()) q.set("user", user().trim());
    if (action()) q.set("action", action());
    if (outcome()) q.set("outcome", outcome());
    if (since()) q.set("since", since());
    if (before) q.set("before", String(before));
    try {
      setError(null);
      const r = await api<{ records: AuditRecord[]; next: number | null }>("GET", `/api/v1/admin/audit?${q}`);
      setRecords(before ? [...records(), ...r.records] : r.records);
      setNext(r.next);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  void load();

  return (
    <section class="settings-section card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form
        class="token-form"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <input aria-label="User" placeholder="user" value={user()} onInput={(e) => setUser(e.currentTarget.value)} />
        <select aria-label="Action" value={action()} onChange={(e) => setAction(e.currentTarget.value)}>
          <For each={ACTIONS}>{(a) => <option value={a}>{a === "" ? "any action" : a.endsWith(".") ? `${a}…` : a}</option>}</For>
        </select>
        <select aria-label="Outcome" value={outcome()} onChange={(e) => setOutcome(e.currentTarget.value)}>
          <option value="">any outcome</option>
          <option value="ok">ok</option>
          <option value="failed">failed</option>
          <option value="denied">denied</option>
        </select>
        <input type="date" aria-label="Since" value={since()} onInput={(e) => setSince(e.currentTarget.value)} />
        <button type="submit">Filter</button>
      </form>
      <Alert text={error()} />
      <div class="table-scroll">
        <table class="admin-table" data-testid="audit-log">
          <thead>
            <tr>
              <th>Time</th>
              <th>Outcome</th>
              <th>Action</th>
              <th>Who</th>
              <th>From</th>
              <th>Target</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            <For each={records()}>
              {(r) => (
                <tr data-action={r.action} data-outcome={r.outcome}>
                  <td>{new Date(r.at).toLocaleString()}</td>
                  <td>{r.outcome}</td>
                  <td>{r.action}</td>
                  <td>{r.actor?.username ?? "—"}</td>
                  <td>{r.address ?? "—"}</td>
                  <td>{r.target ?? "—"}</td>
                  <td class="small">{r.detail ? JSON.stringify(r.detail) : ""}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={records().length === 0 && !error()}>
        <p class="muted">No records match.</p>
      </Show>
      <Show when={next()}>
        <button type="button" class="secondary" onClick={() => void load(next()!)}>
          Older
        </button>
      </Show>
    </section>
  );
}

export function AdminPage() {
  return (
    <main class="page settings-page">
      <div class="toolbar">
        <h1>Admin</h1>
      </div>
      <Users />
      <ServerStatus />
      <AuditLog />
    </main>
  );
}
