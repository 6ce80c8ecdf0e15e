// A warm kernel's round trip as the editor sees it: "run this block" on the WebSocket until
// run-finished, for `x = 1` in a document whose kernel is already up (the in-process server, the
// default jail), with the kernel-state and cell frames every watcher receives.
import { startTestServer } from "../server/testing/test-server.ts";
import { Peer } from "../server/testing/ws-peer.ts";
import { fmt, summary } from "./bench-kit.ts";

const srv = await startTestServer();
try {
  const u = await srv.userClient("bench");
  const doc = (await u.json("POST", "/api/v1/documents", { title: "warm", content: "# ```\nx = 1\n# ```\n" })).body
    .id as string;
  const p = await Peer.open(srv.url.replace("http", "ws") + "/api/v1/ws", { cookie: u.cookie! });
  p.send({ t: "join", doc });
  await p.next("joined");
  const once = async () => {
    const t0 = performance.now();
    p.send({ t: "run", doc, scope: "blocks", blocks: [0] });
    const fin = await Promise.race([
      p.next("run-finished", () => true, 60_000),
      p
        .next("error", () => true, 60_000)
        .then((e) => {
          throw new Error(e.message);
        }),
    ]);
    const ms = performance.now() - t0;
    if (fin.error) throw new Error(fin.error);
    p.messages.length = 0;
    // stay under the socket's frame rate (40 a second)
    await Bun.sleep(30);
    return ms;
  };
  for (let i = 0; i < 20; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < 300; i++) times.push(await once());
  const s = summary(times);
  console.log(
    `warm run of x = 1 over the WebSocket (send → run-finished): p50 ${fmt(s.p50)}, p95 ${fmt(s.p95)}, p99 ${fmt(s.p99)} (n=${s.n})`,
  );
  p.ws.close();
} finally {
  await srv.close();
}
