// The original project's flagship document, example.pymd (pandas, matplotlib, a 180-frame GIF),
// rendered through each jail under the server's default limits, as a user's run would be.
// Prints wall time and how each block ended; never fails.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePymd } from "../protocol/pymd-parser.ts";
import { executableBlocks } from "../protocol/pymd-run-blocks.ts";
import { createSandbox } from "../sandbox/index.ts";
import { jailsUnderTest } from "../sandbox/testing/jails.ts";

const file = join(import.meta.dir, "..", "..", "shared", "pymd-corpus", "inputs", "example.pymd");

async function main(): Promise<void> {
  if (!existsSync(file)) {
    console.log(`example.pymd not found at ${file}: the corpus is absent, nothing measured`);
    return;
  }
  const blocks = executableBlocks(parsePymd(readFileSync(file, "utf8")));
  for (const j of jailsUnderTest()) {
    const sandbox = await createSandbox({ backend: j.backend, tools: j.tools });
    if (sandbox.backend !== j.backend) continue;
    const t0 = performance.now();
    const events = await sandbox.run(blocks);
    const ms = performance.now() - t0;
    const errors = events.flatMap((e) =>
      e.type === "error" ? [e.name] : e.type === "host-error" ? [`host-error:${e.reason}`] : [],
    );
    const images = events.filter((e) => e.type === "display" && e.mime === "image/png").length;
    const statuses = events.flatMap((e) => (e.type === "block-done" ? [e.status] : []));
    console.log(
      `${j.backend.padEnd(7)} example.pymd, default limits (${sandbox.limits.memoryBytes >> 20} MiB, ${sandbox.limits.cpuSeconds} s CPU): ${(ms / 1000).toFixed(2)} s, ` +
        `${statuses.length}/${blocks.length} blocks ran (${statuses.filter((s) => s === "ok").length} ok), ${images} images, errors: ${errors.join(", ") || "none"}` +
        `${errors.includes("MemoryError") ? "  <- MemoryError under the defaults" : ""}`,
    );
  }
}

await main().catch((e) => console.log(`benchmark failed: ${(e as Error).message}`));
