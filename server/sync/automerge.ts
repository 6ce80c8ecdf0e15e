// The server's one Automerge module: the slim build with its wasm embedded as a file, so the same
// code runs from node_modules and from the compiled binary (the default entry bakes in a
// node_modules path and fails anywhere else).
import * as A from "@automerge/automerge/slim/next";
import wasmPath from "@automerge/automerge/automerge.wasm" with { type: "file" };

let ready: Promise<void> | null = null;

/** Compiles the wasm once per process; everything that touches Automerge awaits this first. */
export function loadAutomerge(): Promise<void> {
  ready ??= Bun.file(wasmPath)
    .bytes()
    .then((bytes) => A.initializeWasm(bytes));
  return ready;
}

export { A };
