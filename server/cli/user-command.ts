// `pymd user …`: manage accounts in the data directory, also while the server runs.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { openServices } from "../app.ts";
import { databasePath } from "../store/database.ts";
import { AppError } from "../errors.ts";
import { toPublicUser } from "../auth/accounts.ts";
import { loadDataDir, ConfigError } from "../config/config.ts";
import { CommandError, UsageError, expectPositionals, type ParsedArgs } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";
import { readNewPassword } from "./password-input.ts";
import { AuditLog, type AuditActor } from "../auth/audit-log.ts";
import { silentLogger } from "../log/logger.ts";

/** Account changes made on the server's command line are recorded under this name. */
export const CLI_ACTOR: AuditActor = { name: "(command line)" };
const auditOf = (s: ReturnType<typeof openServices>) => new AuditLog(s.auditStore, silentLogger);

const SUB_USAGE = `pymd user add NAME [--admin | --role admin|user|viewer] [--password-stdin | --sso]
       pymd user list [--json]
       pymd user passwd NAME [--password-stdin]
       pymd user sso NAME       (no password: signs in through single sign-on only)
       pymd user role NAME admin|user|viewer
       pymd user disable NAME
       pymd user enable NAME
       pymd user delete NAME [--transfer-to OTHER]

Common options:
  --data-dir DIR   PYMD_DATA_DIR   the server's data directory (default ./pymd-data)`;

/**
 * Opens the data directory's database. Only `user add` may create one (the first admin is often
 * made before the first start), and it says so; every other subcommand refuses a directory
 * without a database instead of working on a new empty one.
 */
export function services(args: ParsedArgs, mayCreate = false) {
  let dataDir: string;
  try {
    dataDir = loadDataDir(args.flags);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message, { oneLine: true });
    throw e;
  }
  const db = resolve(databasePath(dataDir));
  const fresh = !existsSync(db);
  if (fresh && !mayCreate)
    throw new CommandError(
      `no pymd database at ${db}; point --data-dir (or PYMD_DATA_DIR) at the server's data directory`,
    );
  const s = openServices(dataDir);
  if (fresh)
    console.error(
      `note: there was no database at ${db}; created a new one (if the server uses another directory, pass its --data-dir)`,
    );
  return s;
}

/** Domain errors become command failures with their message. */
async function domain<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AppError) throw new CommandError(e.message);
    throw e;
  }
}

