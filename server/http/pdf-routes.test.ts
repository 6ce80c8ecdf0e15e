// The PDF downloads over HTTP: the export of a document (A4 or Letter, for every reader of it, with
// its workspace images), and the public link's, signed out, made once per state of the document.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

const pdfInfo = (bytes: ArrayBuffer) => {
  const dir = mkdtempSync(join(tmpdir(), "pymd-pdf-http-"));
  try {
    writeFileSync(join(dir, "x.pdf"), new Uint8Array(bytes));
    const r = Bun.spawnSync(["pdfinfo", join(dir, "x.pdf")], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`pdfinfo failed: ${r.stderr.toString()} (install poppler-utils)`);
    const t = Bun.spawnSync(["pdftotext", join(dir, "x.pdf"), "-"], { stdout: "pipe" });
    return { info: r.stdout.toString(), text: t.stdout.toString() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

// a 2×2 PNG
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

describe("PDF downloads", () => {
  let srv: TestServer;
  let owner: TestClient;
  let viewer: TestClient;
  let id: string;
  beforeAll(async () => {
    srv = await startTestServer();
    owner = await srv.userClient("olive");
    viewer = await srv.userClient("victor");
    id = (
      await owner.json("POST", "/api/v1/documents", {
        title: "Sales / Q3",
        content: "# # Sales\n# The figures: ![dots](dots.png)\n# Growth was $x^2$.\n",
      })
    ).body.id;
    expect(
      (
        await owner.req("PUT", `/api/v1/documents/${id}/file?path=dots.png`, new Uint8Array(PNG), {
          "content-type": "application/octet-stream",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await owner.json("PUT", `/api/v1/documents/${id}/members`, {
          members: [{ username: "victor", role: "viewer" }],
        })
      ).status,
    ).toBe(200);
  });
  afterAll(() => srv.close());

  test("the owner and a viewer download it, on A4 or Letter, with its workspace image", async () => {
    for (const [who, paper, size] of [
      [owner, undefined, /595\.\d+ x 841\.\d+ pts \(A4\)/],
      [viewer, "letter", /612 x 792 pts \(letter\)/],
    ] as const) {
      const res = await who.req("GET", `/api/v1/documents/${id}/export?format=pdf${paper ? `&paper=${paper}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pdf");
      expect(res.headers.get("content-disposition")).toContain(".pdf");
      const { info, text } = pdfInfo(await res.arrayBuffer());
      expect(info).toMatch(size);
      expect(info).toMatch(/Title:\s+Sales \/ Q3/);
      expect(text).toContain("The figures:");
      expect(text.normalize("NFKC")).toContain("Growth was x2");
    }
    // the image from the workspace is in it (not its alt text)
    const raw = Buffer.from(
      await (await owner.req("GET", `/api/v1/documents/${id}/export?format=pdf`)).arrayBuffer(),
    ).toString("latin1");
    expect(raw).toContain("/Subtype /Image");
  });

  test("bad parameters and strangers get clear errors", async () => {
    expect((await owner.json("GET", `/api/v1/documents/${id}/export?format=pdf&paper=a3`)).body.error.message).toBe(
      "paper must be a4 or letter",
    );
    expect((await owner.json("GET", `/api/v1/documents/${id}/export?format=pdf&comments=1`)).status).toBe(400);
    expect((await owner.json("GET", `/api/v1/documents/${id}/export?format=tiff`)).body.error.message).toBe(
      "format must be pymd, html, md, pdf or ipynb",
    );
    const stranger = await srv.userClient("sam");
    expect((await stranger.req("GET", `/api/v1/documents/${id}/export?format=pdf`)).status).toBe(404);
    expect((await srv.anonymous().req("GET", `/api/v1/documents/${id}/export?format=pdf`)).status).toBe(401);
  });

  test("a public link's PDF, signed out: made once per state of the document", async () => {
    const slug = (await owner.json("PATCH", `/api/v1/documents/${id}`, { isPublic: true })).body.publicSlug as string;
    const anon = srv.anonymous();
    const [a, b] = await Promise.all([
      anon.req("GET", `/api/v1/public/${slug}/export?format=pdf`),
      anon.req("GET", `/api/v1/public/${slug}/export`),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [ab, bb] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
    // the same PDF, made once
    expect(ab.equals(bb)).toBe(true);
    expect(pdfInfo(ab.buffer.slice(ab.byteOffset, ab.byteOffset + ab.byteLength) as ArrayBuffer).text).toContain(
      "The figures:",
    );
    expect((await anon.req("GET", `/api/v1/public/${slug}/export?format=pdf&paper=letter`)).status).toBe(200);
    // a change makes a new one
    expect((await owner.json("PATCH", `/api/v1/documents/${id}`, { content: "# # Sales\n# Revised.\n" })).status).toBe(
      200,
    );
    const c = await anon.req("GET", `/api/v1/public/${slug}/export?format=pdf`);
    expect(pdfInfo(await c.arrayBuffer()).text).toContain("Revised.");
    expect((await anon.json("GET", `/api/v1/public/${slug}/export?format=html`)).status).toBe(400);
    expect((await anon.req("GET", `/api/v1/public/nope-nope-nope/export?format=pdf`)).status).toBe(404);
    expect((await owner.json("PATCH", `/api/v1/documents/${id}`, { isPublic: false })).status).toBe(200);
    expect((await anon.req("GET", `/api/v1/public/${slug}/export?format=pdf`)).status).toBe(404);
  });
});
