// The shipped systemd unit: systemd-analyze accepts it, and it keeps none of the hardening
// options that would stop the notebook jail from starting.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const UNIT = join(import.meta.dir, "pymd.service");
const text = readFileSync(UNIT, "utf8");
const analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));

describe("packaging/systemd/pymd.service", () => {
  test("runs the binary as the pymd service user on a state directory", () => {
    expect(text).toMatch(/^User=pymd$/m);
    expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/pymd serve$/m);
    expect(text).toMatch(/^Environment=PYMD_DATA_DIR=\/var\/lib\/pymd$/m);
    expect(text).toMatch(/^StateDirectory=pymd$/m);
    expect(text).toMatch(/^Delegate=yes$/m);
  });

  test("no option that breaks the jail (namespaces, masks over /proc, private users)", () => {
    for (const option of ["RestrictNamespaces", "ProtectKernelTunables", "ProtectKernelLogs", "ProtectProc", "PrivateUsers", "SystemCallFilter"])
      expect(text).not.toMatch(new RegExp(`^${option}=`, "m"));
  });

  test.skipIf(!analyze)("systemd-analyze verify accepts it", () => {
    const dir = mkdtempSync(join(tmpdir(), "pymd-unit-"));
    try {
      // verify checks that ExecStart exists: point it at a binary that does on this machine
      const built = join(import.meta.dir, "..", "..", "dist", "pymd");
      const copy = join(dir, "pymd.service");
      writeFileSync(copy, text.replace("ExecStart=/usr/local/bin/pymd", `ExecStart=${existsSync(built) ? built : "/bin/true"}`));
      const r = Bun.spawnSync([analyze!, "verify", copy], { stderr: "pipe", stdout: "pipe" });
      expect({ code: r.exitCode, err: r.stderr.toString() }).toEqual({ code: 0, err: "" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!analyze) console.warn("systemd-analyze is not installed (apt-get install systemd): the unit is not verified");
});
