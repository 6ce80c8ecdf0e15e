// `pymd serve`: start the HTTP server with flags > PYMD_* environment > defaults.
import { loadConfig, SERVE_OPTIONS, ConfigError } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { StartupError, startServer } from "../app.ts";
import { CommandError, UsageError, type FlagKind } from "./args.ts";
import { COMMON_FLAGS, type Command } from "./command.ts";

const flags: Record<string, FlagKind> = { ...COMMON_FLAGS };
for (const o of SERVE_OPTIONS) flags[o.flag.slice(2)] = "boolean" in o && o.boolean ? "boolean" : "value";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the web server (the default command)",
  usage: `pymd serve [options]

Options (each also read from its environment variable; flags win):
${SERVE_OPTIONS.map((o) => `  ${(o.flag + ("boolean" in o && o.boolean ? "" : " VALUE")).padEnd(24)} ${o.env.padEnd(24)} ${o.help}`).join("\n")}`,
  flags,
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(args.flags);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message, { oneLine: true });
      throw e;
    }
    const log = createLogger({ level: config.logLevel, format: config.logFormat });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config, log);
    } catch (e) {
      if (e instanceof StartupError) throw new CommandError(e.message);
      throw e;
    }
    await new Promise<void>((resolve) => {
      const stop = async (signal: string) => {
        log.info("shutting down", { signal });
        await server.stop();
        resolve();
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
    return 0;
  },
};
