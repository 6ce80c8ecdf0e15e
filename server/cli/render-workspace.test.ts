// `pymd render --workspace DIR`: the folder is the run's working directory through a real jail;
// files the run writes come back, a link in the folder is neither followed nor copied.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "main.ts");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pymd-render-ws-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pymd render --workspace", () => {
  test("reads and writes the folder, embeds its images, never follows a link", () => {
    writeFileSync(join(dir, "in.csv"), "a,b\n1,2\n3,4\n");
    symlinkSync("/etc/hostname", join(dir, "link.txt"));
    const src = [
      "# ![chart](chart.png)",
      "# ```",
      "import os, pandas as pd",
      "print('sum', pd.read_csv('in.csv')['b'].sum(), 'link seen', os.path.exists('link.txt'))",
      "open('out.txt', 'w').write('written in the jail')",
      "import matplotlib.pyplot as plt",
      "plt.plot([1, 2]); plt.savefig('chart.png'); plt.close('all')",
      "# ```",
      "",
    ].join("\n");
    writeFileSync(join(dir, "doc.pymd"), src);
    const r = Bun.spawnSync(
      [process.execPath, MAIN, "render", join(dir, "doc.pymd"), "--workspace", dir, "-o", join(dir, "doc.html")],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr.toString()).toContain(`workspace: wrote chart.png, out.txt into ${dir}`);
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("written in the jail");
    const html = readFileSync(join(dir, "doc.html"), "utf8");
    expect(html).toContain("sum 6 link seen False");
    expect(html).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]{100,}" alt="chart">/);
    expect(existsSync(join(dir, "link.txt"))).toBe(true);
    const bad = Bun.spawnSync(
      [process.execPath, MAIN, "render", join(dir, "doc.pymd"), "--workspace", join(dir, "nope")],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.toString()).toBe(`error: --workspace: not a folder: ${join(dir, "nope")}\n`);
  }, 60_000);
});
