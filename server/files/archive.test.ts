// A document and its files as one .zip and back, through the real server; the archive is checked
// by Python's zipfile (an independent reader), and archives made by Python (deflated) import
// too, with hostile entry names skipped and a lying entry refused.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
let alice: TestClient;
let dir: string;
beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
  dir = mkdtempSync(join(tmpdir(), "pymd-zip-test-"));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const py = (code: string) => {
  const r = Bun.spawnSync(["/usr/bin/python3", "-c", code], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString();
};

describe("document archives", () => {
  test("export as .zip, read by Python's zipfile, import back with the same files", async () => {
    const doc = (
      await alice.json("POST", "/api/v1/documents", { title: "Zipped", content: "# # Zipped\n# ![p](figs/p.png)\n" })
    ).body.id as string;
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    for (const [path, body] of [
      ["figs/p.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])],
      ["data/big.bin", big],
      ["notes é.txt", new TextEncoder().encode("café")],
    ] as const)
      expect(
        (
          await alice.req("PUT", `/api/v1/documents/${doc}/file?path=${encodeURIComponent(path)}`, body as Uint8Array, {
            "content-type": "application/octet-stream",
          })
        ).status,
      ).toBe(201);
    const res = await alice.req("GET", `/api/v1/documents/${doc}/archive`);
    expect(res.headers.get("content-type")).toBe("application/zip");
    const zip = join(dir, "out.zip");
    writeFileSync(zip, new Uint8Array(await res.arrayBuffer()));
    const listing = JSON.parse(
      py(
        `import zipfile, json; z = zipfile.ZipFile(${JSON.stringify(zip)}); print(json.dumps([z.testzip(), sorted((i.filename, i.file_size) for i in z.infolist())]))`,
      ),
    );
    expect(listing).toEqual([
      null,
      [
        ["Zipped.pymd", 30],
        ["files/data/big.bin", big.length],
        ["files/figs/p.png", 7],
        ["files/notes é.txt", 5],
      ],
    ]);
    const imp = await alice.req(
      "POST",
      `/api/v1/documents/import-archive?filename=out.zip`,
      readFileSync(zip) as unknown as Uint8Array,
      {
        "content-type": "application/zip",
      },
    );
    expect(imp.status).toBe(201);
    const copy = (await imp.json()) as { id: string; skipped: string[] };
    expect(copy.skipped).toEqual([]);
    expect((await alice.json("GET", `/api/v1/documents/${copy.id}`)).body.content).toBe(
      "# # Zipped\n# ![p](figs/p.png)\n",
    );
    expect(
      new Uint8Array(
        await (await alice.req("GET", `/api/v1/documents/${copy.id}/file?path=data/big.bin`)).arrayBuffer(),
      ),
    ).toEqual(big);
    expect(
      await (
        await alice.req("GET", `/api/v1/documents/${copy.id}/file?path=${encodeURIComponent("notes é.txt")}`)
      ).text(),
    ).toBe("café");
  });

  test("a deflated archive from another tool imports; hostile names are skipped with the reason; a lying entry is refused", async () => {
    const zip = join(dir, "py.zip");
    py(`import zipfile
z = zipfile.ZipFile(${JSON.stringify(zip)}, "w", zipfile.ZIP_DEFLATED)
z.writestr("nb.pymd", "# # From Python\\n")
z.writestr("files/data.csv", "a,b\\n" * 10000)
z.writestr("files/../../etc/evil", "x")
z.writestr("files/ctl\\x01name", "x")
z.writestr("elsewhere.txt", "x")
z.close()`);
    const imp = await alice.req(
      "POST",
      "/api/v1/documents/import-archive",
      readFileSync(zip) as unknown as Uint8Array,
      {
        "content-type": "application/zip",
      },
    );
    expect(imp.status).toBe(201);
    const doc = (await imp.json()) as { id: string; skipped: string[] };
    expect(doc.skipped).toEqual([
      "files/../../etc/evil: the file path may not contain . or .. folders",
      "files/ctl\u0001name: the file name contains a control or invisible character (U+0001)",
      "elsewhere.txt: not under files/",
    ]);
    expect(await (await alice.req("GET", `/api/v1/documents/${doc.id}/file?path=data.csv`)).text()).toBe(
      "a,b\n".repeat(10000),
    );
    // an entry that inflates to more than its header says (a zip bomb's trick) is refused
    const bomb = join(dir, "bomb.zip");
    py(`import zipfile, struct
z = zipfile.ZipFile(${JSON.stringify(bomb)}, "w", zipfile.ZIP_DEFLATED)
z.writestr("nb.pymd", "# x\\n")
z.writestr("files/zeros.bin", b"\\0" * 5000000)
z.close()
data = bytearray(open(${JSON.stringify(bomb)}, "rb").read())
cd = data.rfind(b"PK\\x01\\x02")
struct.pack_into("<I", data, cd + 24, 1000)
open(${JSON.stringify(bomb)}, "wb").write(data)`);
    const b = await alice.req("POST", "/api/v1/documents/import-archive", readFileSync(bomb) as unknown as Uint8Array, {
      "content-type": "application/zip",
    });
    expect(b.status).toBe(201);
    const bd = (await b.json()) as { id: string; skipped: string[] };
    expect(bd.skipped).toEqual(["files/zeros.bin: files/zeros.bin: larger than the archive says"]);
    expect((await alice.json("GET", `/api/v1/documents/${bd.id}/files`)).body.files).toEqual([]);
    const notZip = await alice.req("POST", "/api/v1/documents/import-archive", "hello", {
      "content-type": "application/zip",
    });
    expect(notZip.status).toBe(400);
    expect(((await notZip.json()) as { error: { message: string } }).error.message).toBe(
      "not a zip file (no end of central directory)",
    );
  });
});
