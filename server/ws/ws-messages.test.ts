// The decoders of both sockets' client frames: every message type, valid and invalid, through the
// schemas of protocol/ws-messages.ts and protocol/terminal-frames.ts, with the refusal each sends.
import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import {
  ClientMessageSchema,
  decodeClientFrame,
  SERVER_FRAME_SCHEMAS,
  ServerMessageSchema,
  WS_MAX_FRAME_BYTES,
} from "../../protocol/ws-messages.ts";
import { decodeTerminalFrame, TerminalSchemas, validTerminalSize } from "../../protocol/terminal-frames.ts";

const DOC = "abcdefghijklmnop";
const frame = (m: unknown) => (typeof m === "string" ? m : JSON.stringify(m));
const refusal = (m: unknown) => {
  const r = decodeClientFrame(frame(m));
  return "error" in r ? r : null;
};

/** Per client message type: frames it accepts (with what they decode to) and frames it refuses (with why). */
const CLIENT_CASES: Record<string, { valid: [unknown, unknown][]; invalid: [unknown, string][] }> = {
  join: {
    valid: [
      [
        { t: "join", doc: DOC },
        { t: "join", doc: DOC },
      ],
      [
        { t: "join", doc: DOC, collab: true },
        { t: "join", doc: DOC, collab: true },
      ],
      [
        { t: "join", doc: DOC, collab: false, extra: "dropped" },
        { t: "join", doc: DOC, collab: false },
      ],
    ],
    invalid: [
      [{ t: "join" }, "join needs a document id"],
      [{ t: "join", doc: "../../etc" }, "join needs a document id"],
      [{ t: "join", doc: "ABCDEFGHIJKLMNOP" }, "join needs a document id"],
      [{ t: "join", doc: `${DOC}a` }, "join needs a document id"],
      [{ t: "join", doc: 7 }, "join needs a document id"],
      [{ t: "join", doc: DOC, collab: "yes" }, "join collab must be true or false"],
      [{ t: "join", doc: DOC, collab: null }, "join collab must be true or false"],
    ],
  },
  leave: {
    valid: [
      [
        { t: "leave", doc: DOC, seq: 3 },
        { t: "leave", doc: DOC },
      ],
    ],
    invalid: [[{ t: "leave", doc: "x" }, "leave needs a document id"]],
  },
  preview: {
    valid: [
      [
        { t: "preview", doc: DOC, seq: 1, source: "# hi\n" },
        { t: "preview", doc: DOC, seq: 1, source: "# hi\n" },
      ],
      [
        { t: "preview", doc: DOC, seq: -Number.MAX_SAFE_INTEGER, source: "" },
        { t: "preview", doc: DOC, seq: -Number.MAX_SAFE_INTEGER, source: "" },
      ],
      [
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: [{ from: 3, to: 5, insert: "x", extra: 1 }] },
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: [{ from: 3, to: 5, insert: "x" }] },
      ],
      [
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: [] },
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: [] },
      ],
    ],
    invalid: [
      [{ t: "preview", seq: 1, source: "" }, "preview needs a document id"],
      [{ t: "preview", doc: DOC, seq: 1.5, source: "" }, "preview needs an integer seq"],
      [{ t: "preview", doc: DOC, seq: 2 ** 53, source: "" }, "preview needs an integer seq"],
      [{ t: "preview", doc: DOC, seq: "1", source: "" }, "preview needs an integer seq"],
      [{ t: "preview", doc: DOC, seq: 1 }, "preview needs the source text, or an integer base and its edits"],
      [
        { t: "preview", doc: DOC, seq: 1, source: ["x"] },
        "preview needs the source text, or an integer base and its edits",
      ],
      [
        { t: "preview", doc: DOC, seq: 2, base: "1", edits: [] },
        "preview needs the source text, or an integer base and its edits",
      ],
      [
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: [{ from: -1, to: 0, insert: "" }] },
        "preview edits must be a list of at most 1000 {from, to, insert}",
      ],
      [
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: [{ from: 0, to: 0 }] },
        "preview edits must be a list of at most 1000 {from, to, insert}",
      ],
      [
        { t: "preview", doc: DOC, seq: 2, base: 1, edits: Array(1001).fill({ from: 0, to: 0, insert: "" }) },
        "preview edits must be a list of at most 1000 {from, to, insert}",
      ],
      [{ t: "preview", doc: DOC, seq: 2, base: 1 }, "preview edits must be a list of at most 1000 {from, to, insert}"],
      // the first wrong field is the one reported
      [{ t: "preview", doc: "x", seq: "x" }, "preview needs a document id"],
    ],
  },
  run: {
    valid: [
      [
        { t: "run", doc: DOC, scope: "all" },
        { t: "run", doc: DOC, scope: "all" },
      ],
      [
        { t: "run", doc: DOC, scope: "all", blocks: "ignored" },
        { t: "run", doc: DOC, scope: "all" },
      ],
      [
        { t: "run", doc: DOC, scope: "blocks", blocks: [0, 3] },
        { t: "run", doc: DOC, scope: "blocks", blocks: [0, 3] },
      ],
      [
        { t: "run", doc: DOC, scope: "blocks", blocks: Array(10_000).fill(1) },
        { t: "run", doc: DOC, scope: "blocks", blocks: Array(10_000).fill(1) },
      ],
    ],
    invalid: [
      [{ t: "run", scope: "all" }, "run needs a document id"],
      [{ t: "run", doc: DOC }, "run scope must be all or blocks"],
      [{ t: "run", doc: DOC, scope: "some" }, "run scope must be all or blocks"],
      [{ t: "run", doc: DOC, scope: "blocks" }, "run blocks must be a non-empty list of block indexes"],
      [{ t: "run", doc: DOC, scope: "blocks", blocks: [] }, "run blocks must be a non-empty list of block indexes"],
      [{ t: "run", doc: DOC, scope: "blocks", blocks: [-1] }, "run blocks must be a non-empty list of block indexes"],
      [{ t: "run", doc: DOC, scope: "blocks", blocks: [1.5] }, "run blocks must be a non-empty list of block indexes"],
      [{ t: "run", doc: DOC, scope: "blocks", blocks: ["1"] }, "run blocks must be a non-empty list of block indexes"],
      [
        { t: "run", doc: DOC, scope: "blocks", blocks: Array(10_001).fill(1) },
        "run blocks must be a non-empty list of block indexes",
      ],
    ],
  },
  interrupt: {
    valid: [
      [
        { t: "interrupt", doc: DOC },
        { t: "interrupt", doc: DOC },
      ],
    ],
    invalid: [[{ t: "interrupt" }, "interrupt needs a document id"]],
  },
  restart: {
    valid: [
      [
        { t: "restart", doc: DOC },
        { t: "restart", doc: DOC },
      ],
    ],
    invalid: [[{ t: "restart", doc: null }, "restart needs a document id"]],
  },
  ping: {
    valid: [
      [
        { t: "ping", seq: 0, doc: "ignored" },
        { t: "ping", seq: 0 },
      ],
    ],
    invalid: [
      [{ t: "ping" }, "ping needs an integer seq"],
      [{ t: "ping", seq: 0.5 }, "ping needs an integer seq"],
    ],
  },
  presence: {
    valid: [
      [
        { t: "presence", doc: DOC, cursor: null },
        { t: "presence", doc: DOC, cursor: null },
      ],
      [
        { t: "presence", doc: DOC, cursor: { anchor: 0, head: 100_000_000, name: "<b>x</b>" } },
        { t: "presence", doc: DOC, cursor: { anchor: 0, head: 100_000_000 } },
      ],
    ],
    invalid: [
      [{ t: "presence", cursor: null }, "presence needs a document id"],
      [{ t: "presence", doc: DOC }, "presence cursor must be {anchor, head} or null"],
      [{ t: "presence", doc: DOC, cursor: { anchor: 1 } }, "presence cursor must be {anchor, head} or null"],
      [{ t: "presence", doc: DOC, cursor: { anchor: -1, head: 0 } }, "presence cursor must be {anchor, head} or null"],
      [
        { t: "presence", doc: DOC, cursor: { anchor: 0, head: 100_000_001 } },
        "presence cursor must be {anchor, head} or null",
      ],
      [{ t: "presence", doc: DOC, cursor: [0, 1] }, "presence cursor must be {anchor, head} or null"],
    ],
  },
};

