// The runner's Python modules on the host's python3, outside any jail: importing any of them
// changes nothing in the process (descriptors, streams, builtins, signals, threads, import
// system), their pure parts do what the jail relies on, and the program runner-source.ts makes
// of them runs from its own text alone.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runnerModules, runnerSource } from "../runner-source.ts";

const DIR = import.meta.dir;
const PYTHON = Bun.which("python3");
if (!PYTHON) throw new Error("python3 is needed for the runner's module tests");
const MODULES = Object.keys(runnerModules);

/** Runs Python code with the modules' directory first on sys.path; -B keeps bytecode out of the tree. */
function py(code: string, opts: { stdin?: string; cwd?: string; args?: string[] } = {}) {
  const prelude = `import sys\nsys.path.insert(0, ${JSON.stringify(DIR)})\n`;
  const r = Bun.spawnSync([PYTHON!, "-I", "-S", "-B", "-c", prelude + code, ...(opts.args ?? [])], {
    cwd: opts.cwd ?? tmpdir(),
    stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Runs code that prints one JSON value last; fails on any stderr or non-zero exit. */
function pyJson(code: string): unknown {
  const r = py(code);
  if (r.code !== 0 || r.stderr) throw new Error(`python failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Everything of the process an import could change, as JSON.
const SNAPSHOT = `
import os, json, builtins, _signal
def snapshot():
    fds = []
    for fd in (0, 1, 2):
        st = os.fstat(fd)
        fds.append([st.st_dev, st.st_ino, st.st_mode, os.get_blocking(fd)])
    return {
        "fds": fds,
        "open": sorted(os.listdir("/proc/self/fd")),
        "threads": len(os.listdir("/proc/self/task")),
        "std": [id(sys.stdin), id(sys.stdout), id(sys.stderr), id(sys.__stdin__), id(sys.__stdout__), id(sys.__stderr__)],
        "builtins": [id(builtins.print), id(builtins.input), id(getattr(builtins, "exit", None)), hasattr(builtins, "display")],
        "signals": [id(_signal.getsignal(s)) for s in (_signal.SIGINT, _signal.SIGXCPU, _signal.SIGCHLD)],
        "meta_path": [id(f) for f in sys.meta_path],
        "path": list(sys.path),
        "main": id(sys.modules["__main__"]),
        "pymd": "pymd" in sys.modules,
        "cwd": os.getcwd(),
    }
`;

describe("importing a runner module has no side effects", () => {
  for (const name of [...MODULES, MODULES.join(",")])
    test(`import ${name}`, () => {
      const r = py(
        `${SNAPSHOT}
import importlib
before = snapshot()
for m in ${JSON.stringify(name.split(","))}:
    importlib.import_module(m)
after = snapshot()
forked_lock_kept = None
if "pymd_io" in sys.modules:
    # no at-fork hook: a forked child still has the lock it was forked with
    io = sys.modules["pymd_io"]
    lock = io._lock
    pid = os.fork()
    if pid == 0:
        os._exit(0 if io._lock is lock else 1)
    forked_lock_kept = os.waitpid(pid, 0)[1] == 0
print(json.dumps({"same": before == after, "diff": {k: [before[k], after[k]] for k in before if before[k] != after[k]}, "fork": forked_lock_kept}))
`,
      );
      // nothing printed: the only output is the verdict itself
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const verdict = JSON.parse(r.stdout) as { same: boolean; diff: unknown; fork: boolean | null };
      expect(verdict.diff).toEqual({});
      expect(verdict.same).toBe(true);
      if (name !== "pymd_traceback") expect(verdict.fork).toBe(true);
    });

  test("install() is what rewires the descriptors and streams (the check above sees it)", () => {
    const out = pyJson(`${SNAPSHOT}
import pymd_io
before = snapshot()
pymd_io.install()
after = snapshot()
os.write(pymd_io._frame_fd, (json.dumps(sorted(k for k in before if before[k] != after[k])) + "\\n").encode())
`);
    expect(out).toEqual(expect.arrayContaining(["fds", "open", "std"]));
  });
});

describe("pymd_io: the output cap and the frames", () => {
  test("a block's output stops at its byte cap with one truncated frame; bytes are UTF-8 bytes", () => {
    const frames = pyJson(`
import json, pymd_io
frames = []
pymd_io.write_frame = lambda s: frames.append(json.loads(s))
pymd_io.begin_block("r1", 3, 10)
pymd_io.emit_output("stdout", "héllo")     # 6 bytes
pymd_io.emit_output("stderr", "world")     # 4 of them fit
pymd_io.emit_output("stdout", "more")      # dropped
pymd_io.begin_block("r1", 4, 5)
pymd_io.emit_output("display", "<b>too big</b>", "text/html")  # a display is never cut
pymd_io.begin_block("r1", 5, 100)
pymd_io.stdout.write("buffered ")
pymd_io.stdout.write("line\\n")
pymd_io.stderr.write("no newline yet")
pymd_io.flush_streams()
print(json.dumps(frames))
`);
    expect(frames).toEqual([
      { type: "stdout", runId: "r1", block: 3, text: "héllo" },
      { type: "stderr", runId: "r1", block: 3, text: "worl" },
      { type: "truncated", runId: "r1", block: 3, limitBytes: 10 },
      { type: "truncated", runId: "r1", block: 4, limitBytes: 5 },
      { type: "stdout", runId: "r1", block: 5, text: "buffered line\n" },
      { type: "stderr", runId: "r1", block: 5, text: "no newline yet" },
    ]);
  });
});

describe("pymd_display and pymd_helpers: conversions", () => {
  test("final values: rich reprs by preference, plain reprs fenced past their backticks, shown text not again", () => {
    const out = pyJson(`
import json, pymd_io, pymd_display, pymd_helpers
shown = []
pymd_io.write_frame = lambda s: shown.append(json.loads(s))
pymd_io.begin_block("r", 0, 1 << 20)
class Html:
    def _repr_html_(self): return "<i>x</i>"
    def _repr_markdown_(self): return "not this"
class Latex:
    def _repr_latex_(self): return "x^2"
for v in (Html(), Latex(), ["a\`\`\`b"], pymd_display.Shown("already"), None, Html):
    pymd_display.display_result(v)
print(json.dumps({
    "shown": [[f["mime"], f["data"]] for f in shown],
    "latex": [pymd_display.latex_markdown(" $a$ "), pymd_display.latex_markdown("a")],
    "fence": pymd_helpers.fence("x \`\`\`\` y", "py"),
    "rows": pymd_helpers.rows_html([[1, "<b>"], "one"]),
}))
`) as { shown: string[][]; latex: string[]; fence: string; rows: string };
    expect(out.shown).toEqual([
      ["text/html", "<i>x</i>"],
      ["text/markdown", "$$\nx^2\n$$"],
      ["text/markdown", "````output\n['a```b']\n````"],
      // a class (not an instance) is shown by its repr
      ["text/markdown", "```output\n<class '__main__.Html'>\n```"],
    ]);
    expect(out.latex).toEqual(["$a$", "$$\na\n$$"]);
    expect(out.fence).toBe("`````py\nx ```` y\n`````");
    expect(out.rows).toBe(
      '<table class="pymd-table"><tbody><tr><td>1</td><td>&lt;b&gt;</td></tr><tr><td>one</td></tr></tbody></table>',
    );
  });
});

