// Benchmark (one process, no server): where a 1 MiB paste's time goes in Automerge, the parts
// "Saved" waits for. The editor's worker makes the paste as changes of 16,384 characters; the
// server decodes each to check it, then applies it. Prints the time of each step over the whole
// paste and how long each change holds the server; never fails. BENCH_PIECE sets the change size.
import { A, loadAutomerge } from "../server/sync/automerge.ts";
import type { CollabDoc } from "../protocol/collab-frames.ts";
import { fmt } from "./bench-kit.ts";

await loadAutomerge();
/** Characters per change (the editor's 16,384 by default) and how many changes: 1 MiB in all. */
const PIECE = Number(process.env.BENCH_PIECE ?? 16_384);
const PIECES = Number(process.env.BENCH_PIECES ?? Math.round((64 * 16_384) / PIECE));
const piece = Array.from({ length: PIECE }, (_, i) => "abcdefghij klmnop\n"[i % 18]).join("");
let editor = A.from<CollabDoc>({ content: "# # Pasted\n" });
let server = A.load<CollabDoc>(A.save(editor));
let local = 0;
let decode = 0;
let apply = 0;
/** The server's time for each change (decoding and applying): how long it holds its event loop. */
const each: number[] = [];
for (let i = 0; i < PIECES; i++) {
  let t = performance.now();
  editor = A.change(editor, (d) => A.splice(d, ["content"], d.content.length, 0, piece));
  local += performance.now() - t;
  const change = A.getLastLocalChange(editor)!;
  t = performance.now();
  A.decodeChange(change);
  const decoded = performance.now() - t;
  decode += decoded;
  t = performance.now();
  [server] = A.applyChanges(server, [change]);
  const applied = performance.now() - t;
  apply += applied;
  each.push(decoded + applied);
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
const third = Math.max(1, Math.floor(PIECES / 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `  the server's time per change (its event loop held): median ${fmt(median(each.slice(0, third)))} in the first third of the paste, ${fmt(median(each.slice(-third)))} in the last, longest ${fmt(Math.max(...each))}`,
);
