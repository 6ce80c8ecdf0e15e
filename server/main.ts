// Entry point of the pymd executable: dispatches to a command and turns failures into exit codes
// (0 success, 1 failure with "error: …", 2 bad usage).
import { VERSION } from "./version.ts";
import { CommandError, UsageError, parseArgs } from "./cli/args.ts";
import { COMMANDS } from "./cli/commands.ts";

function globalHelp(): string {
  return `pymd ${VERSION}: collaborative PyMD notebooks, one executable

usage: pymd [COMMAND] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join("\n")}

With no command, pymd runs 'serve'. 'pymd COMMAND --help' describes a command.`;
}

export async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(globalHelp());
    return 0;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    console.log(`pymd ${VERSION}`);
    return 0;
  }
  const named = first !== undefined && !first.startsWith("-") ? COMMANDS.find((c) => c.name === first) : undefined;
  if (first !== undefined && !first.startsWith("-") && !named) {
    console.error(`error: unknown command ${first}\n\n${globalHelp()}`);
    return 2;
  }
  const cmd = named ?? COMMANDS.find((c) => c.name === "serve")!;
  const rest = named ? argv.slice(1) : argv;
  try {
    const args = parseArgs(rest, cmd.flags);
    if (args.flags.help) {
      console.log(`usage: ${cmd.usage}`);
      return 0;
    }
    if (args.flags.version) {
      console.log(`pymd ${VERSION}`);
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.oneLine) {
        console.error(`error: ${e.message}`);
        return 2;
      }
      console.error(`error: ${e.message}\nusage: ${cmd.usage.split("\n")[0]}\n(see 'pymd ${cmd.name} --help')`);
      return 2;
    }
    if (e instanceof CommandError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
