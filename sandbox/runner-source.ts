// The Python runner, embedded at build time so the compiled single executable carries it. Its
// modules (runner/pymd_*.py) are put together into one program handed to the interpreter with
// `-c`: the program carries every module's source and imports them from there, so no host file is
// ever read from inside the jail.
import pymdDisplay from "./runner/pymd_display.py" with { type: "text" };
import pymdExec from "./runner/pymd_exec.py" with { type: "text" };
import pymdHelpers from "./runner/pymd_helpers.py" with { type: "text" };
import pymdIo from "./runner/pymd_io.py" with { type: "text" };
import pymdKernel from "./runner/pymd_kernel.py" with { type: "text" };
import pymdMain from "./runner/pymd_main.py" with { type: "text" };
import pymdTraceback from "./runner/pymd_traceback.py" with { type: "text" };

/** The runner's modules by name, as the files under runner/ hold them. */
export const runnerModules: Readonly<Record<string, string>> = {
  pymd_io: pymdIo,
  pymd_display: pymdDisplay,
  pymd_helpers: pymdHelpers,
  pymd_traceback: pymdTraceback,
  pymd_exec: pymdExec,
  pymd_kernel: pymdKernel,
  pymd_main: pymdMain,
};

/** A Python string literal of s, in ASCII (JSON's escapes are Python's too). */
function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The program for `python -c`: a meta-path finder that imports the given modules from their
 * sources (each compiled only when first imported, so rarely needed ones cost nothing at start),
 * then pymd_main.main().
 */
export function runnerProgram(modules: Readonly<Record<string, string>>): string {
  const entries = Object.entries(modules)
    .map(([name, source]) => `    ${pythonString(name)}: ${pythonString(source)},`)
    .join("\n");
  return `import sys


class _RunnerModules:
    """Imports the runner's own modules from the sources this program carries."""

    sources = {
${entries}
    }

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name in cls.sources:
            return type(sys.__spec__)(name, cls, origin="pymd runner")
        return None

    @staticmethod
    def create_module(spec):
        return None

    @classmethod
    def exec_module(cls, module):
        name = module.__spec__.name
        exec(compile(cls.sources[name], "<%s>" % name, "exec"), module.__dict__)


sys.meta_path.insert(0, _RunnerModules)
import pymd_main  # noqa: E402

pymd_main.main()
`;
}

export const runnerSource: string = runnerProgram(runnerModules);
