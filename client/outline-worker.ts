// The outline worker: parses the notebook for its headings off the page's main thread (a 1 MB
// document takes longer to parse than a frame lasts). Answers each request with its sequence
// number, so the page keeps only the latest.
import { parsePymd } from "../protocol/pymd-parser.ts";
import { headingsOf } from "./outline.ts";
import type { OutlineAnswer, OutlineRequest } from "./outline.ts";

const port = self as unknown as {
  postMessage(m: OutlineAnswer): void;
  onmessage: ((e: MessageEvent<OutlineRequest>) => void) | null;
};

port.onmessage = (e) => {
  const parsed = parsePymd(e.data.text);
  port.postMessage({ seq: e.data.seq, headings: headingsOf(parsed), legacy: parsed.headingMode === "legacy" });
};
