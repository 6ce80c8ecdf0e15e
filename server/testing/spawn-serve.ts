// Starts `pymd serve` from source as a separate process (for tests that kill it or share its
// data directory with CLI commands) and waits for the URL it logs.
import { join } from "node:path";

export const MAIN = join(import.meta.dir, "..", "main.ts");

export async function spawnServe(
  dataDir: string,
  cwd: string,
  port = 0,
): Promise<{ proc: Bun.Subprocess<"ignore", "pipe", "pipe">; url: string; log: string }> {
  const proc = Bun.spawn(
    [
      process.execPath,
      MAIN,
      "serve",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDir,
      "--log-format",
      "json",
    ],
    {
      cwd,
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "/usr/bin" },
    },
  );
  const reader = proc.stderr.getReader();
  let buf = "";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
    if (m) {
      reader.releaseLock();
      return { proc, url: m[1]!, log: buf };
    }
  }
  proc.kill(9);
  throw new Error(`server did not start: ${buf}`);
}
