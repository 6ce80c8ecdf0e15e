// Server configuration: flags > PYMD_* environment variables > defaults, validated once at start-up.
// A bad value is reported naming both the flag and the variable.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultRenderWorkers } from "../render/render-pool.ts";
import { IpRanges } from "../auth/ip-ranges.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
export type SandboxPreference = "auto" | "nsjail" | "bwrap";

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Public origin + path prefix, e.g. https://notes.example.org; null = derive from the request. */
  baseUrl: URL | null;
  sandbox: SandboxPreference;
  unsafeNoSandbox: boolean;
  fileMaxMb: number;
  workspaceMaxMb: number;
  userFilesMaxMb: number;
  /** "off": the server never runs notebook code (documents are still written, shared, exported). */
  execution: "on" | "off";
  /** Executions a user may start per day (document renders and runs). */
  execPerDay: number;
  /** Executions a user may have running at once. */
  execConcurrent: number;
  /** Wall-clock limit of one block, seconds. */
  runTimeoutSeconds: number;
  /** Wall-clock limit of a whole run (all its blocks), seconds. */
  runTotalTimeoutSeconds: number;
  /** Memory limit of one run, MiB. */
  runMemoryMb: number;
  /** CPU seconds of one block. */
  runCpuSeconds: number;
  /** Processes and threads one run may have. */
  runProcesses: number;
  /** Size of a run's /tmp, MiB. */
  runTmpfsMb: number;
  /** Output one block may print before it is truncated, KiB. */
  runOutputKb: number;
  /** Output a kernel may print per second over time (after a burst of one block's cap), KiB. */
  runOutputRateKb: number;
  /** E-mail notifications: the SMTP server (smtp:// or smtps://, with user:password@ when it wants them), or null for none. */
  smtpUrl: URL | null;
  /** The From of notification mail. */
  smtpFrom: string;
  /** The first retry of a failed mail waits this long; each later one twice as long (up to an hour). */
  smtpRetrySeconds: number;
  /** Days an audit record is kept (0: forever). */
  auditRetentionDays: number;
  /** Single sign-on (OpenID Connect): the provider's issuer URL, or null for none. */
  oidcIssuer: URL | null;
  oidcClientId: string | null;
  oidcClientSecret: string | null;
  /** The provider's name on the sign-in button. */
  oidcName: string;
  oidcScopes: string;
  oidcUsernameClaim: string;
  oidcGroupsClaim: string;
  oidcAllowedGroups: string[];
  oidcAllowedDomains: string[];
  oidcAdminGroups: string[];
  oidcViewerGroups: string[];
  oidcProvisioning: "auto" | "existing";
  /** Seconds this server's clock is behind the provider's (negative: ahead); 60 s more are tolerated anyway. */
  oidcClockSkewSeconds: number;
  /** off: only admins may sign in with a password (the break-glass way in); everyone else uses single sign-on. */
  passwordLogin: "on" | "off";
  /** Worker threads for large renders (0: render on the main thread). */
  renderWorkers: number;
  /** Minutes a document's kernel is kept once nobody has it open (0: until the server stops). */
  kernelIdleCloseMinutes: number;
  /** Live kernels one user may hold at once; starting another closes their oldest idle one. */
  kernelsPerUser: number;
  /** "off": no terminals at all (the editor shows none, the endpoint refuses). */
  terminals: "on" | "off";
  /** Minutes a terminal is kept without input before it is closed (0: never for idleness). */
  terminalIdleCloseMinutes: number;
  /** Reverse proxies whose X-Forwarded-For names the client address (none by default). */
  trustedProxy: IpRanges;
  /** Bearer token that may read /metrics; null: only signed-in admins may. */
  metricsToken: string | null;
  /** Origins (scheme://host[:port]) whose pages may frame /embed/SLUG; empty: none may. */
  embedOrigins: string[];
  /** A Pyodide release directory whose packages the browser runtime may load; null: the standard library only. */
  pyodideDir: string | null;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Parsed<T> = { value: T } | { error: string };
