// The workspace as the kernel's working directory, through the real server, a real jail and the
// WebSocket: a block reads an uploaded file, writes files that come back into the workspace and
// reach every watcher, and cannot use links or oversize writes to reach past it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  srv = await startTestServer({ workspaceMaxMb: 20 });
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
});
afterAll(() => srv.close());

const files = async (c: TestClient, doc: string) =>
  (
    (await c.json("GET", `/api/v1/documents/${doc}/files`)).body.files as { path: string; kind: string; size: number }[]
  ).map((f) => f.path);

async function runAll(doc: string, p: Peer) {
  p.send({ t: "run", doc, scope: "all" });
  return p.next("run-finished", () => true, 60_000);
}

const outputsOf = (p: Peer) =>
  p.messages
    .filter((m) => m.t === "cell")
    .map((m) => (m as { cell: { html: string } }).cell.html)
    .join("\n");

describe("the workspace in the kernel", () => {
  test("a block reads an uploaded CSV and writes files that appear for every collaborator", async () => {
    const src = [
      "# ```",
      "import pandas as pd, os",
      "df = pd.read_csv('sales.csv')",
      "print('rows', len(df), 'total', df['amount'].sum(), 'cwd', os.getcwd())",
      "df.groupby('region').sum().to_csv('summary.csv')",
      "import matplotlib.pyplot as plt",
      "df.plot(x='region', y='amount').get_figure().savefig('figures/plot.png') if os.makedirs('figures', exist_ok=True) is None else None",
      "# ```",
    ].join("\n");
    const doc = (await alice.json("POST", "/api/v1/documents", { title: "Sales", content: src })).body.id as string;
    await alice.json("PUT", `/api/v1/documents/${doc}/members`, { members: [{ username: "bob", role: "editor" }] });
    const csv = "region,amount\nN,120\nS,80\nN,30\n";
    expect(
      (await alice.req("PUT", `/api/v1/documents/${doc}/file?path=sales.csv`, csv, { "content-type": "text/csv" }))
        .status,
    ).toBe(201);
    const a = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    const b = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: bob.cookie! });
    a.send({ t: "join", doc });
    b.send({ t: "join", doc });
    await a.next("joined");
    await b.next("joined");
    const done = await runAll(doc, a);
    expect(done.error).toBeNull();
    await Bun.sleep(300);
    expect(outputsOf(a)).toContain("rows 3 total 230 cwd /work");
    // bob, who only watches, is told the files changed
    await b.next("files");
    expect(await files(bob, doc)).toEqual(["figures", "figures/plot.png", "sales.csv", "summary.csv"]);
    expect(await (await bob.req("GET", `/api/v1/documents/${doc}/file?path=summary.csv`)).text()).toBe(
      "region,amount\nN,150\nS,80\n",
    );
    const png = new Uint8Array(
      await (await bob.req("GET", `/api/v1/documents/${doc}/file?path=figures/plot.png`)).arrayBuffer(),
    );
    expect([...png.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    a.ws.close();
    b.ws.close();
  }, 90_000);

  test("links, hostile names and deletions: links are never followed, bad names are skipped and said, deletes come back", async () => {
    const src = [
      "# ```",
      "import os",
      "os.symlink('/etc/passwd', 'passwd-link')",
      "os.symlink('/', 'root-link')",
      "os.mkdir('dir')",
      "os.symlink('/usr/bin', 'dir/bin')",
      "open('bad\\u202ename.txt', 'w').write('x')",
      "open('ok.txt', 'w').write('fine')",
      "os.remove('old.txt')",
      "print(sorted(os.listdir('.')))",
      "# ```",
    ].join("\n");
    const doc = (await alice.json("POST", "/api/v1/documents", { title: "Links", content: src })).body.id as string;
    await alice.req("PUT", `/api/v1/documents/${doc}/file?path=old.txt`, "old", { "content-type": "text/plain" });
    const a = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    a.send({ t: "join", doc });
    await a.next("joined");
    const done = await runAll(doc, a);
    expect(done.error).toBeNull();
    const skipped = await a.next("files", (m) => m.skipped.length > 0);
    expect(skipped.skipped).toEqual(
      expect.arrayContaining([
        "passwd-link: a symbolic link (links are not followed)",
        "root-link: a symbolic link (links are not followed)",
        "dir/bin: a symbolic link (links are not followed)",
        "bad\u202ename.txt: the file name contains a control or invisible character (U+202E)",
      ]),
    );
    expect(await files(alice, doc)).toEqual(["dir", "ok.txt"]);
    a.ws.close();
  }, 90_000);

  test("writing past the document's limit kills the run with the reason, and keeps nothing over it", async () => {
    const src =
      "# ```\nwith open('big.bin', 'wb') as f:\n    for i in range(40):\n        f.write(b'x' * (1 << 20))\n        f.flush()\n        import time; time.sleep(0.05)\n# ```\n";
    const doc = (await alice.json("POST", "/api/v1/documents", { title: "Big", content: src })).body.id as string;
    const a = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    a.send({ t: "join", doc });
    await a.next("joined");
    const done = await runAll(doc, a);
    expect(done.runId).toBeTruthy();
    await Bun.sleep(300);
    expect(outputsOf(a)).toMatch(
      /<p class="pymd-host-error">the run was killed: it wrote \d+ MB into the workspace, over its 20 MB limit<\/p>/,
    );
    expect(await files(alice, doc)).toEqual([]);
    a.ws.close();
  }, 90_000);

  test("a folder a block turned into a link to a host path is not written through when files are copied in", async () => {
    const outside = mkdtempSync(join(tmpdir(), "pymd-escape-target-"));
    chmodSync(outside, 0o777);
    const src = `# \`\`\`\nimport os, shutil\nif os.path.isdir("data") and not os.path.islink("data"):\n    shutil.rmtree("data")\n    os.symlink(${JSON.stringify(outside)}, "data")\nprint(os.path.islink("data"))\n# \`\`\`\n`;
    const doc = (await alice.json("POST", "/api/v1/documents", { title: "Swap", content: src })).body.id as string;
    await alice.req("PUT", `/api/v1/documents/${doc}/file?path=data/x.txt`, "x", { "content-type": "text/plain" });
    const a = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    a.send({ t: "join", doc });
    await a.next("joined");
    // run only the block, so the kernel (and its directory) stays for the next run
    a.send({ t: "run", doc, scope: "blocks", blocks: [0] });
    await a.next("run-finished", () => true, 60_000);
    // a new upload under data/ while the link is there, then another run copies files in
    await alice.req("PUT", `/api/v1/documents/${doc}/file?path=data/y.txt`, "y", { "content-type": "text/plain" });
    a.send({ t: "run", doc, scope: "blocks", blocks: [0] });
    await a.next("run-finished", () => true, 60_000);
    expect(readdirSync(outside)).toEqual([]);
    a.ws.close();
    rmSync(outside, { recursive: true, force: true });
  }, 90_000);
});
