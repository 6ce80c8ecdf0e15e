// Terminals through the real server, a real jail and the terminal WebSocket: the shell works in
// the document's workspace (files go both ways with the Files panel and blocks), only the user who
// opened a terminal reaches it, viewers and strangers never, it survives a dropped socket, closes on
// lost access and idleness, and a flood neither grows the server's memory nor stalls other sockets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { TerminalPeer } from "../testing/terminal-peer.ts";
import { Peer } from "../testing/ws-peer.ts";

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;
let carol: TestClient;
let admin: TestClient;
let doc: string;
const open: TerminalPeer[] = [];

const term = async (who: TestClient, query: Record<string, string>, headers: Record<string, string> = {}) => {
  const p = await TerminalPeer.open(srv.url, query, { ...(who.cookie ? { cookie: who.cookie } : {}), ...headers });
  open.push(p);
  return p;
};
const files = async (c: TestClient, d: string) =>
  ((await c.json("GET", `/api/v1/documents/${d}/files`)).body.files as { path: string }[]).map((f) => f.path);
const rss = () => Number(readFileSync(`/proc/${process.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) * 1024;

beforeAll(async () => {
  srv = await startTestServer({ kernelsPerUser: 3 });
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
  carol = await srv.userClient("carol");
  admin = await srv.userClient("root", "admin");
  doc = (
    await alice.json("POST", "/api/v1/documents", {
      title: "T",
      content: "# ```\nprint(open('t.txt').read().strip().upper())\n# ```\n",
    })
  ).body.id;
  await alice.json("PUT", `/api/v1/documents/${doc}/members`, {
    members: [
      { username: "bob", role: "editor" },
      { username: "carol", role: "viewer" },
    ],
  });
}, 60_000);
afterAll(async () => {
  for (const p of open) p.close();
  await srv.close();
});

