// The admin page: accounts with their usage (add with a one-time set-password link, role,
// disable and enable, a reset link, delete with transfer), the server's status, and the audit log
// with filters.
import { createResource, createSignal, For, Show } from "solid-js";
import type {
  AdminStatusJson,
  AdminUserCreatedJson,
  AdminUserJson,
  AuditPageJson,
  AuditRecordJson,
  PasswordLinkJson,
} from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { errorMessage } from "./load-failed.tsx";
import { showToast } from "./toast.tsx";
import { formatDateTime, formatNumber, t } from "./i18n.ts";

/** A number rounded to `digits` decimals, written as the current language writes numbers. */
const num = (n: number, digits = 0) => formatNumber(Math.round(n * 10 ** digits) / 10 ** digits);
const bytes = (n: number) =>
  n < 1024
    ? t("{n} B", { n: num(n) })
    : n < 1024 ** 2
      ? t("{n} KiB", { n: num(n / 1024, 1) })
      : n < 1024 ** 3
        ? t("{n} MiB", { n: num(n / 1024 ** 2, 1) })
        : t("{n} GiB", { n: num(n / 1024 ** 3, 2) });
const duration = (s: number) =>
  s < 3600
    ? t("{n} min", { n: num(Math.floor(s / 60)) })
    : s < 86400
      ? t("{n} h", { n: num(s / 3600, 1) })
      : t("{n} days", { n: num(s / 86400, 1) });

/** A role's name as shown; the value sent to the server stays "admin", "user" or "viewer". */
const roleLabel = (role: string) =>
  role === "admin" ? t("admin") : role === "user" ? t("user") : role === "viewer" ? t("viewer") : role;
/** An audit outcome as shown; the filter sends the value itself. */
const outcomeLabel = (outcome: string) =>
  outcome === "ok" ? t("ok") : outcome === "failed" ? t("failed") : outcome === "denied" ? t("denied") : outcome;

function Alert(props: { text: string | null }) {
  return (
    <Show when={props.text}>
      <p role="alert" class="error">
        {props.text}
      </p>
    </Show>
  );
}

/** A one-time set-password link for an account: a new account's, or a reset. */
interface OneTimeLink {
  kind: "new" | "reset";
  username: string;
  url: string;
}

/** Shows a one-time link with a copy button until it is dismissed. */
function LinkNotice(props: { link: OneTimeLink | null; onClose: () => void }) {
  return (
    <Show when={props.link}>
      {(l) => (
        <div class="notice token-secret" role="status" data-testid="one-time-link">
          <strong>
            {l().kind === "new"
              ? t("Send {username} this link to set a password.", { username: l().username })
              : t("Send {username} this link to set a new password; using it signs them out everywhere.", {
                  username: l().username,
                })}
          </strong>{" "}
          {t("It works once, for 7 days.")}
          <div class="token-copy">
            <input readOnly value={l().url} aria-label={t("One-time link")} onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              class="secondary"
              onClick={() =>
                void navigator.clipboard?.writeText(l().url).then(
                  () => showToast({ message: t("Link copied") }),
                  () => undefined,
                )
              }
            >
              {t("Copy")}
            </button>
            <button type="button" class="secondary" onClick={props.onClose}>
              {t("Done")}
            </button>
          </div>
        </div>
      )}
    </Show>
  );
}