describe("the notebook socket's decoder", () => {
  test("the cases cover every client message type of the schema", () => {
    const types = new Set<string>(ClientMessageSchema.anyOf.map((s) => s.properties.t.const));
    expect([...types].sort()).toEqual(Object.keys(CLIENT_CASES).sort());
  });

  for (const [t, { valid, invalid }] of Object.entries(CLIENT_CASES)) {
    test(`${t}: valid frames decode to the message, without fields it does not name`, () => {
      for (const [m, decoded] of valid) {
        const r = decodeClientFrame(frame(m));
        expect(r).toEqual(decoded as never);
        expect(Value.Check(ClientMessageSchema, r)).toBe(true);
      }
    });
    test(`${t}: invalid frames are refused as bad_frame, naming the wrong field`, () => {
      for (const [m, reason] of invalid) expect(refusal(m)).toEqual({ code: "bad_frame", error: reason });
    });
  }

  test("frames that are not JSON objects of a known type", () => {
    expect(refusal("{not json")).toEqual({ code: "bad_frame", error: "frame is not valid JSON" });
    for (const m of ["[1,2]", "null", "3", '"join"'])
      expect(refusal(m)).toEqual({ code: "bad_frame", error: "a frame must be a JSON object" });
    for (const m of [{ t: "explode" }, {}, { t: 3 }, { t: "toString" }, { t: "__proto__" }, { t: "pong", seq: 1 }])
      expect(refusal(m)).toEqual({ code: "bad_frame", error: "unknown frame type" });
    expect(refusal(" ".repeat(WS_MAX_FRAME_BYTES + 1))).toEqual({ code: "too_large", error: "frame too large" });
  });
});

