// .ipynb in and out: a notebook written here with Markdown, code, a raw cell, an image attachment
// and outputs survives import and export through the real server; `pymd convert` does the same
// on files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportIpynb, importIpynb } from "./ipynb.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  cells: [
    {
      cell_type: "markdown",
      metadata: {},
      source: ["# Sales report\n", "\n", "Quarterly *figures* below.\n", "![logo](attachment:logo.png)"],
      attachments: { "logo.png": { "image/png": PIXEL } },
    },
    {
      cell_type: "code",
      metadata: {},
      execution_count: 3,
      source: ["x = 6 * 7\n", "print(x)"],
      outputs: [{ output_type: "stream", name: "stdout", text: ["42\n"] }],
    },
    { cell_type: "raw", metadata: {}, source: "raw text, shown as is" },
    { cell_type: "code", metadata: {}, execution_count: null, source: "s = 'x'\nprint(len(s))", outputs: [] },
  ],
};

let srv: TestServer;
let alice: TestClient;
let dir: string;
beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
  dir = mkdtempSync(join(tmpdir(), "pymd-ipynb-"));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(".ipynb", () => {
  test("import: Markdown lines, executed blocks, a display-only raw block, the attachment as a workspace file", () => {
    const nb = importIpynb(JSON.stringify(NOTEBOOK));
    expect(nb.source).toBe(
      [
        "# # Sales report",
        "#",
        "# Quarterly *figures* below.",
        "# ![logo](attachments/1-logo.png)",
        "",
        "# ```",
        "x = 6 * 7",
        "print(x)",
        "# ```",
        "",
        "# ````text",
        "raw text, shown as is",
        "# ````",
        "",
        "# ```",
        "s = 'x'",
        "print(len(s))",
        "# ```",
        "",
      ].join("\n"),
    );
    expect(nb.files).toEqual([{ path: "attachments/1-logo.png", bytes: new Uint8Array(Buffer.from(PIXEL, "base64")) }]);
    expect(() => importIpynb("{not json")).toThrow("not valid JSON");
    expect(() => importIpynb('{"cells": 3}')).toThrow("no cells list");
    const fenceInCode = {
      cells: [
        { cell_type: "markdown", source: "a" },
        { cell_type: "code", source: 's = """\n# ```\n"""' },
      ],
    };
    expect(() => importIpynb(JSON.stringify(fenceInCode))).toThrow("code cell 2 has a line that starts with ```");
  });

  test("round trip through the server: import with the attachment, run, export with the outputs", async () => {
    const form = new FormData();
    form.append(
      "file",
      new File([JSON.stringify(NOTEBOOK)], "Sales report.ipynb", { type: "application/x-ipynb+json" }),
    );
    const imp = await alice.req("POST", "/api/v1/documents/import", form);
    expect(imp.status).toBe(201);
    const doc = (await imp.json()) as { id: string; title: string };
    expect(doc.title).toBe("Sales report");
    const files = (await alice.json("GET", `/api/v1/documents/${doc.id}/files`)).body.files.map(
      (f: { path: string }) => f.path,
    );
    expect(files).toEqual(["attachments", "attachments/1-logo.png"]);
    const logo = new Uint8Array(
      await (await alice.req("GET", `/api/v1/documents/${doc.id}/file?path=attachments/1-logo.png`)).arrayBuffer(),
    );
    expect(logo).toEqual(new Uint8Array(Buffer.from(PIXEL, "base64")));
    // run it in the editor's kernel, then export: cells back, with the outputs of that run
    const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    p.send({ t: "join", doc: doc.id });
    await p.next("joined");
    p.send({ t: "run", doc: doc.id, scope: "all" });
    expect((await p.next("run-finished", () => true, 60_000)).error).toBeNull();
    p.ws.close();
    const exp = await alice.req("GET", `/api/v1/documents/${doc.id}/export?format=ipynb`);
    expect(exp.headers.get("content-type")).toBe("application/x-ipynb+json");
    const out = (await exp.json()) as {
      nbformat: number;
      cells: { cell_type: string; source: string[]; outputs?: unknown[] }[];
    };
    expect(out.nbformat).toBe(4);
    expect(out.cells.map((c) => c.cell_type)).toEqual(["markdown", "code", "markdown", "code"]);
    expect(out.cells[0]!.source.join("")).toBe(
      "# Sales report\n\nQuarterly *figures* below.\n![logo](attachments/1-logo.png)",
    );
    expect(out.cells[1]!.source.join("")).toBe("x = 6 * 7\nprint(x)");
    expect(out.cells[1]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["42\n"] }]);
    expect(out.cells[3]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["1\n"] }]);
    expect(out.cells[2]!.source.join("")).toBe("```text\nraw text, shown as is\n```");
  });

  test("export carries outputs: stream, image display and error", () => {
    const src = "# # T\n# ```\nprint('hi')\n# ```\n";
    const results = new Map([
      [
        1,
        {
          block: 1,
          status: "error" as const,
          durationMs: 5,
          outputs: [
            { kind: "stdout" as const, text: "hi\nthere\n" },
            { kind: "display" as const, mime: "image/png" as const, data: PIXEL },
            {
              kind: "error" as const,
              name: "ValueError",
              value: "bad",
              traceback: "Traceback\nValueError: bad",
              line: 3,
            },
          ],
        },
      ],
    ]);
    const nb = JSON.parse(exportIpynb(src, results)) as { cells: { execution_count?: number; outputs?: unknown[] }[] };
    expect(nb.cells[1]!.execution_count).toBe(1);
    expect(nb.cells[1]!.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: ["hi\n", "there\n"] },
      { output_type: "display_data", data: { "image/png": PIXEL }, metadata: {} },
      { output_type: "error", ename: "ValueError", evalue: "bad", traceback: ["Traceback", "ValueError: bad"] },
    ]);
  });

  test("pymd convert: .ipynb to .pymd with the attachment beside it, and back", () => {
    const main = join(import.meta.dir, "..", "main.ts");
    const nbPath = join(dir, "in.ipynb");
    writeFileSync(nbPath, JSON.stringify(NOTEBOOK));
    const to = Bun.spawnSync([process.execPath, main, "convert", nbPath, join(dir, "out.pymd")], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(to.exitCode).toBe(0);
    expect(readFileSync(join(dir, "out.pymd"), "utf8")).toContain("# ![logo](attachments/1-logo.png)");
    expect(existsSync(join(dir, "attachments", "1-logo.png"))).toBe(true);
    const back = Bun.spawnSync([process.execPath, main, "convert", join(dir, "out.pymd"), join(dir, "back.ipynb")], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(back.exitCode).toBe(0);
    const nb = JSON.parse(readFileSync(join(dir, "back.ipynb"), "utf8")) as { cells: { cell_type: string }[] };
    expect(nb.cells.map((c) => c.cell_type)).toEqual(["markdown", "code", "markdown", "code"]);
    const again = Bun.spawnSync([process.execPath, main, "convert", nbPath, join(dir, "out.pymd")], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(again.exitCode).toBe(1);
    expect(again.stderr.toString()).toContain("exists; pass --force");
    const bad = Bun.spawnSync([process.execPath, main, "convert", nbPath, join(dir, "x.txt")], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(bad.exitCode).toBe(2);
  });
});