describe("pymd_traceback: only the document's frames, with document lines", () => {
  test("frames of other files are left out, lines are the document's, recursion is collapsed, syntax errors map", () => {
    const out = pyJson(`
import json, pymd_traceback
block_files = {}
def block(name, line, code):
    block_files[name] = (line, code.splitlines())
    return compile(code, name, "exec")
ns = {}
# a library frame between two block frames (not one of the document's)
exec(compile("def lib(f):\\n    return f()\\n", "/usr/lib/python3/somelib.py", "exec"), ns)
exec(block("<pymd block 0@10>", 10, "def g():\\n    return 1 / 0\\n"), ns)
results = []
for code in ("lib(g)", "def r(n):\\n    return r(n + 1)\\nr(0)"):
    try:
        exec(block("<pymd block 1@20>", 20, code), ns)
    except BaseException as e:
        results.append(pymd_traceback.format_error(e, block_files))
try:
    compile("a = 1\\nb = (", "<pymd block 2@30>", "exec")
except SyntaxError as e:
    block_files["<pymd block 2@30>"] = (30, ["a = 1", "b = ("])
    results.append(pymd_traceback.format_error(e, block_files))
print(json.dumps(results))
`) as [string, string, string, number | null][];
    const [zero, recursion, syntax] = out;
    expect(zero).toEqual([
      "ZeroDivisionError",
      "division by zero",
      "Traceback (most recent call last):\n  line 20, in <module>\n    lib(g)\n  line 11, in g\n    return 1 / 0\nZeroDivisionError: division by zero",
      11,
    ]);
    expect(zero![2]).not.toContain("somelib");
    expect(recursion![0]).toBe("RecursionError");
    expect(recursion![2]).toMatch(/\[Previous line repeated \d+ more times\]/);
    expect(recursion![2].split("\n").length).toBeLessThan(15);
    expect(syntax![0]).toBe("SyntaxError");
    expect(syntax![3]).toBe(31);
    expect(syntax![2]).toContain("  line 31\n    b = (");
  });
});

