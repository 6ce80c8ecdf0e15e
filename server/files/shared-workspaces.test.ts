// The shared working directory of a document, on a real server's store: one directory per document
// whoever asks, filled from the stored files, copying back what was written there, syncs one at a
// time with every process in it stopped meanwhile, and removed when the last holder lets it go.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import { WorkspaceFiles } from "./workspace-files.ts";

let srv: TestServer;
let alice: TestClient;
let files: WorkspaceFiles;

beforeAll(async () => {
  srv = await startTestServer();
  alice = await srv.userClient("alice");
  files = new WorkspaceFiles(srv.services.filesStore, srv.services.documents, {
    fileBytes: 10_000_000,
    documentBytes: 20_000_000,
    userBytes: 50_000_000,
  });
});
afterAll(() => srv.close());

test("one directory per document, synced both ways, syncs one at a time with its processes stopped, gone after the last release", async () => {
  const doc = (await alice.json("POST", "/api/v1/documents", { title: "S", content: "# x\n" })).body.id as string;
  expect(
    (await alice.req("PUT", `/api/v1/documents/${doc}/file?path=in.txt`, "stored\n", { "content-type": "text/plain" }))
      .status,
  ).toBe(201);
  expect(files.shared.acquire("no-such-document")).toBeNull();
  const a = files.shared.acquire(doc)!;
  const b = files.shared.acquire(doc)!;
  expect(b).toBe(a);
  expect(files.shared.size).toBe(1);
  await a.syncIn();
  expect(readFileSync(join(a.dir, "in.txt"), "utf8")).toBe("stored\n");

  // every registered worker is stopped during a sync, and resumed after it, in reverse order
  const log: string[] = [];
  let frozen = 0;
  let most = 0;
  const worker = (name: string) => ({
    freeze() {
      log.push(`stop ${name}`);
      most = Math.max(most, ++frozen);
      return () => {
        frozen--;
        log.push(`go ${name}`);
      };
    },
  });
  const offK = a.work(worker("kernel"));
  a.work(worker("terminal"));
  writeFileSync(join(a.dir, "out.txt"), "from a jail\n");
  const [r1, r2] = await Promise.all([a.syncBack(alice.userId), a.syncBack(alice.userId)]);
  expect(r1.changed).toBe(true);
  expect(r2.changed).toBe(false);
  expect(log).toEqual([
    "stop kernel",
    "stop terminal",
    "go terminal",
    "go kernel",
    "stop kernel",
    "stop terminal",
    "go terminal",
    "go kernel",
  ]);
  // two syncs asked at once ran one after the other: both workers, never more, were stopped at a time
  expect(most).toBe(2);
  expect(frozen).toBe(0);
  const listed = (await alice.json("GET", `/api/v1/documents/${doc}/files`)).body.files as { path: string }[];
  expect(listed.map((f) => f.path)).toContain("out.txt");
  offK();
  log.length = 0;
  await a.syncIn();
  expect(log).toEqual(["stop terminal", "go terminal"]);

  // the first release keeps it for the other holder; the last one removes it
  await files.shared.release(a);
  expect(existsSync(a.dir)).toBe(true);
  await files.shared.release(b);
  expect(existsSync(a.dir)).toBe(false);
  expect(files.shared.size).toBe(0);
  expect((await a.syncBack(alice.userId)).changed).toBe(false);
  // taken again, it is a new directory filled from the store
  const c = files.shared.acquire(doc)!;
  expect(c).not.toBe(a);
  await c.syncIn();
  expect(readFileSync(join(c.dir, "out.txt"), "utf8")).toBe("from a jail\n");
  await files.shared.release(c);
  expect(existsSync(c.dir)).toBe(false);
});
