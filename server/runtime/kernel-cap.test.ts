// Kernels within limits through the real server, a real jail and the WebSocket: one user's live
// kernels stay within --kernels-per-user (the one idle longest is closed, and its document says
// so), a kernel burning CPU in the background while idle is stopped and says why, and Interrupt on
// a block that ignores it ends the block with an error that says so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import type { KernelStateJson } from "../../protocol/ws-messages.ts";
import { ConfigError, loadConfig } from "../config/config.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;

beforeAll(async () => {
  srv = await startTestServer({ kernelsPerUser: 2, execConcurrent: 4, runCpuSeconds: 1, runTimeoutSeconds: 20 });
  alice = await srv.userClient("alice");
});
afterAll(() => srv.close());

const block = (code: string) => `# \`\`\`\n${code}\n# \`\`\``;
const source = (...codes: string[]) => ["# # Kernel", ...codes.map(block), ""].join("\n");

async function peer(c: TestClient): Promise<Peer> {
  const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: c.cookie! });
  await p.next("hello");
  return p;
}

async function openDoc(p: Peer, content: string): Promise<string> {
  const id = (await alice.json("POST", "/api/v1/documents", { title: "Kernel", content })).body.id as string;
  p.send({ t: "join", doc: id });
  await p.next("joined", (m) => m.doc === id);
  return id;
}

async function run(p: Peer, doc: string) {
  p.send({ t: "run", doc, scope: "all" });
  const fin = await p.next("run-finished", (m) => m.doc === doc, 60_000);
  await Bun.sleep(50);
  return fin;
}

const lastKernel = (p: Peer, doc: string): KernelStateJson | undefined =>
  p.messages
    .filter((m) => m.t === "kernel" && m.doc === doc)
    .map((m) => (m as { kernel: KernelStateJson }).kernel)
    .at(-1);

const parentOf = (pid: number): number => {
  const st = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
};
const isRunner = (pid: number): boolean =>
  readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("python") &&
  readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--cpu-per-request");

/** This process's jails (the test server runs in it): runners whose parent is not a runner (its forks are checkpoints). */
function liveKernels(): number {
  let n = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!isRunner(Number(name)) || isRunner(parentOf(Number(name)))) continue;
      let p = Number(name);
      for (let hops = 0; p > 1 && hops < 64; hops++) {
        p = parentOf(p);
        if (p === process.pid) {
          n++;
          break;
        }
      }
    } catch {}
  }
  return n;
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await Bun.sleep(50);
}