describe("pymd_exec and pymd_main: requests", () => {
  test("input() mocks, request parsing and options are read as documented", () => {
    const out = pyJson(`
import json, pymd_exec, pymd_main
print(json.dumps({
    "mocks": pymd_exec.input_mocks("a = input('A? ')  # input: Ada\\nb = input()\\nprint(1)  # input: no"),
    "nan": str(pymd_exec.parse_request(b' {"x": NaN} \\n')["x"]),
    "args": pymd_main.parse_args(["-c", "--cpu-per-request", "5", "--checkpoints", "4", "--memory", "100", "--mpl-cache", "/c", "--nproc"]),
}))
`);
    expect(out).toEqual({
      mocks: ["Ada", ""],
      nan: "nan",
      args: { cpu_per_block: 5, checkpoints: 4, memory: 100, mpl_cache: "/c", nproc: null },
    });
  });

  test("a request runs its blocks in one namespace; an error's traceback names no runner module", () => {
    const frames = pyJson(`
import json, sys, pymd_io, pymd_display, pymd_exec
frames = []
pymd_io.write_frame = lambda s: frames.append(json.loads(s))
pymd_io.become_runner()
real_stdout, sys.stdout = sys.stdout, pymd_io.stdout
pymd_display.install()
pymd_exec.install(0)
pymd_exec.run_request({"runId": "q", "maxOutputBytes": 1000, "blocks": [
    {"id": 0, "code": "x = 6\\nprint(x * 7)", "line": 3},
    {"id": 1, "code": "def f():\\n    raise ValueError('no')\\nf()", "line": 9},
    {"id": 2, "code": "__name__, x", "line": 20},
]}, exact=False)
print(json.dumps([{k: v for k, v in f.items() if k != "durationMs"} for f in frames]), file=real_stdout, flush=True)
`) as Record<string, unknown>[];
    expect(frames).toEqual([
      { type: "block-start", runId: "q", block: 0 },
      { type: "stdout", runId: "q", block: 0, text: "42\n" },
      { type: "block-done", runId: "q", block: 0, status: "ok" },
      { type: "block-start", runId: "q", block: 1 },
      {
        type: "error",
        runId: "q",
        block: 1,
        name: "ValueError",
        value: "no",
        traceback:
          "Traceback (most recent call last):\n  line 11, in <module>\n    f()\n  line 10, in f\n    raise ValueError('no')\nValueError: no",
        line: 10,
      },
      { type: "block-done", runId: "q", block: 1, status: "error" },
      { type: "block-start", runId: "q", block: 2 },
      { type: "display", runId: "q", block: 2, mime: "text/markdown", data: "```output\n('__main__', 6)\n```" },
      { type: "block-done", runId: "q", block: 2, status: "ok" },
      { type: "done", runId: "q" },
    ]);
  });
});

describe("the program runner-source.ts builds", () => {
  test("embeds every module of runner/ and fits in one argument (MAX_ARG_STRLEN, 128 KiB)", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".py"))
      .map((f) => f.slice(0, -3));
    expect(MODULES.toSorted()).toEqual(files.toSorted());
    expect(Buffer.byteLength(runnerSource)).toBeLessThan(128 * 1024);
    expect(/^[\x00-\x7f]*$/.test(runnerSource)).toBe(true);
  });

  test("runs from its own text in an empty directory: modules come from the program, not from files", () => {
    const cwd = mkdtempSync(join(tmpdir(), "pymd-runner-program-"));
    try {
      const req = {
        v: 1,
        type: "run",
        runId: "p",
        maxOutputBytes: 10_000,
        blocks: [
          {
            id: 0,
            code: "import os, sys, pymd_io\nos.write(1, b'raw\\n')\nprint(pymd_io.__spec__.origin, hasattr(pymd_io, '__file__'), sys.modules['pymd'].__name__)",
            line: 1,
          },
          { id: 1, code: "import pymd\npymd.h2('Hi')\n1 / 0", line: 5 },
        ],
      };
      const r = Bun.spawnSync([PYTHON!, "-I", "-S", "-B", "-c", runnerSource, "--cpu-per-request", "10"], {
        cwd,
        stdin: Buffer.from(`${JSON.stringify(req)}\n`),
        env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
      });
      expect(r.stderr.toString()).toBe("");
      const frames = r.stdout
        .toString()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(frames[0]).toMatchObject({ v: 1, type: "ready" });
      const texts = frames.filter((f) => f.type === "stdout").map((f) => f.text);
      // fd 1 is read by the pump thread: its bytes and sys.stdout's are not ordered between them
      expect(texts.toSorted()).toEqual(["pymd runner False pymd\n", "raw\n"]);
      expect(frames.find((f) => f.type === "display")).toMatchObject({ mime: "text/markdown", data: "## Hi" });
      const err = frames.find((f) => f.type === "error")!;
      expect(err.traceback).toBe(
        "Traceback (most recent call last):\n  line 7, in <module>\n    1 / 0\nZeroDivisionError: division by zero",
      );
      expect(frames.at(-1)).toMatchObject({ type: "done", runId: "p" });
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
