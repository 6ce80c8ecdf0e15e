// `pymd backup FILE`: a consistent copy of the database, safe while the server runs.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadDataDir, ConfigError } from "../config/config.ts";
import { backupDatabase } from "../store/backup.ts";
import { databasePath } from "../store/database.ts";
import { CommandError, UsageError, expectPositionals } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";

export const backupCommand: Command = {
  name: "backup",
  summary: "copy the database consistently, even while the server runs",
  usage: `pymd backup FILE [--data-dir DIR] [--force]

Writes a consistent snapshot of the database to FILE (SQLite VACUUM INTO).
To restore: stop the server, copy FILE to DIR/pymd.db (remove DIR/pymd.db-wal and
DIR/pymd.db-shm if present), start the server.`,
  flags: { ...COMMON_FLAGS, "data-dir": "value", force: "boolean" },
  async run(args) {
    const [file] = expectPositionals(args, ["FILE"]);
    let dataDir: string;
    try {
      dataDir = loadDataDir(args.flags);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message, { oneLine: true });
      throw e;
    }
    const src = databasePath(dataDir);
    if (!existsSync(src)) throw new CommandError(`no database at ${src}`);
    const out = resolve(file!);
    if (out === src) throw new CommandError("the backup file cannot be the database itself");
    if (existsSync(out)) {
      if (!args.flags.force) throw new CommandError(`${out} exists; pass --force to overwrite it`);
      await Bun.file(out).delete();
    }
    const ok = backupDatabase(src, out);
    if (ok !== "ok") throw new CommandError(`the backup failed its integrity check: ${ok}`);
    console.log(`backup written to ${out}`);
    return 0;
  },
};
