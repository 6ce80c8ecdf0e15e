// A streaming cell renders one render at a time, folds the updates that arrive meanwhile into one
// render of the latest state, keeps the HTML of what no longer changes, renders nothing for nobody,
// and ends with one whole render of the final state. The renderer is the real one (renderOutputs),
// wrapped to count and hold renders.
import { describe, expect, test } from "bun:test";
import type { BlockResult } from "../../protocol/run-frames.ts";
import { renderOutputs } from "../render/index.ts";
import { StreamedCell, streamPieces, type CellView } from "./streamed-cell.ts";

function harness(opts: { watched?: () => boolean } = {}) {
  const result: BlockResult = { block: 0, status: "not-run", durationMs: null, outputs: [] };
  let status: CellView["status"] = "running";
  const sent: { view: CellView; html: string }[] = [];
  const rendered: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gates: (() => void)[] = [];
  let hold = false;
  const cell = new StreamedCell({
    view: () => ({ result, status, startedAt: 1, count: 1 }),
    render: async (r) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      rendered.push(r.outputs.map((o) => (o.kind === "stdout" || o.kind === "stderr" ? o.text : o.kind)));
      if (hold) await new Promise<void>((resolve) => gates.push(resolve));
      try {
        return await renderOutputs(r);
      } finally {
        inFlight--;
      }
    },
    watched: opts.watched ?? (() => true),
    send: (view, html) => sent.push({ view, html }),
    minIntervalMs: 0,
  });
  const print = (text: string, kind: "stdout" | "stderr" = "stdout") => {
    const last = result.outputs.at(-1);
    if (last && last.kind === kind) last.text += text;
    else result.outputs.push({ kind, text });
    cell.update();
  };
  return {
    cell,
    result,
    sent,
    rendered,
    print,
    setStatus: (s: CellView["status"]) => (status = s),
    hold: (on: boolean) => (hold = on),
    release: () => {
      for (const g of gates.splice(0)) g();
    },
    maxInFlight: () => maxInFlight,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
/** Waits for a condition (renders are spaced by how long the last one took). */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await tick();
}

