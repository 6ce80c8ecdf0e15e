// Python in the reader's browser: what the runtime offers, the Pyodide files, the Python modules
// the server's runner shares with it, and the sandbox frame the page runs it in. The frame and its
// worker have an opaque origin (the page frames it with sandbox="allow-scripts") and a policy that
// lets them load only these files: the notebook's code reaches no cookie, storage or API of the site.
import { Type } from "@sinclair/typebox";
import { browserRunnerModules } from "../../sandbox/browser-runner-modules.ts";
import { AppError } from "../errors.ts";
import { loadAssets, SERVED_ELSEWHERE } from "./client-routes.ts";
import { PYODIDE_CONTENT_TYPES, pyodideContentType, type PyodideAssets } from "./pyodide-assets.ts";
import type { RouteSchema, Router } from "./router.ts";

export const BrowserPythonInfoSchema = Type.Object({
  available: Type.Boolean({ description: "whether this server serves the browser runtime" }),
  version: Type.String({ description: "the Pyodide version" }),
  packages: Type.Boolean({ description: "packages beyond the standard library load on import (--pyodide-dir)" }),
  modules: Type.Array(Type.String(), { description: "the runner's Python modules the browser loads first" }),
});

const file = (type: string, description: string): RouteSchema => ({
  responses: { 200: { content: { [type]: Type.String() }, description } },
});

/** The sandbox frame's page: its one script, no style, no network beyond the runtime's files. */
const FRAME_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Python</title></head><body><script src="/python-sandbox.js"></script></body></html>`;

/** Who may load what inside the frame and its worker (a worker made from a blob keeps the frame's policy). */
export function framePolicy(origin: string): string {
  return [
    "default-src 'none'",
    `script-src ${origin}/python-sandbox.js ${origin}/assets/pyodide/ blob: 'wasm-unsafe-eval'`,
    "worker-src blob:",
    `connect-src ${origin}/python-worker.js ${origin}/assets/pyodide/`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join("; ");
}

/** Files the frame and the worker load across origins: readable by the opaque origin, never credentialed. */
const SHARED = { "access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin" };

export function registerBrowserPythonRoutes(r: Router, d: { assets: PyodideAssets | null; baseUrl: URL | null }): void {
  const modules = browserRunnerModules();
  const originOf = (url: URL) => (d.baseUrl ? d.baseUrl.origin : url.origin);
  r.get(
    "/api/v1/browser-python",
    "Whether notebooks can run in the reader's browser here, and with which packages",
    "none",
    { responses: { 200: BrowserPythonInfoSchema } },
    () => ({
      available: d.assets !== null,
      version: d.assets?.version ?? "",
      packages: d.assets?.packages ?? false,
      modules: Object.keys(modules),
    }),
  );
  r.get(
    "/python-sandbox.html",
    "The frame Python runs in, in the reader's browser",
    "none",
    file("text/html", "The frame"),
    (c) =>
      new Response(FRAME_HTML, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-cache",
          "content-security-policy": framePolicy(originOf(c.url)),
        },
      }),
  );
  for (const path of SERVED_ELSEWHERE) {
    r.get(path, "A script of the browser runtime", "none", file("text/javascript", "The script"), async () => {
      const file = (await loadAssets())?.[path];
      if (!file) throw new AppError("not_found", "the web client is not built");
      return new Response(Bun.file(file), {
        headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache", ...SHARED },
      });
    });
  }
  r.get(
    "/assets/pyodide/pymd/:module",
    "A Python module of the runner, as the browser runtime loads it",
    "none",
    { params: Type.Object({ module: Type.String() }), ...file("text/x-python", "The module's source") },
    (c) => {
      const name = c.params.module!.replace(/\.py$/, "");
      const src = Object.hasOwn(modules, name) ? modules[name] : undefined;
      if (src === undefined) throw new AppError("not_found", "no such module");
      return new Response(src, {
        headers: { "content-type": "text/x-python; charset=utf-8", "cache-control": "no-cache", ...SHARED },
      });
    },
  );
  r.get(
    "/assets/pyodide/:file",
    "A file of the Pyodide runtime (or of the --pyodide-dir distribution: its packages)",
    "none",
    {
      params: Type.Object({ file: Type.String() }),
      responses: {
        200: {
          content: Object.fromEntries(PYODIDE_CONTENT_TYPES.map((t) => [t.split(";")[0]!, Type.String()])),
          description: "The file (gzip-compressed for a browser that accepts it)",
        },
      },
    },
    async (c) => {
      const name = c.params.file!;
      const f = d.assets?.file(name);
      if (!f)
        throw new AppError(
          "not_found",
          d.assets
            ? `${name} is not part of this server's Python runtime`
            : "this server has no browser Python runtime",
        );
      const headers: Record<string, string> = {
        "content-type": pyodideContentType(name),
        "cache-control": d.assets!.packages ? "public, max-age=3600" : "public, max-age=604800",
        vary: "accept-encoding",
        ...SHARED,
      };
      if (!f.gzip) return new Response(f.body, { headers });
      const accepts = /\bgzip\b/.test(c.request.headers.get("accept-encoding") ?? "");
      if (accepts) return new Response(f.body, { headers: { ...headers, "content-encoding": "gzip" } });
      return new Response(Bun.gunzipSync(new Uint8Array(await f.body.arrayBuffer())), { headers });
    },
  );
}
