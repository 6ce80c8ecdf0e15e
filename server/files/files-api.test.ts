// Workspace files through the real server and a real SQLite file: upload, list, download bytes,
// folders, move, delete, who may do what, limits (nothing half-written), hostile names, and the
// files a published document may serve.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;
let eve: TestClient;
let doc: string;

const MB = 1000 * 1000;

beforeAll(async () => {
  srv = await startTestServer({ fileMaxMb: 3, workspaceMaxMb: 5, userFilesMaxMb: 8 });
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
  eve = await srv.userClient("eve");
  doc = (await alice.json("POST", "/api/v1/documents", { title: "Files", content: "# ![chart](chart.png)\n" })).body.id;
  await alice.json("PUT", `/api/v1/documents/${doc}/members`, { members: [{ username: "bob", role: "viewer" }] });
});
afterAll(() => srv.close());

const put = (c: TestClient, path: string, body: string | Uint8Array, d = doc, headers: Record<string, string> = {}) =>
  c.req("PUT", `/api/v1/documents/${d}/file?path=${encodeURIComponent(path)}`, body as never, {
    "content-type": "application/octet-stream",
    ...headers,
  });

function bytes(n: number, seed = 7): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(new ArrayBuffer(n));
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = x = (x * 1103515245 + 12345) & 0xff;
  return b;
}

