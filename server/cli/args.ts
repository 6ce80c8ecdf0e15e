// Command-line parsing shared by every command: flags, positionals, usage errors (exit 2).

export class UsageError extends Error {
  /** Print only the message, without the usage reminder (configuration errors are one line). */
  readonly oneLine: boolean;
  constructor(message: string, opts: { oneLine?: boolean } = {}) {
    super(message);
    this.oneLine = opts.oneLine ?? false;
    this.name = "UsageError";
  }
}

/** A failure of the command itself (exit 1). */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}

export type FlagKind = "boolean" | "value";

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: string[], spec: Record<string, FlagKind>): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const kind = spec[name];
      if (!kind) throw new UsageError(`unknown flag --${name}`);
      if (name in flags) throw new UsageError(`--${name} given twice`);
      if (kind === "boolean") {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        flags[name] = true;
      } else if (eq >= 0) {
        flags[name] = a.slice(eq + 1);
      } else {
        const v = argv[i + 1];
        if (v === undefined || (v.startsWith("--") && v.length > 2)) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
        i++;
      }
    } else if (a.startsWith("-") && a.length > 1 && a !== "-") {
      const short: Record<string, string> = { h: "help", V: "version", o: "output", f: "format" };
      const name = short[a.slice(1)];
      if (!name || !spec[name]) throw new UsageError(`unknown flag ${a}`);
      if (spec[name] === "boolean") flags[name] = true;
      else {
        const v = argv[i + 1];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        flags[name] = v;
        i++;
      }
    } else {
      positionals.push(a);
    }
  }
  return { positionals, flags };
}

export function expectPositionals(p: ParsedArgs, names: string[], optional: string[] = []): string[] {
  if (p.positionals.length < names.length)
    throw new UsageError(`missing ${names.slice(p.positionals.length).join(" ")}`);
  if (p.positionals.length > names.length + optional.length)
    throw new UsageError(`unexpected argument ${p.positionals[names.length + optional.length]}`);
  return p.positionals;
}
