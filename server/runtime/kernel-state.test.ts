// The kernel's state as the people in a document see it, through the real server, a real jail and
// the WebSocket: the status sequence of a run, execution counters, stale marks after an edit, an
// upstream re-run, an upstream edit and a restart, interrupt and restart feedback, a limit that
// stops the kernel, and the idle close announced when the document is opened again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { KernelStateJson, PreviewBlockJson } from "../../protocol/ws-messages.ts";
import { ConfigError, loadConfig } from "../config/config.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  srv = await startTestServer({ runTimeoutSeconds: 3 });
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
});
afterAll(() => srv.close());

const block = (code: string) => `# \`\`\`\n${code}\n# \`\`\``;
const source = (...codes: string[]) => ["# # Kernel", ...codes.map(block), ""].join("\n");

async function peer(c: TestClient): Promise<Peer> {
  const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: c.cookie! });
  await p.next("hello");
  return p;
}

async function newDoc(content: string, withBob = true): Promise<string> {
  const id = (await alice.json("POST", "/api/v1/documents", { title: "Kernel", content })).body.id as string;
  if (withBob)
    await alice.json("PUT", `/api/v1/documents/${id}/members`, { members: [{ username: "bob", role: "editor" }] });
  return id;
}

const kernelStates = (p: Peer) =>
  p.messages.filter((m) => m.t === "kernel").map((m) => (m as { kernel: KernelStateJson }).kernel);

let seq = 0;
/** The code cells of a preview of `src` (what the editor shows beside or under the code). */
async function cells(p: Peer, doc: string, src: string): Promise<PreviewBlockJson[]> {
  const s = ++seq;
  p.send({ t: "preview", doc, seq: s, source: src });
  return (await p.next("preview", (m) => m.seq === s)).blocks.filter((b) => b.kind === "code");
}
const marks = (bs: PreviewBlockJson[]) => bs.map((b) => [b.count, b.stale]);

async function run(p: Peer, doc: string, blocks?: number[]) {
  p.send(blocks ? { t: "run", doc, scope: "blocks", blocks } : { t: "run", doc, scope: "all" });
  const fin = await p.next("run-finished", () => true, 60_000);
  expect(fin.error).toBeNull();
  // the kernel's state after the run follows run-finished's cells; settle reads it
  await Bun.sleep(50);
}