describe("terminal socket", () => {
  test("a shell in the document's workspace: arithmetic, an uploaded file, a file made there reaches the Files panel and a block", async () => {
    expect(
      (
        await alice.req("PUT", `/api/v1/documents/${doc}/file?path=data.csv`, "a,b\n1,2\n", {
          "content-type": "text/csv",
        })
      ).status,
    ).toBe(201);
    expect((await alice.json("GET", `/api/v1/documents/${doc}/terminal`)).body).toMatchObject({
      allowed: true,
      idleCloseMinutes: 30,
    });
    const t = await term(alice, { doc });
    const ready = await t.next("ready");
    expect(ready.resumed).toBe(false);
    expect((await t.run("echo $((6*7))")).trim()).toBe("42");
    expect((await t.run("pwd")).trim()).toBe("/work");
    expect((await t.run("ls")).split(/\s+/)).toContain("data.csv");
    await t.run("echo hi > t.txt");
    const end = Date.now() + 15_000;
    while (!(await files(alice, doc)).includes("t.txt") && Date.now() < end) await Bun.sleep(200);
    expect(await files(alice, doc)).toContain("t.txt");
    // a block reads what the terminal wrote
    const ws = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    ws.send({ t: "join", doc });
    await ws.next("joined");
    ws.send({ t: "run", doc, scope: "all" });
    await ws.next("run-finished", () => true, 60_000);
    const html = ws.messages
      .filter((m) => m.t === "cell")
      .map((m) => JSON.stringify(m))
      .join("\n");
    expect(html).toContain("HI");
    ws.ws.close();
    // and a file uploaded while the terminal is open shows up in it
    expect(
      (
        await alice.req("PUT", `/api/v1/documents/${doc}/file?path=later.txt`, "later\n", {
          "content-type": "text/plain",
        })
      ).status,
    ).toBe(201);
    const end2 = Date.now() + 15_000;
    let seen = "";
    while (!seen.includes("later") && Date.now() < end2) {
      seen = await t.run("cat later.txt 2>/dev/null || true");
      await Bun.sleep(200);
    }
    expect(seen.trim()).toBe("later");
  }, 120_000);

  test("the terminals and the kernel work in one directory: what one writes the others read at once", async () => {
    const shared = (
      await alice.json("POST", "/api/v1/documents", {
        title: "Shared",
        content: [
          "# ```",
          "print(open('fresh.txt').read().strip().upper())",
          "# ```",
          "# ```",
          "import time",
          "open('from-block.txt', 'w').write('written by the block')",
          "time.sleep(4)",
          "# ```",
        ].join("\n"),
      })
    ).body.id as string;
    await alice.json("PUT", `/api/v1/documents/${shared}/members`, { members: [{ username: "bob", role: "editor" }] });
    const a = await term(alice, { doc: shared });
    await a.next("ready");
    const b = await term(bob, { doc: shared });
    await b.next("ready");
    // a file written in one user's terminal: in the other's and in the next block, with no wait for a sync
    await a.run("echo fresh > fresh.txt");
    expect((await b.run("cat fresh.txt")).trim()).toBe("fresh");
    const ws = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: alice.cookie! });
    ws.send({ t: "join", doc: shared });
    await ws.next("joined");
    ws.send({ t: "run", doc: shared, scope: "blocks", blocks: [0] });
    await ws.next("run-finished", () => true, 60_000);
    const first = ws.messages.filter((m) => m.t === "cell").map((m) => JSON.stringify(m));
    expect(first.join("\n")).toContain("FRESH");
    // a block's file is in the terminal while the block still runs (not only when it is copied back)
    ws.send({ t: "run", doc: shared, scope: "blocks", blocks: [1] });
    await ws.next("cell", (m) => m.cell.block === 1 && m.cell.status === "running", 60_000);
    let seen = "";
    const end = Date.now() + 3_000;
    while (!seen.includes("written by the block") && Date.now() < end) seen = await a.run("cat from-block.txt 2>&1");
    expect(seen).toContain("written by the block");
    expect((await ws.next("run-finished", () => true, 60_000)).t).toBe("run-finished");
    ws.ws.close();
    for (const t of [a, b]) {
      t.type("exit\r");
      await t.next("exit");
    }
  }, 120_000);

  test("Ctrl-C returns the prompt from sleep 100; resize changes tput cols; the signal message works", async () => {
    const t = await term(alice, { doc, cols: "100" });
    await t.next("ready");
    expect((await t.run("tput cols")).trim()).toBe("100");
    t.control({ t: "resize", rows: 30, cols: 61 });
    expect((await t.run("tput cols")).trim()).toBe("61");
    const from = t.text.length;
    t.type("sleep 100; echo status=$?\r");
    await t.until(/sleep 100; echo status=\$\?\r\n/, from);
    await Bun.sleep(300);
    t.type("\x03");
    expect((await t.run("echo back")).trim()).toBe("back");
    expect(t.text.slice(from)).not.toMatch(/[\r\n]status=/);
    const from2 = t.text.length;
    t.type("sleep 100; echo status=$?\r");
    await t.until(/sleep 100; echo status=\$\?\r\n/, from2);
    await Bun.sleep(300);
    t.control({ t: "signal", signal: "TERM" });
    await t.until(/[\r\n]status=143\r\n/, from2);
    t.type("exit 5\r");
    expect(await t.next("exit")).toEqual({ t: "exit", code: 5, reason: null });
    expect((await t.waitClosed())?.code).toBe(4410);
  }, 60_000);

  test("viewers, strangers, signed-out and cross-origin callers get no terminal", async () => {
    expect((await carol.json("GET", `/api/v1/documents/${doc}/terminal`)).body).toMatchObject({ allowed: false });
    const v = await term(carol, { doc });
    expect(await v.next("error")).toMatchObject({ code: "forbidden" });
    expect((await v.waitClosed())?.code).toBe(4403);
    const stranger = await srv.userClient("dave");
    const s = await term(stranger, { doc });
    expect(await s.next("error")).toMatchObject({ code: "not_found" });
    expect((await s.waitClosed())?.code).toBe(4404);
    const anon = await term(srv.anonymous(), { doc });
    expect((await anon.waitClosed())?.code).toBe(4401);
    const cross = await term(alice, { doc }, { origin: "https://evil.example" });
    expect((await cross.waitClosed())?.code).toBe(4401);
    const bad = await term(alice, { doc, rows: "0" });
    expect(await bad.next("error")).toMatchObject({ code: "validation_failed" });
  });

  test("a terminal is its opener's only: another user cannot attach to it, its opener can after a dropped socket", async () => {
    const t = await term(alice, { doc });
    const { term: id } = await t.next("ready");
    await t.run("cd /tmp; X=kept");
    const b = await term(bob, { doc, term: id });
    expect(await b.next("error")).toMatchObject({ code: "not_found" });
    expect((await b.waitClosed())?.code).toBe(4404);
    // nothing bob sent reached alice's shell, and it still answers her
    expect((await t.run("echo $X")).trim()).toBe("kept");
    t.close();
    await t.waitClosed();
    await Bun.sleep(200);
    const again = await term(alice, { doc, term: id });
    expect(await again.next("ready")).toMatchObject({ term: id, resumed: true });
    // the recent output is replayed, and the shell kept its state
    await again.until(/kept/);
    expect((await again.run("echo $X $PWD")).trim()).toBe("kept /tmp");
    again.type("exit\r");
    await again.next("exit");
  }, 60_000);

  test("a terminal closes when its user becomes a viewer, is signed out everywhere, or is disabled", async () => {
    const t = await term(bob, { doc });
    await t.next("ready");
    expect((await t.run("echo ok")).trim()).toBe("ok");
    await alice.json("PUT", `/api/v1/documents/${doc}/members`, {
      members: [
        { username: "bob", role: "viewer" },
        { username: "carol", role: "viewer" },
      ],
    });
    expect((await t.next("exit", 15_000)).reason).toContain("Viewers cannot open a terminal");
    await alice.json("PUT", `/api/v1/documents/${doc}/members`, {
      members: [
        { username: "bob", role: "editor" },
        { username: "carol", role: "viewer" },
      ],
    });
    const t2 = await term(bob, { doc });
    await t2.next("ready");
    expect((await t2.run("echo ok")).trim()).toBe("ok");
    expect(
      (await admin.req("PUT", "/api/v1/users/bob/password", { password: "another long password" })).status,
    ).toBeLessThan(300);
    expect((await t2.next("exit", 15_000)).reason).toContain("session ended");
    // a disabled user's terminal closes too
    const hank = await srv.userClient("hank");
    const d4 = (await hank.json("POST", "/api/v1/documents", { title: "h", content: "" })).body.id;
    const t3 = await term(hank, { doc: d4 });
    await t3.next("ready");
    expect((await t3.run("echo ok")).trim()).toBe("ok");
    srv.services.accounts.setDisabled("hank", true);
    expect((await t3.next("exit", 15_000)).reason).toContain("session ended");
  }, 60_000);

  test("a terminal without input for the idle time is closed and says so", async () => {
    const t = await term(alice, { doc });
    const { term: id } = await t.next("ready");
    const live = (srv.terminals as unknown as { terminals: Map<string, { lastInputAt: number }> }).terminals.get(id)!;
    live.lastInputAt = Date.now() - 31 * 60_000;
    expect((await t.next("exit", 15_000)).reason).toBe("closed after 30 min without input");
  }, 30_000);

  test("bad frames and floods of input end the socket with a reason", async () => {
    const t = await term(alice, { doc });
    await t.next("ready");
    t.ws.send("{not json");
    expect(await t.next("error")).toMatchObject({ code: "bad_frame" });
    expect((await t.waitClosed())?.code).toBe(4400);
    const f = await term(alice, { doc });
    await f.next("ready");
    const chunk = new Uint8Array(16 * 1024).fill(0x61);
    for (let i = 0; i < 200; i++) f.ws.send(chunk);
    expect(await f.next("error")).toMatchObject({ code: "rate_limited" });
    expect((await f.waitClosed())?.code).toBe(4429);
  }, 30_000);

  test("`yes` flood: the server's memory stays bounded, other sockets keep answering, Ctrl-C stops it", async () => {
    const frank = await srv.userClient("frank");
    const d2 = (await frank.json("POST", "/api/v1/documents", { title: "flood", content: "" })).body.id;
    const t = await term(frank, { doc: d2 });
    await t.next("ready");
    const other = await term(alice, { doc: d2 });
    // alice may not: the document is frank's alone
    expect(await other.next("error")).toMatchObject({ code: "not_found" });
    const g = await srv.userClient("grace");
    const d3 = (await g.json("POST", "/api/v1/documents", { title: "other", content: "" })).body.id;
    const other2 = await term(g, { doc: d3 });
    await other2.next("ready");
    await other2.run("true");
    t.type("yes\r");
    const start = Date.now();
    while (t.received < 4 * 1024 * 1024 && Date.now() - start < 20_000) await Bun.sleep(50);
    expect(t.received).toBeGreaterThan(1024 * 1024);
    const before = rss();
    const mid = t.received;
    const ws = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: g.cookie! });
    await ws.next("hello");
    let answered = 0;
    for (let i = 0; i < 20; i++) {
      ws.send({ t: "ping", seq: i });
      await ws.next("pong", (m) => m.seq === i);
      expect((await other2.run(`echo n${i}`)).trim()).toBe(`n${i}`);
      answered++;
    }
    expect(answered).toBe(20);
    // the flood ran meanwhile and the server held on to none of it
    expect(t.received).toBeGreaterThan(mid);
    expect(rss() - before).toBeLessThan(64 * 1024 * 1024);
    t.type("\x03");
    const end = Date.now() + 20_000;
    let ok = false;
    while (!ok && Date.now() < end) {
      t.type("echo FLOOD-OVER\r");
      await Bun.sleep(300);
      ok = /[\r\n]FLOOD-OVER\r\n/.test(t.text.slice(-5000));
    }
    expect(ok).toBe(true);
    ws.ws.close();
  }, 90_000);

  test("a user's live terminals are capped (--kernels-per-user)", async () => {
    for (const p of open) p.close();
    await Bun.sleep(200);
    // dropped ones wait out the grace; the cap counts live shells, so end them
    for (const t of [
      ...(srv.terminals as unknown as { terminals: Map<string, { close(r: string): void }> }).terminals.values(),
    ])
      t.close("test");
    await Bun.sleep(1000);
    // one at a time: a terminal's start counts against --exec-concurrent like a run
    for (let i = 0; i < 3; i++) await (await term(alice, { doc })).next("ready");
    const over = await term(alice, { doc });
    expect(await over.next("error")).toMatchObject({ code: "rate_limited" });
    expect((await over.waitClosed())?.code).toBe(4429);
  }, 30_000);
});

