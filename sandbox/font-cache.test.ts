// matplotlib's font list is built once per server and shared read-only with every kernel: a
// kernel's first pyplot import reads it instead of scanning the fonts and writing its own, and a
// kernel cannot change it. Through the real jails.
import { describe, expect, test } from "bun:test";
import type { RunEvent } from "../protocol/run-frames.ts";
import { createSandbox } from "./index.ts";
import { jailsUnderTest } from "./testing/jails.ts";

const text = (events: RunEvent[], kind: "stdout" | "stderr") =>
  events.map((e) => (e.type === kind ? e.text : "")).join("");
// what the config directory holds after the first import: a file matplotlib wrote (it scanned the
// fonts and saved the list) or the link to the shared list (it read it)
const FIRST_IMPORT = [
  "import glob, os",
  "import matplotlib.pyplot as plt",
  "for p in glob.glob(os.path.join(os.environ['MPLCONFIGDIR'], 'fontlist-*.json')):",
  "    print('link' if os.path.islink(p) else 'written')",
].join("\n");
const TAMPER = [
  "import glob, os",
  "lists = glob.glob(os.path.join(os.environ['MPLCONFIGDIR'], 'fontlist-*.json'))",
  "try:",
  "    open(os.path.realpath(lists[0]), 'w').write('{}')",
  "    print('changed')",
  "except OSError as e:",
  "    print('read-only', e.errno)",
].join("\n");

let hasMatplotlib = true;
try {
  Bun.spawnSync(["/usr/bin/python3", "-c", "import matplotlib"]).exitCode === 0 || (hasMatplotlib = false);
} catch {
  hasMatplotlib = false;
}
if (!hasMatplotlib) console.warn("font cache suite: python3-matplotlib is not installed, it does not run");

for (const jail of jailsUnderTest())
  describe.if(hasMatplotlib)(`shared matplotlib font cache (${jail.backend})`, () => {
    test("without it a kernel builds the font list on its first pyplot import; with it, it does not", async () => {
      const bare = await createSandbox({
        backend: jail.backend,
        tools: jail.tools,
        fontCache: false,
        limits: { wallTimeMs: 60_000 },
      });
      const k0 = await bare.startKernel();
      const cold = await k0.run([{ id: 0, code: FIRST_IMPORT, line: 1 }]);
      await k0.close();
      expect(text(cold, "stdout")).toBe("written\n");

      const shared = await createSandbox({ backend: jail.backend, tools: jail.tools, limits: { wallTimeMs: 60_000 } });
      expect(await shared.fontCache()).not.toBeNull();
      const k1 = await shared.startKernel();
      try {
        const warm = await k1.run([{ id: 0, code: FIRST_IMPORT, line: 1 }]);
        expect(text(warm, "stdout")).toBe("link\n");
        expect(text(warm, "stderr")).toBe("");
        // the shared list is read-only in the jail
        expect(text(await k1.run([{ id: 1, code: TAMPER, line: 1 }]), "stdout")).toMatch(/^read-only (30|13)\n$/);
      } finally {
        await k1.close();
      }
    }, 120_000);
  });