describe("kernels within limits", () => {
  test("a user's third document closes the kernel idle longest; running it again closes the next one", async () => {
    const p = await peer(alice);
    const docs = [
      await openDoc(p, source("v = 1")),
      await openDoc(p, source("v = 2")),
      await openDoc(p, source("v = 3")),
    ];
    for (const d of docs.slice(0, 2)) expect((await run(p, d)).error).toBeNull();
    expect(lastKernel(p, docs[0]!)).toMatchObject({ status: "idle" });
    expect((await run(p, docs[2]!)).error).toBeNull();
    expect(lastKernel(p, docs[0]!)).toMatchObject({
      status: "stopped",
      reason: "idle-close",
      message:
        "Kernel closed: at most 2 kernels per user run at once and this one was idle longest — variables are gone",
    });
    expect(lastKernel(p, docs[1]!)).toMatchObject({ status: "idle" });
    expect(lastKernel(p, docs[2]!)).toMatchObject({ status: "idle" });
    // another jail may still be ending (the one that builds matplotlib's font list at the first start)
    await until(() => liveKernels() <= 2, 10_000);
    expect(liveKernels()).toBe(2);
    // the first document starts again (fresh); now the second one is the idle longest
    expect((await run(p, docs[0]!)).error).toBeNull();
    expect(lastKernel(p, docs[1]!)).toMatchObject({ status: "stopped", reason: "idle-close" });
    expect(lastKernel(p, docs[2]!)).toMatchObject({ status: "idle" });
    // another jail may still be ending (the one that builds matplotlib's font list at the first start)
    await until(() => liveKernels() <= 2, 10_000);
    expect(liveKernels()).toBe(2);
    p.ws.close();
  }, 60_000);

  test("when every kernel of the user is running, another is refused with a clear message", async () => {
    const p = await peer(alice);
    const busy = [
      await openDoc(p, source(`import time\nprint("busy", flush=True)\ntime.sleep(20)`)),
      await openDoc(p, source(`import time\nprint("busy", flush=True)\ntime.sleep(20)`)),
    ];
    const third = await openDoc(p, source("w = 1"));
    for (const d of busy) {
      p.send({ t: "run", doc: d, scope: "all" });
      await p.next("kernel", (m) => m.doc === d && m.kernel.status === "busy", 30_000);
    }
    const fin = await run(p, third);
    expect(fin.error).toBe(
      "At most 2 kernels per user at once, and all of yours are running; wait for one to finish or stop one",
    );
    for (const d of busy) {
      p.send({ t: "interrupt", doc: d });
      await p.next("run-finished", (m) => m.doc === d, 30_000);
    }
    expect(liveKernels()).toBeLessThanOrEqual(2);
    p.ws.close();
  }, 60_000);

  test("a kernel whose background thread burns CPU while idle is stopped, and its document says why", async () => {
    const p = await peer(alice);
    const doc = await openDoc(
      p,
      source(
        `import threading\ndef spin():\n    while True:\n        pass\nthreading.Thread(target=spin, daemon=True).start()\nprint("started")`,
      ),
    );
    expect((await run(p, doc)).error).toBeNull();
    const stopped = (
      await p.next(
        "kernel",
        (m) => m.doc === doc && m.kernel.status === "stopped" && m.kernel.reason !== "not-started",
        20_000,
      )
    ).kernel;
    expect(stopped.reason).toBe("limit");
    expect(stopped.message).toMatch(
      /^Kernel stopped: it used \d+\.\d s of CPU while no block was running \(a background thread or process\), over the 1 s a kernel may use between runs — variables are gone$/,
    );
    p.ws.close();
  }, 60_000);

  test("Interrupt on a block that ignores SIGINT stops it, and the block's error says why", async () => {
    const p = await peer(alice);
    const doc = await openDoc(
      p,
      source(
        `import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("ignoring", flush=True)\nwhile True:\n    time.sleep(0.05)`,
      ),
    );
    p.send({ t: "run", doc, scope: "all" });
    await p.next("kernel", (m) => m.doc === doc && m.kernel.status === "busy", 30_000);
    await Bun.sleep(300);
    p.send({ t: "interrupt", doc });
    const fin = await p.next("run-finished", (m) => m.doc === doc, 30_000);
    expect(fin.error).toBeNull();
    const cell = p.messages
      .filter((m) => m.t === "cell" && m.doc === doc)
      .map((m) => (m as { cell: { status: string; html: string } }).cell)
      .at(-1)!;
    expect(cell.status).toBe("error");
    expect(cell.html).toContain("did not stop within 2 s of the interrupt (it ignores KeyboardInterrupt)");
    expect(lastKernel(p, doc)).toMatchObject({ status: "stopped", reason: "interrupt" });
    p.ws.close();
  }, 60_000);

  test("the cap is a flag and a variable, and a bad value names both", () => {
    expect(loadConfig({}, {}).kernelsPerUser).toBe(4);
    expect(loadConfig({ "kernels-per-user": "2" }, { PYMD_KERNELS_PER_USER: "9" }).kernelsPerUser).toBe(2);
    expect(loadConfig({}, { PYMD_KERNELS_PER_USER: "9" }).kernelsPerUser).toBe(9);
    expect(() => loadConfig({ "kernels-per-user": "0" }, {})).toThrow(ConfigError);
    expect(() => loadConfig({}, { PYMD_KERNELS_PER_USER: "many" })).toThrow(
      /--kernels-per-user \/ PYMD_KERNELS_PER_USER/,
    );
  });
});