describe("a server that cannot run code", () => {
  test("offers no terminal, saying why, and refuses the socket", async () => {
    const off = await startTestServer({ execution: "off" });
    try {
      const u = await off.userClient("ivan");
      const d = (await u.json("POST", "/api/v1/documents", { title: "x", content: "" })).body.id;
      const r = await u.json("GET", `/api/v1/documents/${d}/terminal`);
      expect(r.body.allowed).toBe(false);
      expect(r.body.reason).toContain("--execution off");
      const p = await TerminalPeer.open(off.url, { doc: d }, { cookie: u.cookie! });
      expect(await p.next("error")).toMatchObject({ code: "unavailable" });
      expect((await p.waitClosed())?.code).toBe(4503);
    } finally {
      await off.close();
    }
  }, 30_000);
});

describe("--terminals off", () => {
  test("no route, no socket", async () => {
    const off = await startTestServer({ terminals: "off" });
    try {
      const u = await off.userClient("erin");
      const d = (await u.json("POST", "/api/v1/documents", { title: "x", content: "" })).body.id;
      expect((await u.req("GET", `/api/v1/documents/${d}/terminal`)).status).toBe(404);
      expect((await u.req("GET", `/api/v1/terminal?doc=${d}`)).status).toBe(404);
      await expect(TerminalPeer.open(off.url, { doc: d }, { cookie: u.cookie! })).rejects.toThrow();
      expect(off.terminals).toBeNull();
    } finally {
      await off.close();
    }
  }, 30_000);
});
