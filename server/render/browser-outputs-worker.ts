// A worker the browser runs (built into the client as /browser-outputs-worker.js): it renders the
// outputs of a block run by Python in the reader's browser through the same tree builder and
// sanitizer as the server's outputs, so what a notebook prints there is held to the same rules.
import type { BlockResult } from "../../protocol/run-frames.ts";
import { finishHtml } from "./html-pipeline.ts";
import { HeadingSlugger } from "./markdown-hast.ts";
import { outputsHast } from "./notebook-hast.ts";

interface Job {
  id: number;
  result: BlockResult;
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Job>) => void) | null;
  postMessage(m: { id: number; html: string }): void;
};

scope.onmessage = async (e) => {
  const { id, result } = e.data;
  let html: string;
  try {
    html = await finishHtml(outputsHast(result, new HeadingSlugger(), { n: 0 }));
  } catch {
    html = '<p class="pymd-host-error">These outputs could not be shown.</p>';
  }
  scope.postMessage({ id, html });
};