describe("kernel state", () => {
  test("status sequence and counters, seen by every watcher; stale marks after an edit, an upstream re-run and an upstream edit", async () => {
    const v1 = source("x = 41", "print(x + 1)", "y = x * 2\nprint(y)");
    const doc = await newDoc(v1);
    const a = await peer(alice);
    const b = await peer(bob);
    a.send({ t: "join", doc });
    b.send({ t: "join", doc });
    await a.next("joined");
    await b.next("joined");
    // on join: no kernel yet
    expect((await b.next("kernel")).kernel).toMatchObject({ status: "stopped", reason: "not-started", counter: 0 });
    await a.next("kernel");

    await run(a, doc);
    const seen = kernelStates(b).map((k) =>
      k.status === "busy" ? `busy:${k.block!.number}:${k.block!.line}` : k.status,
    );
    expect(seen).toEqual(["starting", "busy:1:2", "busy:2:5", "busy:3:8", "idle"]);
    expect(kernelStates(b).at(-1)!.counter).toBe(3);
    const counts = new Map<number, number | null>();
    for (const m of b.messages) if (m.t === "cell" && m.cell.status === "ok") counts.set(m.cell.block, m.cell.count);
    expect([...counts.values()]).toEqual([1, 2, 3]);
    let cs = await cells(b, doc, v1);
    expect(marks(cs)).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    expect(cs[1]!.outputsHtml).toContain("42");

    // block 2 edited: its old output stays, marked edited; the block after it is stale too
    const v2 = source("x = 41", "print(x + 2)", "y = x * 2\nprint(y)");
    cs = await cells(b, doc, v2);
    expect(marks(cs)).toEqual([
      [1, null],
      [2, "edited"],
      [3, "upstream"],
    ]);
    expect(cs[1]!.outputsHtml).toContain("42");
    // the collaborator sees the same marks for the same text
    expect(marks(await cells(a, doc, v2))).toEqual([
      [1, null],
      [2, "edited"],
      [3, "upstream"],
    ]);

    // running the edited block clears its mark; the later block stays stale (an earlier one ran after it)
    await alice.json("PATCH", `/api/v1/documents/${doc}`, { content: v2 });
    b.messages.length = 0;
    await run(a, doc, [cs[1]!.block]);
    expect(kernelStates(b).map((k) => k.status)).toEqual(["busy", "idle"]);
    cs = await cells(b, doc, v2);
    expect(marks(cs)).toEqual([
      [1, null],
      [4, null],
      [3, "upstream"],
    ]);
    expect(cs[1]!.outputsHtml).toContain("43");
    await run(a, doc, [cs[2]!.block]);
    expect(marks(await cells(b, doc, v2))).toEqual([
      [1, null],
      [4, null],
      [5, null],
    ]);

    // the first block runs again: everything after it is stale
    await run(a, doc, [cs[0]!.block]);
    expect(marks(await cells(b, doc, v2))).toEqual([
      [6, null],
      [4, "upstream"],
      [5, "upstream"],
    ]);
    await run(a, doc);
    // "Run all" starts a fresh kernel: counters start again, nothing is stale
    expect(marks(await cells(b, doc, v2))).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);

    // an edit of the first block (not run) makes every later output stale
    const v3 = source("x = 1", "print(x + 2)", "y = x * 2\nprint(y)");
    expect(marks(await cells(a, doc, v3))).toEqual([
      [1, "edited"],
      [2, "upstream"],
      [3, "upstream"],
    ]);
    a.ws.close();
    b.ws.close();
  }, 120_000);

  test("Restart and Interrupt say what they did; after a restart every output is stale", async () => {
    const src = source("import time\nn = 0", "for i in range(400):\n    n += 1\n    time.sleep(0.05)", "print(n)");
    const doc = await newDoc(src);
    const a = await peer(alice);
    const b = await peer(bob);
    a.send({ t: "join", doc });
    b.send({ t: "join", doc });
    await a.next("joined");
    await b.next("joined");
    a.send({ t: "run", doc, scope: "all" });
    await b.next("kernel", (m) => m.kernel.status === "busy" && m.kernel.block!.number === 2);
    await Bun.sleep(300);
    a.send({ t: "interrupt", doc });
    expect((await b.next("kernel", (m) => m.kernel.message !== null)).kernel).toMatchObject({
      status: "busy",
      message: "Interrupting block 2…",
    });
    await a.next("run-finished");
    expect((await b.next("kernel", (m) => m.kernel.status === "idle")).kernel.message).toBe(
      "Interrupted block 2 — variables kept",
    );
    // the variables survived the interrupt
    await run(a, doc, [(await cells(a, doc, src))[2]!.block]);
    const after = await cells(a, doc, src);
    expect(Number(/(\d+)/.exec(after[2]!.outputsHtml)![1])).toBeGreaterThan(0);

    b.messages.length = 0;
    a.send({ t: "restart", doc });
    expect((await b.next("kernel")).kernel).toMatchObject({ status: "starting", message: "Restarting…" });
    expect((await b.next("kernel")).kernel).toMatchObject({
      status: "idle",
      message: "Kernel restarted — variables cleared",
      counter: 0,
    });
    const stale = await cells(b, doc, src);
    expect(stale.map((c) => c.stale)).toEqual(["kernel", "kernel", "kernel"]);
    // a run in the new kernel: the namespace is really new (n is gone)
    await run(a, doc, [stale[2]!.block]);
    const fresh = await cells(b, doc, src);
    expect(marks(fresh)).toEqual([
      [1, "kernel"],
      [2, "kernel"],
      [1, null],
    ]);
    expect(fresh[2]!.outputsHtml).toContain("NameError");
    a.ws.close();
    b.ws.close();
  }, 60_000);

  test("a block stopped by a limit stops the kernel, says why, and marks the outputs", async () => {
    const src = source("x = 1\nprint('set')", "import time\ntime.sleep(20)");
    const doc = await newDoc(src, false);
    const a = await peer(alice);
    a.send({ t: "join", doc });
    await a.next("joined");
    a.send({ t: "run", doc, scope: "all" });
    await a.next("run-finished", () => true, 30_000);
    const stopped = await a.next("kernel", (m) => m.kernel.status === "stopped" && m.kernel.reason !== "not-started");
    expect(stopped.kernel.reason).toBe("limit");
    expect(stopped.kernel.message).toStartWith("Kernel stopped: ");
    expect(stopped.kernel.message).toEndWith(" — variables are gone");
    expect(stopped.kernel.message).toContain("--run-timeout");
    expect((await cells(a, doc, src)).map((c) => c.stale)).toEqual(["kernel", "kernel"]);
    a.ws.close();
  }, 60_000);

  test("the idle close is announced when the document is opened again; the counters are kept", async () => {
    const src = source("z = 5\nprint(z)");
    const doc = await newDoc(src, false);
    const a = await peer(alice);
    a.send({ t: "join", doc });
    await a.next("joined");
    await run(a, doc);
    a.send({ t: "leave", doc });
    await Bun.sleep(50);
    // not yet: 29 minutes with nobody there
    await srv.notebooks.closeIdle(Date.now() + 29 * 60_000);
    a.messages.length = 0;
    a.send({ t: "join", doc });
    await a.next("joined");
    expect((await a.next("kernel")).kernel.status).toBe("idle");
    a.send({ t: "leave", doc });
    await Bun.sleep(50);
    await srv.notebooks.closeIdle(Date.now() + 30 * 60_000);
    a.messages.length = 0;
    a.send({ t: "join", doc });
    await a.next("joined");
    const k = (await a.next("kernel")).kernel;
    expect(k).toMatchObject({
      status: "stopped",
      reason: "idle-close",
      message: "Kernel stopped after 30 min idle — variables are gone",
    });
    expect(marks(await cells(a, doc, src))).toEqual([[1, "kernel"]]);
    a.ws.close();
  }, 60_000);

  test("the idle close is a flag and a variable (minutes; 0 keeps kernels), and a bad value names both", async () => {
    expect(loadConfig({}, {}).kernelIdleCloseMinutes).toBe(30);
    expect(loadConfig({ "kernel-idle-close": "5" }, { PYMD_KERNEL_IDLE_CLOSE: "60" }).kernelIdleCloseMinutes).toBe(5);
    expect(loadConfig({}, { PYMD_KERNEL_IDLE_CLOSE: "0" }).kernelIdleCloseMinutes).toBe(0);
    expect(() => loadConfig({ "kernel-idle-close": "ten" }, {})).toThrow(ConfigError);
    expect(() => loadConfig({}, { PYMD_KERNEL_IDLE_CLOSE: "-1" })).toThrow(
      /--kernel-idle-close \/ PYMD_KERNEL_IDLE_CLOSE/,
    );
    const keep = await startTestServer({ kernelIdleCloseMinutes: 0 });
    try {
      const carol = await keep.userClient("carol");
      const doc = (await carol.json("POST", "/api/v1/documents", { title: "Kept", content: source("k = 7") })).body
        .id as string;
      const p = await Peer.open(keep.url.replace("http", "ws") + "/api/v1/ws", { cookie: carol.cookie! });
      p.send({ t: "join", doc });
      await p.next("joined");
      p.send({ t: "run", doc, scope: "all" });
      await p.next("run-finished", () => true, 60_000);
      p.send({ t: "leave", doc });
      await Bun.sleep(50);
      await keep.notebooks.closeIdle(Date.now() + 7 * 24 * 3600_000);
      p.messages.length = 0;
      p.send({ t: "join", doc });
      await p.next("joined");
      expect((await p.next("kernel")).kernel).toMatchObject({ status: "idle", counter: 1 });
      p.ws.close();
    } finally {
      await keep.close();
    }
  }, 60_000);
});
