// Benchmark (one process, no server): where a 1 MiB paste's time goes in Automerge, the parts
// "Saved" waits for. The editor's worker makes the paste as changes of 16,384 characters; the
// server decodes each to check it, then applies it. Prints the time of each step over the whole
// paste; never fails.
import { A, loadAutomerge } from "../server/sync/automerge.ts";
import type { CollabDoc } from "../protocol/collab-frames.ts";
import { fmt } from "./bench-kit.ts";

await loadAutomerge();
const PIECE = 16_384;
const PIECES = Number(process.env.BENCH_PIECES ?? 64);
const piece = Array.from({ length: PIECE }, (_, i) => "abcdefghij klmnop\n"[i % 18]).join("");
let editor = A.from<CollabDoc>({ content: "# # Pasted\n" });
let server = A.load<CollabDoc>(A.save(editor));
let local = 0;
let decode = 0;
let apply = 0;
for (let i = 0; i < PIECES; i++) {
  let t = performance.now();
  editor = A.change(editor, (d) => A.splice(d, ["content"], d.content.length, 0, piece));
  local += performance.now() - t;
  const change = A.getLastLocalChange(editor)!;
  t = performance.now();
  A.decodeChange(change);
  decode += performance.now() - t;
  t = performance.now();
  [server] = A.applyChanges(server, [change]);
  apply += performance.now() - t;
}
if (server.content !== editor.content) throw new Error("the server's copy differs from the editor's");
const chars = PIECE * PIECES;
const perChar = (ms: number) => `${((ms * 1000) / chars).toFixed(1)} µs per character`;
console.log(
  `a paste of ${(chars / 1024).toFixed(0)} KiB in ${PIECES} changes: ` +
    `making the changes (the editor's worker) ${fmt(local)} (${perChar(local)}); ` +
    `decoding them to check them (the server) ${fmt(decode)} (${perChar(decode)}); ` +
    `applying them (the server) ${fmt(apply)} (${perChar(apply)})`,
);