function Users() {
  const [users, { refetch }] = createResource(() => api<{ users: AdminUserJson[] }>("GET", "/api/v1/admin/users"));
  const [name, setName] = createSignal("");
  const [role, setRole] = createSignal("user");
  const [sso, setSso] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [link, setLink] = createSignal<OneTimeLink | null>(null);

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
      const r = await api<AdminUserCreatedJson>("POST", "/api/v1/admin/users", {
        username: name().trim(),
        role: role(),
        sso: sso(),
      });
      setLink(r.link ? { kind: "new", username: r.user.username, url: r.link } : null);
      if (!r.link)
        showToast({
          message: t("Created {username}: the first single sign-on as {username} links to it", {
            username: r.user.username,
          }),
        });
      setName("");
      refetch();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const resetLink = async (u: AdminUserJson) => {
    try {
      const r = await api<PasswordLinkJson>(
        "POST",
        `/api/v1/admin/users/${encodeURIComponent(u.username)}/password-link`,
      );
      setLink({ kind: "reset", username: u.username, url: r.link });
    } catch (e) {
      showToast({ message: errorMessage(e) });
    }
  };
  const remove = (u: AdminUserJson) => {
    const to =
      u.usage.documents > 0
        ? prompt(
            t("{username} owns {n} document(s). Give them to which user?", {
              username: u.username,
              n: formatNumber(u.usage.documents),
            }),
          )
        : "";
    if (to === null) return;
    if (!confirm(t("Delete the account {username}?", { username: u.username }))) return;
    void act(
      () =>
        api(
          "DELETE",
          `/api/v1/admin/users/${encodeURIComponent(u.username)}${to ? `?transferTo=${encodeURIComponent(to)}` : ""}`,
        ),
      t("Deleted {username}", { username: u.username }),
    );
  };

  return (
    <section class="settings-section card" aria-labelledby="users-title">
      <h2 id="users-title">{t("Accounts")}</h2>
      <form class="token-form" onSubmit={add} aria-label={t("Add an account")}>
        <input
          aria-label={t("New username")}
          placeholder={t("username")}
          required
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <select
          aria-label={t("Role of the new account")}
          value={role()}
          onChange={(e) => setRole(e.currentTarget.value)}
        >
          <option value="user">{roleLabel("user")}</option>
          <option value="viewer">{roleLabel("viewer")}</option>
          <option value="admin">{roleLabel("admin")}</option>
        </select>
        <label class="inline">
          <input type="checkbox" checked={sso()} onChange={(e) => setSso(e.currentTarget.checked)} />{" "}
          {t("single sign-on only")}
        </label>
        <button type="submit">{t("Add account")}</button>
      </form>
      <Alert text={error()} />
      <LinkNotice link={link()} onClose={() => setLink(null)} />
      <div class="table-scroll">
        <table class="admin-table" data-testid="admin-users">
          <thead>
            <tr>
              <th>{t("User")}</th>
              <th>{t("Role")}</th>
              <th>{t("Documents")}</th>
              <th>{t("Files")}</th>
              <th>{t("Runs today")}</th>
              <th>{t("Kernels")}</th>
              <th>{t("Terminals")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={users.latest?.users ?? []}>
              {(u) => (
                <tr data-user={u.username} classList={{ disabled: u.disabled }}>
                  <td>
                    {u.username}
                    {u.disabled ? <span class="badge">{t("disabled")}</span> : null}
                    {u.hasPassword ? null : <span class="badge">{t("single sign-on")}</span>}
                  </td>
                  <td>
                    <select
                      aria-label={t("Role of {username}", { username: u.username })}
                      value={u.role}
                      onChange={(e) =>
                        void act(
                          () =>
                            api("PATCH", `/api/v1/admin/users/${encodeURIComponent(u.username)}`, {
                              role: e.currentTarget.value,
                            }),
                          t("{username} is now {role}", {
                            username: u.username,
                            role: roleLabel(e.currentTarget.value),
                          }),
                        )
                      }
                    >
                      <option value="admin">{roleLabel("admin")}</option>
                      <option value="user">{roleLabel("user")}</option>
                      <option value="viewer">{roleLabel("viewer")}</option>
                    </select>
                  </td>
                  <td>{formatNumber(u.usage.documents)}</td>
                  <td>{bytes(u.usage.storageBytes)}</td>
                  <td>{formatNumber(u.usage.executionsToday)}</td>
                  <td>{formatNumber(u.usage.kernels)}</td>
                  <td>{formatNumber(u.usage.terminals)}</td>
                  <td class="row-buttons">
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        void act(
                          () =>
                            api("PATCH", `/api/v1/admin/users/${encodeURIComponent(u.username)}`, {
                              disabled: !u.disabled,
                            }),
                          u.disabled
                            ? t("{username} enabled", { username: u.username })
                            : t("{username} disabled", { username: u.username }),
                        )
                      }
                    >
                      {u.disabled ? t("Enable") : t("Disable")}
                    </button>
                    <button type="button" class="secondary" onClick={() => void resetLink(u)}>
                      {t("Reset link")}
                    </button>
                    <button type="button" class="danger" onClick={() => remove(u)}>
                      {t("Delete")}
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
  const [status] = createResource(() => api<AdminStatusJson>("GET", "/api/v1/admin/status"));
  return (
    <section class="settings-section card" aria-labelledby="status-title">
      <h2 id="status-title">{t("Server")}</h2>
      <Show when={status()} fallback={<p class="muted">{status.error ? errorMessage(status.error) : t("Loading…")}</p>}>
        {(s) => (
          <dl class="status-list" data-testid="server-status">
            <dt>{t("Version")}</dt>
            <dd>{s().version}</dd>
            <dt>{t("Up for")}</dt>
            <dd>{duration(s().uptimeSeconds)}</dd>
            <dt>{t("Sandbox")}</dt>
            <dd>{s().sandbox ? (s().sandbox!.refusal ?? s().sandbox!.backend) : t("not checked")}</dd>
            <Show when={s().sandbox}>
              {(sb) => (
                <>
                  <dt>{t("Limits per block")}</dt>
                  <dd>
                    {t("{wall} s wall, {cpu} s CPU, {memory} memory, {processes} processes, {output} output", {
                      wall: formatNumber(sb().limits.wallTimeMs / 1000),
                      cpu: formatNumber(sb().limits.cpuSeconds),
                      memory: bytes(sb().limits.memoryBytes),
                      processes: formatNumber(sb().limits.maxProcesses),
                      output: bytes(sb().limits.maxOutputBytesPerBlock),
                    })}
                  </dd>
                </>
              )}
            </Show>
            <dt>{t("Database")}</dt>
            <dd>{bytes(s().database.bytes)}</dd>
            <dt>{t("Now")}</dt>
            <dd>
              {t("{users} accounts, {documents} documents open, {kernels} kernels, {terminals} terminals", {
                users: formatNumber(s().users),
                documents: formatNumber(s().openDocuments),
                kernels: formatNumber(s().kernels),
                terminals: formatNumber(s().terminals),
              })}
            </dd>
            <dt>{t("Notification mail")}</dt>
            <dd data-testid="mail-status">
              <Show when={s().mail.configured} fallback={t("Off (no --smtp-url)")}>
                {t("{pending} waiting, {sent} sent, {failed} given up", {
                  pending: formatNumber(s().mail.pending),
                  sent: formatNumber(s().mail.sent),
                  failed: formatNumber(s().mail.failed),
                })}
              </Show>
              <Show when={s().mail.lastError}>
                {(e) => (
                  <div class="error small">
                    {t("Last failure {time}: {error}", {
                      time: s().mail.lastErrorAt ? formatDateTime(s().mail.lastErrorAt!) : "—",
                      error: e(),
                    })}
                  </div>
                )}
              </Show>
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
  const [records, setRecords] = createSignal<AuditRecordJson[]>([]);
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
      const r = await api<AuditPageJson>("GET", `/api/v1/admin/audit?${q}`);
      setRecords(before ? [...records(), ...r.records] : r.records);
      setNext(r.next);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  void load();

  return (
    <section class="settings-section card" aria-labelledby="audit-title">
      <h2 id="audit-title">{t("Audit log")}</h2>
      <form
        class="token-form"
        aria-label={t("Filter the audit log")}
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <input
          aria-label={t("User")}
          placeholder={t("user")}
          value={user()}
          onInput={(e) => setUser(e.currentTarget.value)}
        />
        <select aria-label={t("Action")} value={action()} onChange={(e) => setAction(e.currentTarget.value)}>
          <For each={ACTIONS}>
            {(a) => <option value={a}>{a === "" ? t("any action") : a.endsWith(".") ? `${a}…` : a}</option>}
          </For>
        </select>
        <select aria-label={t("Outcome")} value={outcome()} onChange={(e) => setOutcome(e.currentTarget.value)}>
          <option value="">{t("any outcome")}</option>
          <option value="ok">{outcomeLabel("ok")}</option>
          <option value="failed">{outcomeLabel("failed")}</option>
          <option value="denied">{outcomeLabel("denied")}</option>
        </select>
        <input type="date" aria-label={t("Since")} value={since()} onInput={(e) => setSince(e.currentTarget.value)} />
        <button type="submit">{t("Filter")}</button>
      </form>
      <Alert text={error()} />
      <div class="table-scroll">
        <table class="admin-table" data-testid="audit-log">
          <thead>
            <tr>
              <th>{t("Time")}</th>
              <th>{t("Outcome")}</th>
              <th>{t("Action")}</th>
              <th>{t("Who")}</th>
              <th>{t("From")}</th>
              <th>{t("Target")}</th>
              <th>{t("Detail")}</th>
            </tr>
          </thead>
          <tbody>
            <For each={records()}>
              {(r) => (
                <tr data-action={r.action} data-outcome={r.outcome}>
                  <td title={r.at}>{formatDateTime(r.at)}</td>
                  <td>{outcomeLabel(r.outcome)}</td>
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
        <p class="muted">{t("No records match.")}</p>
      </Show>
      <Show when={next()}>
        <button type="button" class="secondary" onClick={() => void load(next()!)}>
          {t("Older")}
        </button>
      </Show>
    </section>
  );
}

export function AdminPage() {
  return (
    <main class="page settings-page">
      <div class="toolbar">
        <h1>{t("Admin")}</h1>
      </div>
      <Users />
      <ServerStatus />
      <AuditLog />
    </main>
  );
}
