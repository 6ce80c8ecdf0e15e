// The WebSocket endpoint end to end: authentication, access per message, previews, shared runs
// streamed to every watcher, and malformed frames answered and closed without harm. Every text
// frame the server sends here is checked against its message type's schema (protocol/ws-messages.ts).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { SERVER_FRAME_SCHEMAS, type ServerMessage } from "../../protocol/ws-messages.ts";
import { firstMismatch } from "../http/route-schema.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { Peer } from "../testing/ws-peer.ts";
import { ChangeSet, Text } from "@codemirror/state";
import { editsOf, splicedBlocks } from "../../protocol/preview-edits.ts";
import type { PreviewBlockJson } from "../../protocol/ws-messages.ts";

/** The server frames received so far: their types, and any that did not match their schema. */
const received = { types: new Set<string>(), mismatches: [] as string[] };

/** A test socket whose every received text frame is checked against the schema of its type first. */
async function openPeer(url: string, headers: Record<string, string>): Promise<Peer> {
  const p = await Peer.open(url, headers);
  const receive = p.ws.onmessage!;
  p.ws.onmessage = (e: MessageEvent) => {
    if (typeof e.data === "string") {
      const m = JSON.parse(e.data) as ServerMessage;
      const schema = SERVER_FRAME_SCHEMAS.get(m.t);
      const mismatch = schema ? firstMismatch(schema, m) : "no schema for this message type";
      if (mismatch) received.mismatches.push(`${m.t}: ${mismatch} in ${e.data.slice(0, 300)}`);
      received.types.add(m.t);
    }
    receive.call(p.ws, e);
  };
  return p;
}
afterEach(() => {
  expect(received.mismatches).toEqual([]);
});

let srv: TestServer;
let alice: TestClient;
let bob: TestClient;
let carol: TestClient;
let docId: string;

const SOURCE =
  "# # Shared\n# ```\nprint('first')\nimport time\ntime.sleep(0.3)\nprint('**second**')\n# ```\n# ```\nx = 6 * 7\nprint(x)\n# ```\n";

const METRICS_TOKEN = "metrics-token-for-the-ws-test";
const wsUrl = () => srv.url.replace("http", "ws") + "/api/v1/ws";
const peer = (c: TestClient, extra: Record<string, string> = {}) =>
  openPeer(wsUrl(), { cookie: c.cookie ?? "", ...extra });

beforeAll(async () => {
  srv = await startTestServer({ metricsToken: METRICS_TOKEN });
  alice = await srv.userClient("alice");
  bob = await srv.userClient("bob");
  carol = await srv.userClient("carol");
  const d = await alice.json("POST", "/api/v1/documents", { title: "Shared", content: SOURCE });
  docId = d.body.id;
  await alice.json("PUT", `/api/v1/documents/${docId}/members`, { members: [{ username: "bob", role: "viewer" }] });
});
afterAll(() => srv.close());