type Parser<T> = (raw: string) => Parsed<T>;
const ok = <T>(value: T): Parsed<T> => ({ value });
const bad = (error: string): { error: string } => ({ error });

interface OptionSpec<K extends keyof Config> {
  key: K;
  flag: string;
  env: string;
  boolean?: boolean;
  parse: Parser<Config[K]>;
  defaultValue: () => Config[K];
  help: string;
}

const intIn =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw.trim())) return bad(`must be a whole number between ${min} and ${max}`);
    const n = Number(raw);
    return n >= min && n <= max ? ok(n) : bad(`must be between ${min} and ${max}`);
  };
const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) =>
    (values as string[]).includes(raw) ? ok(raw as T) : bad(`must be one of ${values.join(", ")}`);
const bool: Parser<boolean> = (raw) => {
  const v = raw.toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return ok(true);
  if (["0", "false", "no", "off"].includes(v)) return ok(false);
  return bad("must be true or false");
};

/** The files a Pyodide release directory must hold to be served in place of the built-in runtime. */
export const PYODIDE_FILES = [
  "pyodide.mjs",
  "pyodide.asm.mjs",
  "pyodide.asm.wasm",
  "python_stdlib.zip",
  "pyodide-lock.json",
];
const pyodideDistribution: Parser<string | null> = (raw) => {
  if (raw.trim() === "") return bad("must not be empty");
  const dir = resolve(raw);
  try {
    if (!statSync(dir).isDirectory()) return bad(`${dir} is not a directory`);
  } catch {
    return bad(`${dir} does not exist`);
  }
  const missing = PYODIDE_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0)
    return bad(
      `${dir} is not a Pyodide distribution: it has no ${missing.join(", ")} (unpack Pyodide's release archive there)`,
    );
  try {
    const lock = JSON.parse(readFileSync(join(dir, "pyodide-lock.json"), "utf8"));
    if (typeof lock?.packages !== "object" || lock.packages === null)
      return bad(`${dir}/pyodide-lock.json lists no packages`);
  } catch {
    return bad(`${dir}/pyodide-lock.json is not valid JSON`);
  }
  return ok(dir);
};

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
const issuerUrl: Parser<URL | null> = (raw) => {
  try {
    const u = new URL(raw);
    if (u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK_HOST.test(u.hostname))) return ok(u);
    return bad("must be an https:// URL (http:// only on this machine's loopback)");
  } catch {
    return bad("must be the provider's issuer URL, such as https://sso.example.org/realms/team");
  }
};
const text =
  (max: number, what: string): Parser<string> =>
  (raw) =>
    /^[\x20-\x7e]+$/.test(raw) && raw.trim().length > 0 && raw.length <= max
      ? ok(raw.trim())
      : bad(`must be ${what} of 1–${max} printable characters`);
const claimName: Parser<string> = (raw) =>
  /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(raw) ? ok(raw) : bad("must be a claim name such as preferred_username");
const list: Parser<string[]> = (raw) => {
  const items = raw
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  return items.length > 0 && items.length <= 100 && items.every((x) => x.length <= 200)
    ? ok(items)
    : bad("must be a comma-separated list of 1–100 names");
};

