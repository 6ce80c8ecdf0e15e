// The Python worker of the browser runtime: Pyodide (served by this server under /assets/pyodide/)
// running a notebook's blocks in one namespace and sending the same runner frames the server's
// jailed runner sends. It is started by the sandbox frame (client/python-sandbox.ts) from a blob,
// so it has that frame's opaque origin: no cookies, no storage of the site, and a policy that lets
// it fetch only the Python runtime's own files.
import entrySource from "./python/pymd_browser.py" with { type: "text" };
import type { FromPython, ToPython } from "./python-frames.ts";

interface Pyodide {
  runPython(code: string, opts?: { globals?: unknown }): unknown;
  loadPackagesFromImports(code: string, opts?: { messageCallback?: (m: string) => void }): Promise<unknown>;
  registerJsModule(name: string, module: object): void;
  FS: { mkdirTree(path: string): void; writeFile(path: string, data: string): void };
  pyimport(name: string): { run(json: string): void; setup(json: string): void };
  version: string;
}

const post = (m: FromPython) => (self as unknown as Worker).postMessage(m);
let runtime: ReturnType<Pyodide["pyimport"]> | null = null;
let pyodide: Pyodide | null = null;
let packages = false;
let queue: Promise<void> = Promise.resolve();

async function start(init: Extract<ToPython, { t: "init" }>): Promise<void> {
  post({ t: "status", state: "loading", detail: "Loading Python…" });
  const base = `${init.origin}/assets/pyodide/`;
  const { loadPyodide } = (await import(/* @vite-ignore */ `${base}pyodide.mjs`)) as {
    loadPyodide(o: { indexURL: string; stdout?: (s: string) => void; stderr?: (s: string) => void }): Promise<Pyodide>;
  };
  const py = await loadPyodide({ indexURL: base, stdout: () => {}, stderr: () => {} });
  packages = init.packages;
  // the import names of the distribution's packages, so a missing one is named plainly
  const lock = (await (await fetch(`${base}pyodide-lock.json`)).json()) as {
    packages: Record<string, { imports?: string[] }>;
  };
  const known = Object.values(lock.packages).flatMap((p) => p.imports ?? []);
  py.FS.mkdirTree("/lib/pymd");
  py.FS.writeFile("/lib/pymd/pymd_browser.py", entrySource);
  // the modules the server's runner shares with the browser (display, the pymd helper, tracebacks)
  for (const name of init.modules) {
    if (!/^[a-z_]+$/.test(name)) continue;
    const r = await fetch(`${base}pymd/${name}.py`);
    if (!r.ok) throw new Error(`the runtime module ${name} is not served (${r.status})`);
    py.FS.writeFile(`/lib/pymd/${name}.py`, await r.text());
  }
  py.registerJsModule("_pymd_host", {
    emit: (json: string) => post({ t: "frame", frame: JSON.parse(json) }),
    now: () => performance.now(),
  });
  py.runPython("import sys\nif '/lib/pymd' not in sys.path: sys.path.insert(0, '/lib/pymd')");
  runtime = py.pyimport("pymd_browser");
  runtime.setup(JSON.stringify({ packages, known }));
  pyodide = py;
  post({
    t: "status",
    state: "ready",
    python: `Python ${py.runPython("import sys; sys.version.split()[0]")} (Pyodide ${py.version})`,
  });
}

async function run(m: Extract<ToPython, { t: "run" }>): Promise<void> {
  if (!runtime || !pyodide) return;
  if (packages) {
    // the packages the code imports are fetched from the distribution first (unknown names are left to Python)
    try {
      await pyodide.loadPackagesFromImports(m.blocks.map((b) => b.code).join("\n"), { messageCallback: () => {} });
    } catch {
      // Python then reports the import itself
    }
  }
  runtime.run(
    JSON.stringify({ v: 1, type: "run", runId: m.runId, blocks: m.blocks, maxOutputBytes: m.maxOutputBytes }),
  );
}

self.onmessage = (e: MessageEvent<ToPython>) => {
  const m = e.data;
  if (m.t === "init") {
    queue = queue.then(() =>
      start(m).catch((err) =>
        post({ t: "fatal", message: `Python could not start in this browser: ${String(err?.message ?? err)}` }),
      ),
    );
  } else if (m.t === "run") {
    queue = queue.then(() =>
      run(m).catch((err) => post({ t: "fatal", message: `the run stopped: ${String(err?.message ?? err)}` })),
    );
  }
};
