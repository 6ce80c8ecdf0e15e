// A TCP port free on 127.0.0.1 right now, found synchronously (Playwright reads its config and
// the specs synchronously): the system picks it, so two test runs on one machine never collide.
import { execFileSync } from "node:child_process";

export function freePortSync(): number {
  const out = execFileSync(
    process.execPath,
    [
      "-e",
      "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
    ],
    { encoding: "utf8" },
  );
  const port = Number(out.trim());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`could not find a free port (got ${JSON.stringify(out)})`);
  return port;
}