/** Origins for frame-ancestors: scheme://host[:port] each, no path, query or wildcard; "none" is the empty list. */
const originList: Parser<string[]> = (raw) => {
  if (raw.trim().toLowerCase() === "none") return ok([]);
  const items = raw
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (items.length === 0 || items.length > 100)
    return bad("must be a comma-separated list of 1–100 origins such as https://blog.example.org, or none");
  const out: string[] = [];
  for (const item of items) {
    if (item.includes("*"))
      return bad(
        `${JSON.stringify(item)}: wildcards are not allowed; list each origin, such as https://blog.example.org`,
      );
    let u: URL;
    try {
      u = new URL(item);
    } catch {
      return bad(`${JSON.stringify(item)} is not an origin such as https://blog.example.org`);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:")
      return bad(`${JSON.stringify(item)}: must be an http:// or https:// origin`);
    if (u.username || u.password) return bad(`${JSON.stringify(item)}: must not contain a user or password`);
    if (!/^https?:\/\/[^/?#]+\/?$/i.test(item) || u.search || u.hash)
      return bad(
        `${JSON.stringify(item)}: must be an origin without a path, query or fragment, such as https://blog.example.org`,
      );
    // only what a host name or address is made of: nothing that could end the CSP directive
    if (!/^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/.test(item))
      return bad(
        `${JSON.stringify(item)}: the host may hold only letters, digits, dots and hyphens (or an [IPv6] address)`,
      );
    if (!out.includes(u.origin)) out.push(u.origin);
  }
  return ok(out);
};

function spec<K extends keyof Config>(s: OptionSpec<K>): OptionSpec<K> {
  return s;
}

export const SERVE_OPTIONS = [
  spec({
    key: "port",
    flag: "--port",
    env: "PYMD_PORT",
    parse: intIn(0, 65535),
    defaultValue: () => 8080,
    help: "TCP port to listen on (default 8080)",
  }),
  spec({
    key: "host",
    flag: "--host",
    env: "PYMD_HOST",
    parse: (raw) => (/^[A-Za-z0-9.:\-[\]]+$/.test(raw) ? ok(raw) : bad("must be a host name or IP address")),
    defaultValue: () => "0.0.0.0",
    help: "address to bind (default 0.0.0.0)",
  }),
  spec({
    key: "dataDir",
    flag: "--data-dir",
    env: "PYMD_DATA_DIR",
    parse: (raw) => (raw.trim() === "" ? bad("must not be empty") : ok(resolve(raw))),
    defaultValue: () => resolve("pymd-data"),
    help: "directory holding the database (default ./pymd-data)",
  }),
  spec({
    key: "logLevel",
    flag: "--log-level",
    env: "PYMD_LOG_LEVEL",
    parse: oneOf("debug", "info", "warn", "error"),
    defaultValue: () => "info" as LogLevel,
    help: "debug | info | warn | error (default info)",
  }),
  spec({
    key: "logFormat",
    flag: "--log-format",
    env: "PYMD_LOG_FORMAT",
    parse: oneOf("text", "json"),
    defaultValue: () => "text" as LogFormat,
    help: "text | json (default text)",
  }),
  spec({
    key: "baseUrl",
    flag: "--base-url",
    env: "PYMD_BASE_URL",
    parse: (raw) => {
      try {
        const u = new URL(raw);
        if (u.protocol !== "http:" && u.protocol !== "https:") return bad("must be an http:// or https:// URL");
        if (u.search || u.hash) return bad("must not contain a query or fragment");
        if (u.pathname !== "/")
          return bad("must be an origin without a path (pymd serves from the root; let the proxy map the path)");
        return ok(u);
      } catch {
        return bad("must be an absolute URL such as https://pymd.example.org");
      }
    },
    defaultValue: () => null,
    help: "public URL of the server; https makes cookies Secure",
  }),
  spec({
    key: "sandbox",
    flag: "--sandbox",
    env: "PYMD_SANDBOX",
    parse: oneOf("auto", "nsjail", "bwrap"),
    defaultValue: () => "auto" as SandboxPreference,
    help: "auto | nsjail | bwrap (default auto)",
  }),
  spec({
    key: "unsafeNoSandbox",
    flag: "--unsafe-no-sandbox",
    env: "PYMD_UNSAFE_NO_SANDBOX",
    boolean: true,
    parse: bool,
    defaultValue: () => false,
    help: "run Python WITHOUT a jail (dangerous; logs a warning on every run)",
  }),
  spec({
    key: "execution",
    flag: "--execution",
    env: "PYMD_EXECUTION",
    parse: oneOf("on", "off"),
    defaultValue: () => "on" as "on" | "off",
    help: "on | off: off never runs notebook code (default on)",
  }),
  spec({
    key: "fileMaxMb",
    flag: "--file-max",
    env: "PYMD_FILE_MAX",
    parse: intIn(1, 1_048_576),
    defaultValue: () => 100,
    help: "largest workspace file, MB (default 100)",
  }),
  spec({
    key: "workspaceMaxMb",
    flag: "--workspace-max",
    env: "PYMD_WORKSPACE_MAX",
    parse: intIn(1, 1_048_576),
    defaultValue: () => 1000,
    help: "all files of one document, MB (default 1000)",
  }),
  spec({
    key: "userFilesMaxMb",
    flag: "--user-files-max",
    env: "PYMD_USER_FILES_MAX",
    parse: intIn(1, 1_048_576),
    defaultValue: () => 5000,
    help: "all files of the documents one user owns, MB (default 5000)",
  }),
  spec({
    key: "execPerDay",
    flag: "--exec-per-day",
    env: "PYMD_EXEC_PER_DAY",
    parse: intIn(0, 1_000_000),
    defaultValue: () => 500,
    help: "executions one user may start per day (default 500)",
  }),
  spec({
    key: "execConcurrent",
    flag: "--exec-concurrent",
    env: "PYMD_EXEC_CONCURRENT",
    parse: intIn(1, 64),
    defaultValue: () => 2,
    help: "executions one user may run at once (default 2)",
  }),
  spec({
    key: "runTimeoutSeconds",
    flag: "--run-timeout",
    env: "PYMD_RUN_TIMEOUT",
    parse: intIn(1, 3600),
    defaultValue: () => 30,
    help: "wall-clock seconds one block may take (default 30); a whole run has --run-total-timeout",
  }),
  spec({
    key: "runTotalTimeoutSeconds",
    flag: "--run-total-timeout",
    env: "PYMD_RUN_TOTAL_TIMEOUT",
    parse: intIn(1, 7 * 24 * 3600),
    defaultValue: () => 600,
    help: "wall-clock seconds one run of several blocks may take (default 600)",
  }),
  spec({
    key: "runMemoryMb",
    flag: "--run-memory",
    env: "PYMD_RUN_MEMORY",
    parse: intIn(32, 65536),
    defaultValue: () => 512,
    help: "memory one run may use, MiB (default 512)",
  }),
  spec({
    key: "runCpuSeconds",
    flag: "--run-cpu",
    env: "PYMD_RUN_CPU",
    parse: intIn(1, 3600),
    defaultValue: () => 30,
    help: "CPU seconds one block may use (default 30)",
  }),
  spec({
    key: "runProcesses",
    flag: "--run-processes",
    env: "PYMD_RUN_PROCESSES",
    parse: intIn(1, 4096),
    defaultValue: () => 64,
    help: "processes and threads one run may have (default 64)",
  }),
  spec({
    key: "runTmpfsMb",
    flag: "--run-tmpfs",
    env: "PYMD_RUN_TMPFS",
    parse: intIn(1, 65536),
    defaultValue: () => 64,
    help: "size of a run's writable /tmp, MiB (default 64)",
  }),
  spec({
    key: "renderWorkers",
    flag: "--render-workers",
    env: "PYMD_RENDER_WORKERS",
    parse: intIn(0, 16),
    defaultValue: defaultRenderWorkers,
    help: "worker threads that render large documents and outputs off the main thread; 0 renders on it (default: one fewer than the cores, 1 to 4)",
  }),
  spec({
    key: "kernelIdleCloseMinutes",
    flag: "--kernel-idle-close",
    env: "PYMD_KERNEL_IDLE_CLOSE",
    parse: intIn(0, 10080),
    defaultValue: () => 30,
    help: "minutes a kernel is kept after the last person leaves its document; 0 keeps it until the server stops (default 30)",
  }),
  spec({
    key: "kernelsPerUser",
    flag: "--kernels-per-user",
    env: "PYMD_KERNELS_PER_USER",
    parse: intIn(1, 256),
    defaultValue: () => 4,
    help: "live kernels one user may hold at once; opening another closes their oldest idle one (default 4)",
  }),
  spec({
    key: "pyodideDir",
    flag: "--pyodide-dir",
    env: "PYMD_PYODIDE_DIR",
    parse: pyodideDistribution,
    defaultValue: () => null,
    help: "a Pyodide release directory (pyodide-lock.json, pyodide.asm.wasm and the packages' wheels): notebooks run in the reader's browser may import its packages (default: the standard library only)",
  }),
  spec({
    key: "terminals",
    flag: "--terminals",
    env: "PYMD_TERMINALS",
    parse: oneOf("on", "off"),
    defaultValue: () => "on" as "on" | "off",
    help: "on | off: off gives nobody a terminal in the editor (default on)",
  }),
  spec({
    key: "terminalIdleCloseMinutes",
    flag: "--terminal-idle-close",
    env: "PYMD_TERMINAL_IDLE_CLOSE",
    parse: intIn(0, 10080),
    defaultValue: () => 30,
    help: "minutes a terminal is kept without input before its shell is closed; 0 never closes it for idleness (default 30)",
  }),
  spec({
    key: "runOutputKb",
    flag: "--run-output",
    env: "PYMD_RUN_OUTPUT",
    parse: intIn(1, 1048576),
    defaultValue: () => 1024,
    help: "output one block may print, KiB, then truncated (default 1024)",
  }),
  spec({
    key: "auditRetentionDays",
    flag: "--audit-retention",
    env: "PYMD_AUDIT_RETENTION",
    parse: intIn(0, 36500),
    defaultValue: () => 365,
    help: "days an audit log record is kept; 0 keeps them all (default 365)",
  }),
  spec({
    key: "oidcIssuer",
    flag: "--oidc-issuer",
    env: "PYMD_OIDC_ISSUER",
    parse: issuerUrl,
    defaultValue: () => null,
    help: "single sign-on: the OpenID Connect provider's issuer URL (default: none)",
  }),
  spec({
    key: "oidcClientId",
    flag: "--oidc-client-id",
    env: "PYMD_OIDC_CLIENT_ID",
    parse: text(256, "a client id"),
    defaultValue: () => null,
    help: "single sign-on: this server's client id at the provider",
  }),
  spec({
    key: "oidcClientSecret",
    flag: "--oidc-client-secret",
    env: "PYMD_OIDC_CLIENT_SECRET",
    parse: text(1024, "a secret"),
    defaultValue: () => null,
    help: "single sign-on: the client secret (prefer the variable; default: a public client)",
  }),
  spec({
    key: "oidcName",
    flag: "--oidc-name",
    env: "PYMD_OIDC_NAME",
    parse: text(40, "a name"),
    defaultValue: () => "single sign-on",
    help: 'the sign-in button says "Sign in with NAME" (default "single sign-on")',
  }),
  spec({
    key: "oidcScopes",
    flag: "--oidc-scopes",
    env: "PYMD_OIDC_SCOPES",
    parse: (raw) =>
      /^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(raw) && raw.split(" ").includes("openid") && raw.length <= 500
        ? ok(raw)
        : bad('must be space-separated scopes including "openid"'),
    defaultValue: () => "openid profile email",
    help: 'scopes asked for (default "openid profile email")',
  }),
  spec({
    key: "oidcUsernameClaim",
    flag: "--oidc-username-claim",
    env: "PYMD_OIDC_USERNAME_CLAIM",
    parse: claimName,
    defaultValue: () => "preferred_username",
    help: "the claim that names the account (an email's local part is used; default preferred_username)",
  }),
  spec({
    key: "oidcGroupsClaim",
    flag: "--oidc-groups-claim",
    env: "PYMD_OIDC_GROUPS_CLAIM",
    parse: claimName,
    defaultValue: () => "groups",
    help: "the claim listing the person's groups (default groups)",
  }),
  spec({
    key: "oidcAllowedGroups",
    flag: "--oidc-allowed-groups",
    env: "PYMD_OIDC_ALLOWED_GROUPS",
    parse: list,
    defaultValue: () => [],
    help: "comma-separated groups; only their members may sign in (default: anyone)",
  }),
  spec({
    key: "oidcAllowedDomains",
    flag: "--oidc-allowed-domains",
    env: "PYMD_OIDC_ALLOWED_DOMAINS",
    parse: list,
    defaultValue: () => [],
    help: "comma-separated email domains; only verified emails there may sign in (default: any)",
  }),
  spec({
    key: "oidcAdminGroups",
    flag: "--oidc-admin-groups",
    env: "PYMD_OIDC_ADMIN_GROUPS",
    parse: list,
    defaultValue: () => [],
    help: "groups whose members are admins (with --oidc-viewer-groups: the role follows the groups at every sign-in)",
  }),
  spec({
    key: "oidcViewerGroups",
    flag: "--oidc-viewer-groups",
    env: "PYMD_OIDC_VIEWER_GROUPS",
    parse: list,
    defaultValue: () => [],
    help: "groups whose members are viewers (read only)",
  }),
  spec({
    key: "oidcProvisioning",
    flag: "--oidc-provisioning",
    env: "PYMD_OIDC_PROVISIONING",
    parse: oneOf("auto", "existing"),
    defaultValue: () => "auto" as "auto" | "existing",
    help: "auto: a first sign-in creates the account; existing: only accounts an admin made (default auto)",
  }),
  spec({
    key: "oidcClockSkewSeconds",
    flag: "--oidc-clock-skew",
    env: "PYMD_OIDC_CLOCK_SKEW",
    parse: (raw) =>
      /^-?\d{1,5}$/.test(raw.trim()) && Math.abs(Number(raw)) <= 86400
        ? ok(Number(raw))
        : bad("must be whole seconds between -86400 and 86400"),
    defaultValue: () => 0,
    help: "seconds this server's clock is known to be behind the provider's (negative: ahead); 60 s either way are tolerated anyway (default 0)",
  }),
  spec({
    key: "smtpUrl",
    flag: "--smtp-url",
    env: "PYMD_SMTP_URL",
    parse: (raw) => {
      try {
        const u = new URL(raw);
        if (u.protocol !== "smtp:" && u.protocol !== "smtps:")
          return bad("must be an smtp:// or smtps:// URL, such as smtp://user:password@mail.example.org:587");
        if (!u.hostname) return bad("must name the SMTP server's host");
        return ok(u);
      } catch {
        return bad("must be an smtp:// or smtps:// URL, such as smtp://user:password@mail.example.org:587");
      }
    },
    defaultValue: () => null,
    help: "e-mail notifications through this SMTP server: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps:// (TLS); needs --base-url for the links (default: no e-mail)",
  }),
  spec({
    key: "smtpFrom",
    flag: "--smtp-from",
    env: "PYMD_SMTP_FROM",
    parse: (raw) =>
      /^[^\r\n<>@\s]+@[^\r\n<>@\s]+$|^[^\r\n<>]{1,100} <[^\r\n<>@\s]+@[^\r\n<>@\s]+>$/.test(raw.trim()) &&
      raw.length <= 320
        ? ok(raw.trim())
        : bad('must be an address, or "Name <address>"'),
    defaultValue: () => "pymd <pymd@localhost>",
    help: 'the From of notification mail: an address or "Name <address>" (default "pymd <pymd@localhost>")',
  }),
  spec({
    key: "smtpRetrySeconds",
    flag: "--smtp-retry",
    env: "PYMD_SMTP_RETRY",
    parse: intIn(1, 3600),
    defaultValue: () => 30,
    help: "seconds before a failed notification mail is tried again, doubling each time up to an hour; given up after 8 attempts (default 30)",
  }),
  spec({
    key: "passwordLogin",
    flag: "--password-login",
    env: "PYMD_PASSWORD_LOGIN",
    parse: oneOf("on", "off"),
    defaultValue: () => "on" as "on" | "off",
    help: "off: only admins sign in with a password (the way in when the provider is down); needs --oidc-issuer (default on)",
  }),
  spec({
    key: "runOutputRateKb",
    flag: "--run-output-rate",
    env: "PYMD_RUN_OUTPUT_RATE",
    parse: intIn(1, 1048576),
    defaultValue: () => 1024,
    help: "output a kernel may print per second over time, KiB/s, after a burst of one block's cap; past it the printing code waits (default 1024)",
  }),
  spec({
    key: "trustedProxy",
    flag: "--trusted-proxy",
    env: "PYMD_TRUSTED_PROXY",
    parse: (raw) => {
      try {
        return ok(IpRanges.parse(raw));
      } catch (e) {
        return bad((e as Error).message);
      }
    },
    defaultValue: () => IpRanges.NONE,
    help: "CIDRs of reverse proxies whose X-Forwarded-For is believed (default none)",
  }),
  spec({
    key: "metricsToken",
    flag: "--metrics-token",
    env: "PYMD_METRICS_TOKEN",
    parse: (raw) =>
      /^[\x21-\x7e]{16,256}$/.test(raw) ? ok(raw) : bad("must be 16–256 printable characters without spaces"),
    defaultValue: () => null,
    help: "Bearer token for GET /metrics (default: admins only)",
  }),
  spec({
    key: "embedOrigins",
    flag: "--embed-origins",
    env: "PYMD_EMBED_ORIGINS",
    parse: originList,
    defaultValue: () => [],
    help: "comma-separated origins (https://blog.example.org) whose pages may frame published documents at /embed/SLUG (default none)",
  }),
] as const;

export type FlagValues = Record<string, string | true | undefined>;

/** Builds the config from parsed flags and an environment; throws ConfigError naming flag and variable. */
export function loadConfig(flags: FlagValues, env: Record<string, string | undefined> = process.env): Config {
  const out: Partial<Record<keyof Config, unknown>> = {};
  for (const opt of SERVE_OPTIONS) {
    const fromFlag = flags[opt.flag.slice(2)];
    const fromEnv = env[opt.env];
    let raw: string | undefined;
    let source: string;
    if (fromFlag !== undefined) {
      raw = fromFlag === true ? (opt.boolean ? "true" : undefined) : fromFlag;
      source = `flag ${opt.flag}`;
      if (raw === undefined) throw new ConfigError(`${opt.flag} (${opt.env}) needs a value`);
    } else if (fromEnv !== undefined && fromEnv !== "") {
      raw = fromEnv;
      source = `environment ${opt.env}`;
    } else {
      out[opt.key] = opt.defaultValue();
      continue;
    }
    const parsed = (opt.parse as Parser<unknown>)(raw);
    if ("error" in parsed) {
      throw new ConfigError(
        `invalid ${opt.flag} / ${opt.env} = ${JSON.stringify(raw)} (from ${source}): ${parsed.error}`,
      );
    }
    out[opt.key] = parsed.value;
  }
  const c = out as Config;
  if ((c.oidcIssuer === null) !== (c.oidcClientId === null))
    throw new ConfigError(
      "single sign-on needs both --oidc-issuer (PYMD_OIDC_ISSUER) and --oidc-client-id (PYMD_OIDC_CLIENT_ID)",
    );
  if (c.smtpUrl !== null && c.baseUrl === null)
    throw new ConfigError(
      "e-mail notifications (--smtp-url, PYMD_SMTP_URL) need --base-url (PYMD_BASE_URL): the address the links in them point to",
    );
  if (c.passwordLogin === "off" && c.oidcIssuer === null)
    throw new ConfigError(
      "--password-login off (PYMD_PASSWORD_LOGIN) needs single sign-on: set --oidc-issuer and --oidc-client-id",
    );
  return c;
}

/** Only the data directory, for admin commands that share the server's database. */
export function loadDataDir(flags: FlagValues, env: Record<string, string | undefined> = process.env): string {
  const raw = typeof flags["data-dir"] === "string" ? flags["data-dir"] : env.PYMD_DATA_DIR;
  if (flags["data-dir"] === true) throw new ConfigError("--data-dir (PYMD_DATA_DIR) needs a value");
  if (raw === undefined || raw === "") return resolve("pymd-data");
  if (raw.trim() === "") throw new ConfigError("invalid --data-dir / PYMD_DATA_DIR: must not be empty");
  return resolve(raw);
}