describe("websocket", () => {
  test("refuses anonymous and cross-origin connections", async () => {
    const anon = await openPeer(wsUrl(), {});
    expect((await anon.next("error")).code).toBe("unauthenticated");
    expect((await anon.waitClosed())?.code).toBe(4401);
    const foreign = await peer(alice, { origin: "https://evil.example" });
    expect((await foreign.next("error")).code).toBe("unauthenticated");
  });

  test("join checks access: someone without it learns nothing", async () => {
    const c = await peer(carol);
    await c.next("hello");
    c.send({ t: "join", doc: docId });
    const err = await c.next("error");
    expect(err.code).toBe("not_found");
    c.send({ t: "join", doc: "aaaaaaaaaaaaaaaa" });
    expect((await c.next("error")).message).toBe(err.message);
    c.ws.close();
  });

  test("preview renders the sent source with sanitized HTML per block", async () => {
    const a = await peer(alice);
    a.send({ t: "join", doc: docId });
    expect((await a.next("joined")).role).toBe("owner");
    a.send({
      t: "preview",
      doc: docId,
      seq: 1,
      source: "# # Title\n# <img src=x onerror=alert(1)>\n# ```\nprint(1)\n",
    });
    const p = await a.next("preview");
    expect(p.seq).toBe(1);
    expect(p.blocks[0]!.html).toContain("<h1");
    expect(JSON.stringify(p.blocks)).not.toContain("onerror");
    expect(p.problems[0]!.line).toBe(3);
    a.ws.close();
  });

  test("a preview sent as edits is rendered as its whole text; its answer, rebuilt from the one before, is the whole answer", async () => {
    const a = await peer(alice);
    const whole = await peer(alice);
    for (const p of [a, whole]) {
      p.send({ t: "join", doc: docId });
      await p.next("joined");
    }
    const sections = Array.from(
      { length: 120 },
      (_, i) => `# ## Part ${i}\n# Words *${i}*.\n# \`\`\`\nprint(${i})\n# \`\`\`\n`,
    );
    let text = Text.of(sections.join("").split("\n"));
    let shown: PreviewBlockJson[] = [];
    let shownSeq = 0;
    let base = 0;
    // each step: the changes in the editor's terms, as the page sends them, and whether its
    // answer may repeat most of the one before (two edits far apart change most of what lies
    // between them: that answer comes whole). Section k is lines 5k+1 to 5k+5, its prose 5k+2.
    const steps: [(t: Text) => ChangeSet, boolean][] = [
      [(t) => ChangeSet.of({ from: t.line(202).to, insert: " more *words*" }, t.length), true],
      [
        (t) => ChangeSet.of({ from: t.line(2).from, to: t.line(2).to, insert: "# changed near the start" }, t.length),
        true,
      ],
      [(t) => ChangeSet.of({ from: t.line(302).to, insert: "\n# ## A new part\n# with a new line" }, t.length), true],
      // a line more near the start: every block after it moves, and is still not sent again
      [(t) => ChangeSet.of({ from: t.line(22).to, insert: "\n# a line more" }, t.length), true],
      [
        (t) =>
          ChangeSet.of(
            [
              { from: t.line(11).from, to: t.line(16).from },
              { from: t.line(497).from, insert: "# end\n" },
            ],
            t.length,
          ),
        false,
      ],
      [(t) => ChangeSet.of({ from: t.length, insert: "# the last line\n" }, t.length), true],
    ];
    const splices: boolean[] = [];
    for (let seq = 1; seq <= steps.length + 1; seq++) {
      if (seq === 1) a.send({ t: "preview", doc: docId, seq, source: text.toString() });
      else {
        const changes = steps[seq - 2]![0](text);
        text = changes.apply(text);
        const edits = editsOf(changes);
        expect(edits).not.toBeNull();
        a.send({ t: "preview", doc: docId, seq, base, edits: edits! });
      }
      base = seq;
      const answer = await a.next("preview", (m) => m.seq === seq);
      if (seq > 1) splices.push(answer.splice !== undefined);
      const blocks = splicedBlocks(shown, shownSeq, answer.blocks, answer.splice);
      expect(blocks).not.toBeNull();
      shown = blocks!;
      shownSeq = seq;
      whole.send({ t: "preview", doc: docId, seq, source: text.toString() });
      const expected = await whole.next("preview", (m) => m.seq === seq);
      expect(expected.splice).toBeUndefined();
      expect(shown).toEqual(expected.blocks);
    }
    // the later answers carried only what changed
    expect(splices).toEqual(steps.map(([, spliced]) => spliced));
    // edits to a source this connection did not send: the server asks for the whole text
    a.send({ t: "preview", doc: docId, seq: 50, base: 3, edits: [{ from: 0, to: 0, insert: "x" }] });
    expect((await a.next("preview-base")).seq).toBe(50);
    // edits outside the source: refused, and the connection goes on
    a.send({ t: "preview", doc: docId, seq: 51, base, edits: [{ from: 0, to: text.length + 1, insert: "" }] });
    expect((await a.next("error")).message).toContain("outside the source");
    a.send({ t: "preview", doc: docId, seq: 52, source: "# # Again\n" });
    const again = await a.next("preview", (m) => m.seq === 52);
    expect(again.splice).toBeUndefined();
    expect(again.blocks[0]!.html).toContain("Again");
    a.ws.close();
    whole.ws.close();
  });

  test("a flood of large previews: one renders at a time, only the latest waits, and the server keeps answering", async () => {
    const metric = async (name: string) =>
      Number(
        new RegExp(`^${name} (\\S+)$`, "m").exec(
          await (await fetch(srv.url + "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
        )?.[1],
      );
    const rendered0 = await metric('pymd_ws_previews_total\\{outcome="rendered"\\}');
    const superseded0 = await metric('pymd_ws_previews_total\\{outcome="superseded"\\}');
    const v = await peer(bob);
    v.send({ t: "join", doc: docId });
    expect((await v.next("joined")).role).toBe("viewer");

    // Over the 5 MB content limit: refused before anything renders.
    v.send({ t: "preview", doc: docId, seq: 0, source: "# " + "x".repeat(5_300_000) });
    expect((await v.next("error")).code).toBe("too_large");

    // Distinct sources, so no render is served from the block cache.
    const words = "word ".repeat(60_000);
    const sourceOf = (seq: number) => `# # Big\n# ${words}${seq}\n`;
    let waitingMax = 0;
    let healthAnswers = 0;
    let flooding = true;
    const watcher = (async () => {
      while (flooding) {
        expect((await fetch(srv.url + "/api/v1/health")).status).toBe(200);
        healthAnswers++;
        waitingMax = Math.max(waitingMax, await metric("pymd_ws_previews_waiting"));
        await Bun.sleep(20);
      }
    })();
    for (let seq = 1; seq <= 100; seq++) v.send({ t: "preview", doc: docId, seq, source: sourceOf(seq) });
    const last = await v.next("preview", (m) => m.seq === 100, 150_000);
    flooding = false;
    await watcher;
    expect(last.blocks.length).toBeGreaterThan(0);
    const answered = [last.seq, ...v.messages.filter((m) => m.t === "preview").map((m) => (m as { seq: number }).seq)];
    const rendered = (await metric('pymd_ws_previews_total\\{outcome="rendered"\\}')) - rendered0;
    const superseded = (await metric('pymd_ws_previews_total\\{outcome="superseded"\\}')) - superseded0;
    expect(rendered).toBe(answered.length);
    expect(rendered + superseded).toBe(100);
    // The sending client shares this process, so its frames trickle in between renders; some wait and are replaced.
    expect(superseded).toBeGreaterThan(0);
    expect(waitingMax).toBeLessThanOrEqual(2);
    expect(await metric("pymd_ws_previews_waiting")).toBe(0);
    // health kept answering throughout (how long it waited is a benchmark's business, not a test's)
    expect(healthAnswers).toBeGreaterThan(0);
    expect(v.closed).toBeNull();
    v.ws.close();
  }, 180_000);

  test("a run streams to every watcher; a viewer sees it and cannot run", async () => {
    const a = await peer(alice);
    const b = await peer(bob);
    a.send({ t: "join", doc: docId });
    b.send({ t: "join", doc: docId });
    await a.next("joined");
    expect((await b.next("joined")).role).toBe("viewer");
    b.send({ t: "run", doc: docId, scope: "all" });
    expect((await b.next("error")).code).toBe("forbidden");
    a.send({ t: "run", doc: docId, scope: "all" });
    const started = await b.next("run-started");
    expect(started.by).toBe("alice");
    // The first block's output arrives while it still runs (it sleeps after printing).
    const streaming = await b.next(
      "cell",
      (m) => m.cell.block === started.blocks[0] && m.cell.status === "running" && m.cell.html.includes("first"),
    );
    expect(streaming.cell.html).not.toContain("second");
    const done = await b.next("cell", (m) => m.cell.block === started.blocks[1] && m.cell.status === "ok");
    expect(done.cell.html).toContain("42");
    const fin = await a.next("run-finished");
    expect(fin.error).toBeNull();
    // The outputs are kept: a later preview shows them, and so does the public link.
    a.send({ t: "preview", doc: docId, seq: 2, source: SOURCE });
    const p = await a.next("preview");
    expect(p.blocks.map((x) => x.html + x.outputsHtml).join("")).toContain("<strong>second</strong>");
    await alice.json("PATCH", `/api/v1/documents/${docId}`, { isPublic: true });
    const slug = (await alice.json("GET", `/api/v1/documents/${docId}`)).body.publicSlug;
    const pub = await srv.anonymous().json("GET", `/api/v1/public/${slug}`);
    expect(pub.status).toBe(200);
    expect(pub.body.html).toContain("42");
    a.ws.close();
    b.ws.close();
  }, 30_000);

  test("interrupt stops a running block", async () => {
    const d = await alice.json("POST", "/api/v1/documents", {
      title: "Loop",
      content: "# ```\nimport time\nwhile True:\n    time.sleep(0.05)\n# ```\n",
    });
    const a = await peer(alice);
    a.send({ t: "join", doc: d.body.id });
    await a.next("joined");
    a.send({ t: "run", doc: d.body.id, scope: "all" });
    await a.next("cell", (m) => m.cell.status === "running");
    // Interrupt once the loop is under way, as a person would.
    await Bun.sleep(400);
    a.send({ t: "interrupt", doc: d.body.id });
    const cell = await a.next("cell", (m) => m.cell.status === "interrupted" || m.cell.status === "error");
    expect(cell.cell.status).toBe("interrupted");
    await a.next("run-finished");
    a.ws.close();
  }, 30_000);

  test("malformed frames get an error frame and a close; the server keeps answering", async () => {
    for (const bad of [
      "{not json",
      JSON.stringify({ t: "explode" }),
      JSON.stringify([1, 2]),
      JSON.stringify({ t: "join", doc: "../../etc" }),
      JSON.stringify({ t: "run", doc: docId, scope: "blocks", blocks: [-1] }),
    ]) {
      const a = await peer(alice);
      await a.next("hello");
      a.send(bad);
      expect((await a.next("error")).code).toBe("bad_frame");
      expect((await a.waitClosed())?.code).toBe(4400);
    }
    const a = await peer(alice);
    a.send(new Uint8Array([1, 2, 3, 255]));
    expect((await a.next("error")).code).toBe("bad_frame");
    expect((await fetch(srv.url + "/api/v1/health")).status).toBe(200);
    expect(srv.services.documentsStore.byId(docId)!.content).toBe(SOURCE);
  });

  test("a flood of frames is rate limited and closed", async () => {
    const a = await peer(alice);
    await a.next("hello");
    for (let i = 0; i < 400; i++) a.send({ t: "ping", seq: i });
    expect((await a.next("error", (m) => m.code === "rate_limited")).code).toBe("rate_limited");
    expect((await a.waitClosed())?.code).toBe(4400);
  });

  test("a disabled user's socket stops working at its next message", async () => {
    const dave = await srv.userClient("dave");
    const d = await dave.json("POST", "/api/v1/documents", { title: "D" });
    const p = await peer(dave);
    p.send({ t: "join", doc: d.body.id });
    await p.next("joined");
    srv.services.accounts.setDisabled("dave", true);
    p.send({ t: "preview", doc: d.body.id, seq: 1, source: "x" });
    expect((await p.next("error")).code).toBe("unauthenticated");
    expect((await p.waitClosed())?.code).toBe(4401);
  });
});

describe("a server that cannot run code", () => {
  test("says so after joined, and a run is refused with every cell ending (error, then not run), none left queued", async () => {
    const off = await startTestServer({ execution: "off" });
    try {
      const olga = await off.userClient("olga");
      const d = await olga.json("POST", "/api/v1/documents", {
        title: "Off",
        content: "# ```\nprint(1)\n# ```\n# ```\nprint(2)\n# ```\n",
      });
      const p = await openPeer(off.url.replace("http", "ws") + "/api/v1/ws", { cookie: olga.cookie ?? "" });
      p.send({ t: "join", doc: d.body.id });
      await p.next("joined");
      const ex = await p.next("execution");
      expect(ex).toEqual({
        t: "execution",
        doc: d.body.id,
        available: false,
        reason:
          "Code execution is disabled: the administrator turned it off on this server (--execution off, PYMD_EXECUTION=off).",
      });
      p.send({ t: "run", doc: d.body.id, scope: "all" });
      const done = await p.next("run-finished");
      expect(done.error).toBe(ex.reason);
      // the last state each cell was sent (cells render their outputs asynchronously)
      await Bun.sleep(300);
      const last = new Map<number, string>();
      for (const m of p.messages) if (m.t === "cell") last.set(m.cell.block, m.cell.status);
      expect([...last.values()]).toEqual(["error", "not-run"]);
      p.ws.close();
    } finally {
      await off.close();
    }
  }, 30_000);
});

describe("the server's frames", () => {
  test("every one the tests above received matched its schema, and they cover the common types", () => {
    expect(received.mismatches).toEqual([]);
    for (const t of ["hello", "notifications", "joined", "execution", "kernel", "preview", "run-started", "cell"])
      expect(received.types).toContain(t);
    for (const t of ["run-finished", "pong", "error", "preview-base"]) expect(received.types).toContain(t);
  });
});