describe("the server frames' schemas", () => {
  test("there is one schema per server message type", () => {
    const types = ServerMessageSchema.anyOf.map((s) => s.properties.t.const);
    expect(new Set(types).size).toBe(types.length);
    expect([...SERVER_FRAME_SCHEMAS.keys()].sort()).toEqual([...types].sort());
  });

  test("they tell a well-formed frame from a malformed one", () => {
    const check = (m: { t: string; [field: string]: unknown }) => Value.Check(SERVER_FRAME_SCHEMAS.get(m.t)!, m);
    expect(check({ t: "error", code: "bad_frame", message: "unknown frame type" })).toBe(true);
    expect(check({ t: "error", code: "not_found", message: "Not found", doc: DOC })).toBe(true);
    expect(check({ t: "error", code: "not_found", doc: DOC })).toBe(false);
    expect(check({ t: "joined", doc: DOC, role: "viewer", running: false })).toBe(true);
    expect(check({ t: "joined", doc: DOC, role: "admin", running: false })).toBe(false);
    const kernel = { status: "busy", block: { index: 2, number: 1, line: 4 }, reason: null, message: null, counter: 3 };
    expect(check({ t: "kernel", doc: DOC, kernel })).toBe(true);
    expect(check({ t: "kernel", doc: DOC, kernel: { ...kernel, status: "asleep" } })).toBe(false);
    const user = { id: "u1", username: "ann", name: "Ann", colour: "#c0ffee" };
    expect(check({ t: "presence", doc: DOC, peer: "ws1", user, cursor: { anchor: 1, head: 1 } })).toBe(true);
    expect(check({ t: "presence", doc: DOC, peer: "ws1", user: { id: "u1" }, cursor: null })).toBe(false);
  });
});

describe("the terminal socket's decoder", () => {
  const RESIZE = "resize needs whole rows and cols between 2 and 1000";
  const SIGNAL = "signal must be one of INT, TERM, HUP, KILL, QUIT, TSTP, CONT";
  const cases: { valid: [unknown, unknown][]; invalid: [unknown, string][] } = {
    valid: [
      [
        { t: "resize", rows: 2, cols: 1000 },
        { t: "resize", rows: 2, cols: 1000 },
      ],
      [
        { t: "resize", rows: 24, cols: 80, extra: 1 },
        { t: "resize", rows: 24, cols: 80 },
      ],
      [
        { t: "signal", signal: "INT" },
        { t: "signal", signal: "INT" },
      ],
      [
        { t: "signal", signal: "CONT" },
        { t: "signal", signal: "CONT" },
      ],
      [
        { t: "ping", seq: 9 },
        { t: "ping", seq: 9 },
      ],
    ],
    invalid: [
      [{ t: "resize", rows: 1, cols: 80 }, RESIZE],
      [{ t: "resize", rows: 24, cols: 1001 }, RESIZE],
      [{ t: "resize", rows: 24.5, cols: 80 }, RESIZE],
      [{ t: "resize", rows: 24 }, RESIZE],
      [{ t: "signal", signal: "int" }, SIGNAL],
      [{ t: "signal" }, SIGNAL],
      [{ t: "ping", seq: "1" }, "ping needs a whole seq"],
      [{ t: "ping" }, "ping needs a whole seq"],
      [{ t: "explode" }, 'unknown message type "explode"'],
      [{}, "unknown message type undefined"],
      ["[1]", "frame is not an object"],
      ["{not json", "frame is not valid JSON"],
      [" ".repeat(16 * 1024 + 1), "frame too large"],
    ],
  };

  test("the cases cover every terminal client message type", () => {
    const types = new Set<string>(TerminalSchemas.client.anyOf.map((s) => s.properties.t.const));
    expect(types).toEqual(new Set(cases.valid.map(([m]) => (m as { t: string }).t)));
  });
  test("valid frames decode to the message, without fields it does not name", () => {
    for (const [m, decoded] of cases.valid) expect(decodeTerminalFrame(frame(m))).toEqual(decoded as never);
  });
  test("invalid frames are refused with the reason", () => {
    for (const [m, reason] of cases.invalid) expect(decodeTerminalFrame(frame(m))).toEqual({ error: reason });
  });
  test("a terminal size is a whole number from 2 to 1000", () => {
    expect(validTerminalSize(2, 1000)).toBe(true);
    expect(validTerminalSize(1, 80)).toBe(false);
    expect(validTerminalSize(24, Number.NaN)).toBe(false);
    expect(validTerminalSize("24", 80)).toBe(false);
  });
  test("the server frames' schemas", () => {
    const ok = (m: unknown) => Value.Check(TerminalSchemas.server, m);
    expect(ok({ t: "ready", v: 1, term: "tabcdefgh1", resumed: false, idleCloseMinutes: 30, graceSeconds: 60 })).toBe(
      true,
    );
    expect(ok({ t: "ready", v: 1, term: "../x", resumed: false, idleCloseMinutes: 30, graceSeconds: 60 })).toBe(false);
    expect(ok({ t: "exit", code: -2, reason: null })).toBe(true);
    expect(ok({ t: "exit", code: null })).toBe(false);
  });
});
