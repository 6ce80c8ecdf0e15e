// The Python runner's source, embedded at build time so the compiled single executable carries it.
// It is handed to the interpreter with `-c`, so no host file is ever read from inside the jail.
import source from "./runner/runner.py" with { type: "text" };

export const runnerSource: string = source;