export const userCommand: Command = {
  name: "user",
  summary: "add, list and manage user accounts",
  usage: SUB_USAGE,
  flags: {
    ...COMMON_FLAGS,
    "data-dir": "value",
    admin: "boolean",
    role: "value",
    "password-stdin": "boolean",
    json: "boolean",
    "transfer-to": "value",
    sso: "boolean",
  },
  async run(args) {
    const [sub, ...rest] = args.positionals;
    const sa: ParsedArgs = { positionals: rest, flags: args.flags };
    const allowed: Record<string, string[]> = {
      add: ["admin", "role", "password-stdin", "sso"],
      sso: [],
      list: ["json"],
      passwd: ["password-stdin"],
      role: [],
      disable: [],
      enable: [],
      delete: ["transfer-to"],
    };
    if (!sub) throw new UsageError("missing subcommand (add, list, passwd, sso, role, disable, enable, delete)");
    if (!(sub in allowed)) throw new UsageError(`unknown subcommand ${sub}`);
    for (const f of Object.keys(args.flags)) {
      if (f !== "data-dir" && !allowed[sub]!.includes(f))
        throw new UsageError(`--${f} does not apply to 'user ${sub}'`);
    }
    switch (sub) {
      case "add": {
        const [name] = expectPositionals(sa, ["NAME"]);
        if (args.flags.admin && args.flags.role !== undefined)
          throw new UsageError("give either --admin or --role, not both");
        const role = args.flags.admin ? "admin" : (args.flags.role ?? "user");
        if (!["admin", "user", "viewer"].includes(String(role)))
          throw new UsageError("--role must be admin, user or viewer");
        const s = services(args, true);
        try {
          if (s.users.byUsername(name!)) throw new CommandError(`user ${name} already exists`);
          if (args.flags.sso) {
            if (args.flags["password-stdin"]) throw new UsageError("give either --sso or --password-stdin, not both");
            const u = await domain(() =>
              auditOf(s).around(CLI_ACTOR, { action: "user.add", target: name!, detail: { role, sso: true } }, () =>
                s.accounts.addSsoUser(name, role),
              ),
            );
            console.log(
              `created ${u.role} ${u.username} without a password: the first single sign-on as ${u.username} links to it`,
            );
            return 0;
          }
          const password = await readNewPassword(args.flags["password-stdin"] === true);
          const u = await domain(() =>
            auditOf(s).around(CLI_ACTOR, { action: "user.add", target: name!, detail: { role } }, () =>
              s.accounts.addUser(name, password, role),
            ),
          );
          console.log(`created ${u.role} ${u.username}`);
        } finally {
          s.db.close();
        }
        return 0;
      }
      case "list": {
        expectPositionals(sa, []);
        const s = services(args);
        try {
          const users = s.accounts.list().map(toPublicUser);
          if (args.flags.json) console.log(JSON.stringify(users, null, 2));
          else if (users.length === 0)
            console.log("no users yet; create the first admin with: pymd user add NAME --admin");
          else {
            console.log(`${"USERNAME".padEnd(24)} ${"ROLE".padEnd(8)} ${"STATUS".padEnd(9)} CREATED`);
            for (const u of users)
              console.log(
                `${u.username.padEnd(24)} ${u.role.padEnd(8)} ${(u.disabled ? "disabled" : "active").padEnd(9)} ${u.createdAt}`,
              );
          }
        } finally {
          s.db.close();
        }
        return 0;
      }
      case "passwd": {
        const [name] = expectPositionals(sa, ["NAME"]);
        const s = services(args);
        try {
          await domain(() => s.accounts.get(name!));
          const password = await readNewPassword(args.flags["password-stdin"] === true);
          const r = await domain(() =>
            auditOf(s).around(CLI_ACTOR, { action: "auth.password.reset", target: name! }, () =>
              s.accounts.setPassword(name!, password),
            ),
          );
          console.log(
            `password changed for ${name}; ${r.sessionsEnded} session(s) ended and ${r.tokensRevoked} API token(s) revoked (open connections close within seconds)`,
          );
        } finally {
          s.db.close();
        }
        return 0;
      }
      case "sso": {
        const [name] = expectPositionals(sa, ["NAME"]);
        const s = services(args);
        try {
          const r = await domain(() =>
            auditOf(s).around(CLI_ACTOR, { action: "user.sso", target: name! }, () => s.accounts.switchToSso(name!)),
          );
          console.log(
            `${name} has no password now and signs in through single sign-on (the next one as ${name} links to it); ${r.sessionsEnded} session(s) ended and ${r.tokensRevoked} API token(s) revoked`,
          );
        } finally {
          s.db.close();
        }
        return 0;
      }
      case "role": {
        const [name, role] = expectPositionals(sa, ["NAME", "ROLE"]);
        if (!["admin", "user", "viewer"].includes(role!)) throw new UsageError("ROLE must be admin, user or viewer");
        const s = services(args);
        try {
          const u = await domain(() =>
            auditOf(s).around(CLI_ACTOR, { action: "user.role", target: name!, detail: { role } }, () =>
              s.accounts.setRole(name!, role),
            ),
          );
          console.log(`${u.username} is now ${u.role}`);
        } finally {
          s.db.close();
        }
        return 0;
      }
      case "disable":
      case "enable": {
        const [name] = expectPositionals(sa, ["NAME"]);
        const s = services(args);
        try {
          const r = await domain(() =>
            auditOf(s).around(CLI_ACTOR, { action: `user.${sub}`, target: name! }, () =>
              s.accounts.setDisabled(name!, sub === "disable"),
            ),
          );
          console.log(
            sub === "disable"
              ? `disabled ${r.user.username}; ended ${r.sessionsEnded} session(s)`
              : `enabled ${r.user.username}`,
          );
        } finally {
          s.db.close();
        }
        return 0;
      }
      case "delete": {
        const [name] = expectPositionals(sa, ["NAME"]);
        const to = args.flags["transfer-to"];
        const s = services(args);
        try {
          const r = await domain(() =>
            auditOf(s).around(
              CLI_ACTOR,
              { action: "user.delete", target: name!, detail: { transferTo: typeof to === "string" ? to : null } },
              () => s.accounts.delete(name!, typeof to === "string" ? to : undefined),
              (res) => ({ transferred: res.transferred }),
            ),
          );
          console.log(`deleted ${name}${r.transferred ? `; ${r.transferred} document(s) now belong to ${to}` : ""}`);
        } finally {
          s.db.close();
        }
        return 0;
      }
    }
    return 2;
  },
};