describe("workspace files", () => {
  test("upload, list with usage, download the same bytes as an attachment that is never sniffed", async () => {
    const data = bytes(2_500_000);
    const up = await put(alice, "data/sales.csv", data);
    expect(up.status).toBe(201);
    expect(await up.json()).toMatchObject({ path: "data/sales.csv", kind: "file", size: 2_500_000 });
    const list = await alice.json("GET", `/api/v1/documents/${doc}/files`);
    expect(list.body.files.map((f: { path: string; kind: string }) => [f.path, f.kind])).toEqual([
      ["data", "dir"],
      ["data/sales.csv", "file"],
    ]);
    expect(list.body.usage).toMatchObject({
      documentBytes: 2_500_000,
      documentLimit: 5 * MB,
      fileLimit: 3 * MB,
      ownerLimit: 8 * MB,
    });
    const down = await bob.req("GET", `/api/v1/documents/${doc}/file?path=data/sales.csv`);
    expect(down.status).toBe(200);
    expect(down.headers.get("content-disposition")).toStartWith("attachment;");
    expect(down.headers.get("x-content-type-options")).toBe("nosniff");
    expect(down.headers.get("content-type")).toBe("application/octet-stream");
    expect(down.headers.get("content-security-policy")).toContain("sandbox");
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(data);
  });

  test("HTML and SVG with script are served as bytes to download, never as a page of this origin", async () => {
    await put(alice, "evil.html", "<script>alert(1)</script>");
    await put(alice, "evil.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    for (const p of ["evil.html", "evil.svg"]) {
      for (const inline of ["", "&inline=1"]) {
        const r = await alice.req("GET", `/api/v1/documents/${doc}/file?path=${p}${inline}`);
        expect(r.headers.get("content-type")).toBe("application/octet-stream");
        expect(r.headers.get("content-disposition")).toStartWith("attachment;");
        expect(r.headers.get("content-security-policy")).toStartWith("sandbox;");
      }
    }
    const png = await put(alice, "chart.png", bytes(1000));
    expect(png.status).toBe(201);
    const img = await alice.req("GET", `/api/v1/documents/${doc}/file?path=chart.png&inline=1`);
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(img.headers.get("content-disposition")).toStartWith("inline;");
  });

  test("viewers list and download but cannot change; strangers get 404", async () => {
    expect((await put(bob, "x.txt", "x")).status).toBe(403);
    expect((await bob.req("DELETE", `/api/v1/documents/${doc}/file?path=chart.png`)).status).toBe(403);
    expect((await bob.json("POST", `/api/v1/documents/${doc}/folders`, { path: "new" })).status).toBe(403);
    expect((await bob.json("GET", `/api/v1/documents/${doc}/files`)).status).toBe(200);
    expect((await eve.json("GET", `/api/v1/documents/${doc}/files`)).status).toBe(404);
    expect((await eve.req("GET", `/api/v1/documents/${doc}/file?path=chart.png`)).status).toBe(404);
    expect((await srv.anonymous().req("GET", `/api/v1/documents/${doc}/file?path=chart.png`)).status).toBe(401);
  });

  test("folders, rename and move of a folder with its files, delete", async () => {
    expect((await alice.json("POST", `/api/v1/documents/${doc}/folders`, { path: "out/figs" })).status).toBe(201);
    await put(alice, "out/figs/a.txt", "A");
    const mv = await alice.json("POST", `/api/v1/documents/${doc}/files/move`, { from: "out", to: "results" });
    expect(mv.status).toBe(200);
    const paths = (await alice.json("GET", `/api/v1/documents/${doc}/files`)).body.files.map(
      (f: { path: string }) => f.path,
    );
    expect(paths).toContain("results/figs/a.txt");
    expect(paths).not.toContain("out");
    expect(await (await alice.req("GET", `/api/v1/documents/${doc}/file?path=results/figs/a.txt`)).text()).toBe("A");
    expect(
      (await alice.json("POST", `/api/v1/documents/${doc}/files/move`, { from: "results", to: "results/inside" }))
        .status,
    ).toBe(400);
    expect((await alice.req("DELETE", `/api/v1/documents/${doc}/file?path=results`)).status).toBe(204);
    const after = (await alice.json("GET", `/api/v1/documents/${doc}/files`)).body.files.map(
      (f: { path: string }) => f.path,
    );
    expect(after.filter((p: string) => p.startsWith("results"))).toEqual([]);
  });

  test("every hostile name is refused with a reason, and names differing only in case are one file", async () => {
    const hostile: [string, string][] = [
      ["../escape.txt", "may not contain . or .."],
      ["a/../../b", "may not contain . or .."],
      ["/etc/passwd", "relative to the workspace"],
      ["a\u0000b", "control or invisible character (U+0000)"],
      ["tab\there", "control or invisible character (U+0009)"],
      ["new\nline", "control or invisible character (U+000A)"],
      ["x".repeat(300), "longer than 255 bytes"],
      ["d/".repeat(20) + "f", "nested at most 16 deep"],
      [Array.from({ length: 6 }, () => "a".repeat(200)).join("/"), "longer than 1024 bytes"],
      ["report\u202etxt.exe", "control or invisible character (U+202E)"],
      ["zero\u200bwidth", "control or invisible character (U+200B)"],
      ["win\\path", "backslash"],
      ["a//b", "empty folder name"],
      ["trailing.", "ends with a space or dot"],
      ["", "?path= is required"],
    ];
    for (const [name, reason] of hostile) {
      const r = await alice.req(
        "PUT",
        `/api/v1/documents/${doc}/file${name === "" ? "" : `?path=${encodeURIComponent(name)}`}`,
        "x",
        {
          "content-type": "application/octet-stream",
        },
      );
      const body = (await r.json()) as { error: { message: string } };
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expect(body.error.message).toContain(reason);
    }
    expect((await put(alice, "Report.csv", "1")).status).toBe(201);
    const clash = await put(alice, "REPORT.csv", "2");
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { error: { message: string } }).error.message).toContain("differ only in case");
    // Unicode normalisation: NFD "é" is the NFC file
    expect((await put(alice, "caf\u00e9.txt", "nfc")).status).toBe(201);
    expect((await put(alice, "cafe\u0301.txt", "nfd")).status).toBe(201);
    expect(
      await (
        await alice.req("GET", `/api/v1/documents/${doc}/file?path=${encodeURIComponent("caf\u00e9.txt")}`)
      ).text(),
    ).toBe("nfd");
    // nothing from the refused names reached the database
    const db = new Database(join(srv.dataDir, "pymd.db"), { readonly: true });
    const rows = db
      .query<{ path: string }, []>("SELECT path FROM workspace_files")
      .all()
      .map((r) => r.path);
    db.close();
    for (const [name] of hostile) if (name) expect(rows).not.toContain(name.normalize("NFC"));
  });

  test("over a limit: 413 with the limit named, nothing half-written, the old file kept", async () => {
    const before = await (await alice.req("GET", `/api/v1/documents/${doc}/file?path=data/sales.csv`)).arrayBuffer();
    const tooBig = await put(alice, "data/sales.csv", bytes(3_500_000));
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { message: string } }).error.message).toContain(
      "a file may be at most 3 MB",
    );
    expect(
      new Uint8Array(await (await alice.req("GET", `/api/v1/documents/${doc}/file?path=data/sales.csv`)).arrayBuffer()),
    ).toEqual(new Uint8Array(before));
    // the document's total: 2.5 MB is there, 2.9 more would pass 5 MB
    const docFull = await put(alice, "more.bin", bytes(2_900_000));
    expect(docFull.status).toBe(413);
    expect(((await docFull.json()) as { error: { message: string } }).error.message).toContain(
      "this document's files may take at most 5 MB together",
    );
    // the owner's total across documents: 8 MB
    const other = (await alice.json("POST", "/api/v1/documents", { title: "Other" })).body.id;
    expect((await put(alice, "a.bin", bytes(2_500_000), other)).status).toBe(201);
    expect((await put(alice, "b.bin", bytes(2_500_000), other)).status).toBe(201);
    const third = (await alice.json("POST", "/api/v1/documents", { title: "Third" })).body.id;
    const ownerFull = await put(alice, "c.bin", bytes(2_000_000), third);
    expect(ownerFull.status).toBe(413);
    expect(((await ownerFull.json()) as { error: { message: string } }).error.message).toContain(
      "the owner's files may take at most 8 MB",
    );
    const db = new Database(join(srv.dataDir, "pymd.db"), { readonly: true });
    expect(
      db.query<{ n: number }, []>("SELECT count(*) AS n FROM workspace_files WHERE state = 'staging'").get()!.n,
    ).toBe(0);
    expect(
      db
        .query<{ n: number }, []>(
          "SELECT count(*) AS n FROM workspace_chunks WHERE file_id NOT IN (SELECT id FROM workspace_files)",
        )
        .get()!.n,
    ).toBe(0);
    db.close();
  });

  test("a 1 GB upload is refused as it streams (no length given) without the server holding it", async () => {
    const chunk = bytes(1024 * 1024, 3);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent >= 1024) return ctrl.close();
        sent++;
        ctrl.enqueue(chunk);
      },
    });
    Bun.gc(true);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const r = await fetch(`${srv.url}/api/v1/documents/${doc}/file?path=huge.bin`, {
      method: "PUT",
      headers: { cookie: alice.cookie!, "content-type": "application/octet-stream" },
      body,
      duplex: "half",
    } as RequestInit).catch((e: Error) => e);
    clearInterval(sampler);
    if (r instanceof Response) expect(r.status).toBe(413);
    expect(sent).toBeLessThan(1024);
    expect(peak - rss0).toBeLessThan(64 * 1024 * 1024);
    expect((await alice.req("GET", `/api/v1/documents/${doc}/file?path=huge.bin`)).status).toBe(404);
    // with a declared length it is refused before any byte is read
    const declared = await fetch(`${srv.url}/api/v1/documents/${doc}/file?path=huge.bin`, {
      method: "PUT",
      headers: { cookie: alice.cookie!, "content-type": "application/octet-stream", "content-length": String(1e9) },
      body: new ReadableStream({ pull: (c) => c.close() }),
      duplex: "half",
    } as RequestInit).catch((e: Error) => e);
    if (declared instanceof Response) expect(declared.status).toBe(413);
  }, 60_000);

  test("a public link serves only the files its document references", async () => {
    const pub = await alice.json("PATCH", `/api/v1/documents/${doc}`, { isPublic: true });
    const slug = pub.body.publicSlug as string;
    const anon = srv.anonymous();
    const page = await anon.json("GET", `/api/v1/public/${slug}`);
    expect(page.body.html).toContain(`src="/api/v1/public/${slug}/file?path=chart.png&#x26;inline=1"`);
    expect((await anon.req("GET", `/api/v1/public/${slug}/file?path=chart.png&inline=1`)).status).toBe(200);
    expect((await anon.req("GET", `/api/v1/public/${slug}/file?path=data/sales.csv`)).status).toBe(404);
    expect((await anon.req("GET", `/api/v1/public/${slug}/file?path=../../pymd.db`)).status).toBe(404);
  });

  test("usage: each user sees their own, admins see everyone's; pymd backup carries the files", async () => {
    const mine = await alice.json("GET", "/api/v1/files/usage");
    expect(mine.status).toBe(200);
    expect(mine.body.bytes).toBeGreaterThan(7_000_000);
    expect(mine.body.limit).toBe(8 * MB);
    expect((await alice.json("GET", "/api/v1/admin/files/usage")).status).toBe(403);
    const admin = await srv.userClient("root", "admin");
    const all = await admin.json("GET", "/api/v1/admin/files/usage");
    expect(all.body.users[0]).toMatchObject({ username: "alice", bytes: mine.body.bytes });
    const out = join(srv.dataDir, "..", `backup-${Date.now()}.db`);
    const r = Bun.spawnSync(
      [process.execPath, join(import.meta.dir, "..", "main.ts"), "backup", out, "--data-dir", srv.dataDir],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(r.exitCode).toBe(0);
    const db = new Database(out, { readonly: true });
    const n = db
      .query<{ n: number }, []>(
        "SELECT coalesce(sum(length(data)), 0) AS n FROM workspace_chunks c JOIN workspace_files f ON f.id = c.file_id WHERE f.state = 'live'",
      )
      .get()!.n;
    db.close();
    expect(n).toBe(mine.body.bytes + (await bob.json("GET", "/api/v1/files/usage")).body.bytes);
  });
});
