// Behaviour of the Python runner, run through each real jail (bwrap and nsjail): frames, namespace,
// errors with document lines, exits, floods, plots, tables and the pymd helper.
import { beforeAll, describe, expect, test } from "bun:test";
import type { RunBlock, RunEvent } from "../protocol/run-frames.ts";
import { collectResults } from "../protocol/run-frames.ts";
import { createSandbox, type Sandbox } from "./index.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const blocks = (...codes: string[]): RunBlock[] => codes.map((code, i) => ({ id: i, code, line: 10 * (i + 1) }));
const stdout = (events: RunEvent[], block: number) =>
  events.flatMap((e) => (e.type === "stdout" && e.block === block ? [e.text] : [])).join("");

for (const jail of jailsUnderTest())
  describe(`runner (${jail.backend})`, () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { wallTimeMs: 15_000, maxOutputBytesPerBlock: 64 * 1024 },
      });
    });

    test(`uses ${jail.backend} and streams frames in order, ending with done`, async () => {
      expect(sandbox.backend).toBe(jail.backend);
      const seen: RunEvent[] = [];
      const events = await sandbox.run(blocks("print('a')\nprint('b')"), (e) => seen.push(e));
      expect(seen).toEqual(events);
      expect(events.map((e) => e.type)).toEqual(["block-start", "stdout", "stdout", "block-done", "done"]);
      expect(stdout(events, 0)).toBe("a\nb\n");
    });

    test("one namespace across blocks, __name__ is __main__, functions see later globals", async () => {
      const events = await sandbox.run(blocks("x = 2\ndef f():\n    return x * y", "y = 21\nprint(f(), __name__)"));
      expect(stdout(events, 1)).toBe("42 __main__\n");
    });

    test("errors keep earlier output, point at document lines, later blocks run", async () => {
      const events = await sandbox.run(blocks("print('before')\ndef g():\n    return 1/0\ng()", "print('next')"));
      const r = collectResults(events);
      const b0 = r.get(0)!;
      expect(b0.status).toBe("error");
      expect(b0.outputs[0]).toEqual({ kind: "stdout", text: "before\n" });
      const err = b0.outputs[1]!;
      expect(err.kind).toBe("error");
      if (err.kind !== "error") throw new Error();
      expect(err.name).toBe("ZeroDivisionError");
      expect(err.line).toBe(12);
      expect(err.traceback).toContain("line 13, in <module>");
      expect(err.traceback).toContain("line 12, in g");
      expect(err.traceback).not.toContain("runner");
      expect(err.traceback).not.toContain("<string>");
      expect(r.get(1)!.status).toBe("ok");
      expect(stdout(events, 1)).toBe("next\n");
    });

    test("syntax errors map to the document line", async () => {
      const events = await sandbox.run(blocks("a = 1\nb = (", "print('still')"));
      const err = events.find((e) => e.type === "error");
      expect(err && err.type === "error" && err.name).toBe("SyntaxError");
      expect(err && err.type === "error" && err.line).toBe(11);
      expect(stdout(events, 1)).toBe("still\n");
    });

    test("sys.exit ends the block, not the run; RecursionError is an error", async () => {
      const events = await sandbox.run(
        blocks("import sys\nprint('x')\nsys.exit()\nprint('never')", "def r(): return r()\nr()", "print('alive')"),
      );
      const r = collectResults(events);
      expect(r.get(0)!.status).toBe("exit");
      expect(stdout(events, 0)).toBe("x\n");
      expect(r.get(1)!.status).toBe("error");
      const rec = events.find((e) => e.type === "error");
      expect(rec && rec.type === "error" && rec.name).toBe("RecursionError");
      expect(rec && rec.type === "error" && rec.traceback).toContain("Previous line repeated");
      expect(stdout(events, 2)).toBe("alive\n");
    });

    test("a forked child that raises or returns never continues as a second runner", async () => {
      const events = await sandbox.run(
        blocks(
          "import os, time\nif os.fork() == 0:\n    raise ValueError('in child')\ntime.sleep(0.2)\nprint('parent')",
          "print('next')",
        ),
      );
      expect(events.filter((e) => e.type === "done")).toHaveLength(1);
      expect(events.filter((e) => e.type === "block-done")).toHaveLength(2);
      expect(events.filter((e) => e.type === "error")).toHaveLength(0);
      expect(events.map((e) => (e.type === "stderr" ? e.text : "")).join("")).toContain(
        "ValueError in a forked process: in child",
      );
      expect(stdout(events, 0)).toBe("parent\n");
    });

    test("input() takes its values from `# input:` comments, in order; one too many is a clear error", async () => {
      const events = await sandbox.run(
        blocks(
          "name = input('Name? ')  # input: Ada\nage = int(input('Age? '))  # input: 36\nbare = input()\nprint(repr(name), age, repr(bare))",
          "for i in range(2):\n    print(input())  # input: once",
        ),
      );
      expect(stdout(events, 0)).toBe("'Ada' 36 ''\n");
      expect(stdout(events, 1)).toBe("once\n");
      const err = events.find((e) => e.type === "error" && e.block === 1);
      expect(err && err.type === "error" && err.value).toBe(
        "notebooks have no standard input: give input() its value in a comment on the same line, e.g. name = input('Name? ')  # input: Ada",
      );
    });

    test("output written to fd 1/2 directly and by subprocesses never corrupts frames", async () => {
      const events = await sandbox.run(
        blocks(
          "import os, subprocess, sys\nos.write(1, b'raw-out\\n')\nos.write(2, b'raw-err\\n')\nsubprocess.run(['/bin/echo', 'child'])\nprint('err', file=sys.stderr)",
        ),
      );
      expect(events.at(-1)!.type).toBe("done");
      const out = events.flatMap((e) => (e.type === "stdout" ? [e.text] : [])).join("");
      const err = events.flatMap((e) => (e.type === "stderr" ? [e.text] : [])).join("");
      expect(out).toContain("raw-out\n");
      expect(out).toContain("child\n");
      expect(err).toContain("raw-err\n");
      expect(err).toContain("err\n");
      expect(out).not.toContain("err");
    });

    test("an output flood is truncated with a marker and the run continues", async () => {
      const events = await sandbox.run(
        blocks("for i in range(100000):\n    print('x' * 100)\nprint('done-loop')", "print('next')"),
      );
      const trunc = events.filter((e) => e.type === "truncated");
      expect(trunc.length).toBe(1);
      const b0 = events.filter((e) => (e.type === "stdout" || e.type === "stderr") && e.block === 0);
      expect(b0.reduce((n, e) => n + (e.type === "stdout" ? e.text.length : 0), 0)).toBeLessThanOrEqual(64 * 1024);
      expect(stdout(events, 1)).toBe("next\n");
    });

    test("output past the rate over time makes the printing code wait, and none of it is lost", async () => {
      const paced = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        limits: { wallTimeMs: 15_000, maxOutputBytesPerBlock: 256 * 1024, maxOutputBytesPerSecond: 128 * 1024 },
      });
      // each block writes 200,000 bytes; the first goes in the burst (one block's cap), the next two
      // wait until the 128 KiB/s rate has paid for them, through print and through fd 1 (whose pipe
      // holds 64 KiB before the writer blocks)
      const timed = (loop: string) =>
        `import os, time\nt0 = time.monotonic()\nfor i in range(200):\n    ${loop}\nwaited = time.monotonic() - t0`;
      const printer = timed("print('p' * 999)");
      const writer = timed("os.write(1, b'w' * 999 + b'\\n')");
      const events = await paced.run(
        blocks(printer, printer + "\nprint('waited', waited >= 0.5)", writer + "\nprint('waited', waited >= 0.5)"),
      );
      expect(events.filter((e) => e.type === "truncated").length).toBe(0);
      const outs = [0, 1, 2].map((b) => stdout(events, b));
      expect(outs[0]!.length).toBe(200_000);
      expect(outs[1]!.endsWith("waited True\n") && outs[1]!.length).toBe(200_000 + "waited True\n".length);
      const third = outs[2]!;
      expect(third.slice(third.indexOf("waited"), third.indexOf("waited") + 12)).toBe("waited True\n");
      expect(third.replace(/waited (True|False)\n/, "") === ("w".repeat(999) + "\n").repeat(200)).toBe(true);
    }, 60_000);

    test("plt.show() and open figures become PNG displays in order, wherever pyplot was imported", async () => {
      const events = await sandbox.run(
        blocks(
          "print('before')\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\nprint('after')\nplt.plot([3, 1])",
        ),
      );
      const kinds = events
        .filter((e) => e.type === "stdout" || e.type === "display")
        .map((e) => (e.type === "display" ? e.mime : e.type));
      expect(kinds).toEqual(["stdout", "image/png", "stdout", "image/png"]);
      const png = events.find((e) => e.type === "display");
      expect(png && png.type === "display" && Buffer.from(png.data, "base64").subarray(1, 4).toString()).toBe("PNG");
    }, 20_000);

    test("DataFrames become HTML tables, pymd helpers work as module and name", async () => {
      const events = await sandbox.run(
        blocks(
          "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf",
          "import pymd\npymd.h2('Title')\npymd.table(df)\npymd.table([[1, '<b>']])",
          "pymd.text('hello **x**')\npymd.code('print(1)')",
        ),
      );
      const d = events.flatMap((e) => (e.type === "display" ? [[e.block, e.mime, e.data] as const] : []));
      expect(d[0]![1]).toBe("text/html");
      expect(d[0]![2]).toContain("<table");
      expect(d[1]).toEqual([1, "text/markdown", "## Title"]);
      expect(d[2]![2]).toContain("pymd-table");
      expect(d[3]![2]).toContain("&lt;b&gt;");
      expect(d[4]).toEqual([2, "text/markdown", "hello **x**"]);
      expect(d[5]).toEqual([2, "text/markdown", "```python\nprint(1)\n```"]);
    }, 20_000);

    test("multiprocessing.Pool, ProcessPoolExecutor and shared_memory work inside the jail", async () => {
      const events = await sandbox.run(
        blocks(
          "from multiprocessing import Pool\nwith Pool(2) as p:\n    print(p.map(abs, [-1, -2, -3]))",
          "import concurrent.futures as cf\nwith cf.ProcessPoolExecutor(2) as ex:\n    print(list(ex.map(abs, [-4, -5])))",
          "from multiprocessing import shared_memory\nm = shared_memory.SharedMemory(create=True, size=1024)\nm.buf[0] = 7\nprint('shm', m.buf[0])\nm.close()\nm.unlink()",
        ),
      );
      expect([stdout(events, 0), stdout(events, 1), stdout(events, 2)]).toEqual(["[1, 2, 3]\n", "[4, 5]\n", "shm 7\n"]);
      expect(events.filter((e) => e.type === "stderr" || e.type === "error")).toEqual([]);
      expect(events.at(-1)!.type).toBe("done");
    });

    test("print(df) or print(series) alone shows the table; with other arguments it prints text", async () => {
      const events = await sandbox.run(
        blocks(
          "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\nprint(df)\nprint(df['a'])\nprint('n', len(df))\nprint(df, 'x')",
        ),
      );
      const displays = events.filter((e) => e.type === "display");
      expect(displays.map((e) => e.type === "display" && e.mime)).toEqual(["text/html", "text/html"]);
      expect(stdout(events, 0)).toBe("n 2\n   a\n0  1\n1  2 x\n");
    });

    test("a final bare expression shows as in Jupyter: its repr or rich repr; pyplot return values and a trailing ; do not", async () => {
      const events = await sandbox.run(
        blocks(
          "x = 41\nx + 1",
          "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title('t')",
          "class R:\n    def _repr_markdown_(self):\n        return '**rich**'\nR()",
          "'quiet';",
          "display({'a': 1}, R())",
          "import pymd\npymd.text('once')",
          "class L:\n    def _repr_latex_(self):\n        return '$\\\\displaystyle x^{2}$'\nL()",
          "class E:\n    def _repr_latex_(self):\n        return '\\\\begin{equation}a = b\\\\end{equation}'\nE()",
        ),
      );
      const shown = (block: number) =>
        events.flatMap((e) =>
          e.type === "display" && e.block === block ? [[e.mime, e.mime === "image/png" ? "png" : e.data]] : [],
        );
      expect(shown(0)).toEqual([["text/markdown", "```output\n42\n```"]]);
      expect(shown(1)).toEqual([["image/png", "png"]]);
      expect(shown(2)).toEqual([["text/markdown", "**rich**"]]);
      expect(shown(3)).toEqual([]);
      expect(shown(4)).toEqual([
        ["text/markdown", "```output\n{'a': 1}\n```"],
        ["text/markdown", "**rich**"],
      ]);
      expect(shown(5)).toEqual([["text/markdown", "once"]]);
      // LaTeX reprs (sympy's) become Markdown math, rendered by KaTeX
      expect(shown(6)).toEqual([["text/markdown", "$\\displaystyle x^{2}$"]]);
      expect(shown(7)).toEqual([["text/markdown", "$$\n\\begin{equation}a = b\\end{equation}\n$$"]]);
    });
  });
