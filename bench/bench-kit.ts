// Shared pieces of the benchmarks: start the compiled binary, seed data, percentiles, output.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { openServices } from "../server/app.ts";
import { A } from "../server/sync/automerge.ts";
import type { CollabDoc } from "../protocol/collab-frames.ts";

export const ROOT = join(import.meta.dir, "..");
/** The compiled server; PYMD_BENCH_BINARY measures another build side by side. */
export const BINARY = process.env.PYMD_BENCH_BINARY ?? join(ROOT, "dist", "pymd");

export function requireBinary(): void {
  if (!existsSync(BINARY)) {
    console.error("bench: dist/pymd is missing; run `npm run build` first");
    process.exit(0);
  }
}

export function tempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `pymd-bench-${label}-`));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0]!,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1]!,
  };
}

export const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

export function verdict(ok: boolean): string {
  return ok ? "target met" : "target NOT met";
}

export async function startBinary(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<{ proc: Bun.Subprocess; url: string }> {
  const proc = Bun.spawn(
    [BINARY, "serve", "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "warn"],
    {
      stdout: "ignore",
      stderr: "ignore",
      env: { ...process.env, ...env },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url + "/api/v1/health")).status === 200) return { proc, url };
    } catch {
      await Bun.sleep(2);
    }
  }
  proc.kill();
  throw new Error("server did not start");
}

const WORDS =
  "alpha beta gamma delta notebook python matplotlib pandas table figure plot series frame kernel sandbox render markdown heading list code block output error value function class import module array matrix vector sum mean median variance histogram scatter line bar chart data clean merge join group filter sort index column row cell string number float integer boolean date time zone".split(
    " ",
  );

/** Seeds `count` documents owned by a fresh user; returns that user's API token. */
export async function seedDocuments(
  dataDir: string,
  count: number,
  wordsPerDoc = 200,
): Promise<{ token: string; userId: string }> {
  const s = openServices(dataDir);
  const user = await s.accounts.addUser("bench", "bench-password", "user");
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const insert = s.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const words: string[] = [];
      for (let w = 0; w < wordsPerDoc; w++) words.push(WORDS[Math.floor(rnd() * WORDS.length)]!);
      if (i % 97 === 0) words.push("quetzal");
      s.documents.create(user, {
        title: `Notebook ${i} ${WORDS[i % WORDS.length]}`,
        content: `# # Notebook ${i}\n# ${words.join(" ")}\n`,
        tags: [`t${i % 10}`],
      });
    }
  });
  insert();
  const token = s.sessions.createApiToken(user.id, "bench").token;
  s.db.close();
  return { token, userId: user.id };
}

export function rssOf(pid: number): number | null {
  try {
    const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Polls /api/v1/health every 20 ms while `work` runs; returns its result and the latencies. */
export async function whileHealthy<T>(
  url: string,
  work: () => Promise<T>,
): Promise<{ result: T; health: ReturnType<typeof summary> }> {
  const lat: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(url + "/api/v1/health").then((r) => r.arrayBuffer());
      lat.push(performance.now() - t);
      await Bun.sleep(20);
    }
  })();
  const result = await work();
  done = true;
  await probe;
  return { result, health: summary(lat) };
}

/**
 * The collaboration layer's modules for an in-process benchmark, from this checkout or from the
 * one BENCH_PYMD_ROOT names (before/after); Automerge is loaded.
 */
export async function collabModules() {
  const root = process.env.BENCH_PYMD_ROOT ?? ROOT;
  const from = async <T>(...path: string[]) => (await import(join(root, ...path))) as T;
  const app = await from<typeof import("../server/app.ts")>("server", "app.ts");
  const logger = await from<typeof import("../server/log/logger.ts")>("server", "log", "logger.ts");
  const store = await from<typeof import("../server/store/sync-store.ts")>("server", "store", "sync-store.ts");
  const automerge = await from<typeof import("../server/sync/automerge.ts")>("server", "sync", "automerge.ts");
  const collab = await from<typeof import("../server/sync/collab-documents.ts")>(
    "server",
    "sync",
    "collab-documents.ts",
  );
  const frames = await from<typeof import("../protocol/collab-frames.ts")>("protocol", "collab-frames.ts");
  await automerge.loadAutomerge();
  return {
    root,
    openServices: app.openServices,
    silentLogger: logger.silentLogger,
    SyncStore: store.SyncStore,
    A: automerge.A,
    CollabDocuments: collab.CollabDocuments,
    decodeBinaryFrame: frames.decodeBinaryFrame,
  };
}

/**
 * A document whose text took `changes` changes of one character each (every fifth a deletion),
 * typed from `letters` in turn, as a long-edited notebook's history would be. Load Automerge first.
 */
export function longHistory(changes: number, letters: string): A.Doc<CollabDoc> {
  let d = A.from<CollabDoc>({ content: "" });
  let len = 0;
  for (let i = 0; i < changes; i++) {
    d = A.change(d, (x) => {
      if (i % 5 === 4 && len > 0) A.splice(x, ["content"], len - 1, 1), len--;
      else A.splice(x, ["content"], len, 0, letters[i % letters.length]!), len++;
    });
  }
  return d;
}