describe("a streaming cell", () => {
  test("never renders twice at once: updates during a render become one render of the latest state", async () => {
    const h = harness();
    h.hold(true);
    h.print("line 1\n");
    await tick();
    expect(h.rendered.length).toBe(1);
    for (let i = 2; i <= 50; i++) h.print(`line ${i}\n`);
    await tick();
    // the first render is still held: nothing else started
    expect(h.rendered.length).toBe(1);
    h.hold(false);
    h.release();
    await until(() => h.sent.length >= 2);
    expect(h.maxInFlight()).toBe(1);
    // the 49 updates made while it rendered were folded into one, of the latest text
    expect(h.rendered.length).toBe(2);
    expect(h.sent.at(-1)!.html).toContain("line 50");
    expect(h.sent.length).toBe(2);
  });

  test("a final render waits for the one in flight, shows the final state whole, and is not repeated", async () => {
    const h = harness();
    h.hold(true);
    h.print("# Title\n\nsome text\n");
    await tick();
    h.print("more\n");
    h.setStatus("ok");
    h.result.status = "ok";
    const done = h.cell.finish();
    await tick();
    expect(h.rendered.length).toBe(1);
    h.hold(false);
    h.release();
    await done;
    expect(h.maxInFlight()).toBe(1);
    expect(h.sent.at(-1)!.view.status).toBe("ok");
    expect(h.sent.at(-1)!.html).toContain("more");
    expect(h.sent.at(-1)!.html).toBe(await renderOutputs(h.result));
    const n = h.sent.length;
    await h.cell.finish();
    expect(h.sent.length).toBe(n);
  });

  test("only what is new is rendered again: full groups of finished outputs and settled pieces of a long text keep their HTML", async () => {
    const h = harness();
    // 80 finished outputs, alternating stdout and stderr
    for (let i = 0; i < 40; i++) {
      h.print(`out ${i}\n`);
      h.print(`err ${i}\n`, "stderr");
    }
    await until(() => h.sent.length > 0 && h.sent.at(-1)!.html.includes("err 39"));
    // a long printed text in paragraphs: its settled pieces are not rendered again as it grows
    const para = (i: number) => `Paragraph ${i} ${"word ".repeat(400)}\n\n`;
    let text = "";
    for (let i = 0; i < 30; i++) text += para(i);
    h.print(text);
    await until(() => h.sent.at(-1)!.html.includes("Paragraph 29 "));
    const before = h.rendered.length;
    h.print(para(30));
    await until(() => h.sent.at(-1)!.html.includes("Paragraph 30 "));
    const again = h.rendered.slice(before).flat();
    // the first 64 outputs (a full group) were not rendered again; the 16 after them were, as one job
    expect(again.some((t) => t === "out 0\n" || t === "err 31\n")).toBe(false);
    expect(again.filter((t) => t === "out 32\n").length).toBe(1);
    // the growing text only from its last piece
    expect(again.some((t) => t.includes("Paragraph 0 "))).toBe(false);
    expect(again.some((t) => t.includes("Paragraph 30 "))).toBe(true);
    const html = h.sent.at(-1)!.html;
    for (const bit of ["out 0", "err 39", "Paragraph 0 ", "Paragraph 30 "]) expect(html).toContain(bit);
    expect(html.indexOf("out 0")).toBeLessThan(html.indexOf("err 39"));
    expect(html.indexOf("err 39")).toBeLessThan(html.indexOf("Paragraph 0 "));
  });

  test("nobody watching, nothing is rendered", async () => {
    const h = harness({ watched: () => false });
    for (let i = 0; i < 20; i++) h.print(`line ${i}\n`);
    await h.cell.finish();
    expect(h.rendered.length).toBe(0);
    expect(h.sent.length).toBe(0);
  });

  test("a long printed list of lines is cut between lines: the pieces lose nothing, stay put as it grows, and render as the whole does", async () => {
    const lines = Array.from(
      { length: 24 },
      (_, i) => `[${Array.from({ length: 1000 }, (_, k) => i * 1000 + k).join(", ")}]`,
    );
    const text = lines.join("\n") + "\n";
    const pieces = streamPieces(text);
    expect(pieces.length).toBeGreaterThan(4);
    expect(pieces.join("\n")).toBe(text);
    // the text grown by more lines keeps the pieces before its last
    const grown = streamPieces(text + lines.slice(0, 5).join("\n") + "\n");
    expect(grown.slice(0, pieces.length - 1)).toEqual(pieces.slice(0, -1));
    // streamed in, the cell's HTML is the whole render's
    const h = harness();
    h.print(text.slice(0, text.length / 2));
    await until(() => h.sent.length === 1);
    h.print(text.slice(text.length / 2));
    await until(() => h.sent.length === 2);
    expect(h.sent[1]!.html).toBe(await renderOutputs(h.result));
    // and the second render did not render the first half again
    expect(h.rendered.length).toBeLessThan(2 * pieces.length);
    const first = h.rendered.slice(0, h.rendered.length).findIndex((r) => r[0]!.startsWith(lines[0]!));
    expect(h.rendered.filter((r) => r[0]!.startsWith(lines[0]!)).length).toBe(1);
    expect(first).toBe(0);
  }, 60_000);

  test("fences and lists are not cut", () => {
    const fence = "```\n" + Array.from({ length: 4000 }, (_, i) => `code line ${i}`).join("\n") + "\n```\n";
    expect(streamPieces(fence)).toEqual([fence]);
    const list = Array.from({ length: 4000 }, (_, i) => `- item ${i}`).join("\n") + "\n";
    expect(streamPieces(list)).toEqual([list]);
  });
});
