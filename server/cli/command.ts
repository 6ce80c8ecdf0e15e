// The shape every CLI command has, so main.ts can dispatch, print help and handle errors alike.
import type { FlagKind, ParsedArgs } from "./args.ts";

export interface Command {
  name: string;
  summary: string;
  /** Usage text printed by --help, without the leading "usage: ". */
  usage: string;
  flags: Record<string, FlagKind>;
  run(args: ParsedArgs): Promise<number>;
}

export const COMMON_FLAGS: Record<string, FlagKind> = { help: "boolean", version: "boolean" };
