// Reading a password for admin commands: hidden prompt on a terminal, or one line on stdin.
import { CommandError, UsageError } from "./args.ts";

export async function readAllStdin(): Promise<string> {
  const text = await Bun.stdin.text();
  if (text.length > 1024 * 1024) throw new CommandError("standard input is too large for a password");
  return text;
}

/** The first line of stdin, without its line ending. */
export async function passwordFromStdin(): Promise<string> {
  const text = await readAllStdin();
  const line = text.split(/\r?\n/)[0] ?? "";
  if (line === "") throw new CommandError("no password on standard input");
  return line;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new CommandError("cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** Asks twice on a terminal; refuses when there is no terminal and --password-stdin was not given. */
export async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return passwordFromStdin();
  if (!process.stdin.isTTY)
    throw new UsageError("no terminal to ask for a password on; pass --password-stdin and pipe it in");
  const a = await promptHidden("Password: ");
  const b = await promptHidden("Repeat password: ");
  if (a !== b) throw new CommandError("the passwords did not match");
  return a;
}
