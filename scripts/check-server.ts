// Checks a running pymd server the way its users meet it, through its published address: signs
// in, makes a document with a workspace file, runs its block, and opens a terminal in the
// document's sandbox (arithmetic, the uploaded file, pandas, a file the terminal writes read by a
// block, Ctrl-C of a sleep, resize). Removes the document afterwards. Exit 0 when every check
// holds, 1 with the failing check otherwise.
//
//   node scripts/bun.mjs run scripts/check-server.ts http://127.0.0.1:8080 USER PASSWORD
import { TerminalPeer } from "../server/testing/terminal-peer.ts";
import { Peer } from "../server/testing/ws-peer.ts";

const [base, username, password] = process.argv.slice(2);
if (!base || !username || !password) {
  console.error("usage: check-server.ts BASE_URL USERNAME PASSWORD");
  process.exit(2);
}

let cookie = "";
const req = async (method: string, path: string, body?: unknown, type = "application/json") => {
  const r = await fetch(base + path, {
    method,
    headers: { origin: base, ...(cookie ? { cookie } : {}), ...(body !== undefined ? { "content-type": type } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json: json as Record<string, unknown>, headers: r.headers, text };
};

const checks: string[] = [];
const check = (what: string, ok: boolean, detail = "") => {
  if (!ok) {
    console.error(`FAIL ${what}${detail ? `: ${detail}` : ""}`);
    process.exit(1);
  }
  checks.push(what);
  console.log(`ok   ${what}`);
};

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json", origin: base },
  body: JSON.stringify({ username, password }),
});
check("sign in", login.status === 200, `status ${login.status}`);
cookie = login.headers
  .getSetCookie()
  .map((c) => c.split(";")[0])
  .join("; ");

const created = await req("POST", "/api/v1/documents", {
  title: "server check",
  content: "# ```\nprint(open('t.txt').read().strip().upper())\n# ```\n",
});
check("create a document", created.status === 201 || created.status === 200, created.text.slice(0, 200));
const doc = created.json.id as string;
try {
  const up = await req("PUT", `/api/v1/documents/${doc}/file?path=data.csv`, "a,b\n1,2\n", "text/csv");
  check("upload a workspace file", up.status === 201, up.text.slice(0, 200));
  const allowed = await req("GET", `/api/v1/documents/${doc}/terminal`);
  check("terminals are allowed here", allowed.json?.allowed === true, allowed.text.slice(0, 200));

  const t = await TerminalPeer.open(base, { doc }, { cookie, origin: base });
  await t.next("ready", 60_000);
  check("echo $((6*7)) prints 42", (await t.run("echo $((6*7))")).trim() === "42");
  check("ls shows the uploaded file", (await t.run("ls")).split(/\s+/).includes("data.csv"));
  const pandas = (await t.run(`python3 -c "import pandas; print(pandas.__version__)"`, 60_000)).trim();
  check("python3 imports pandas", /^\d+\.\d+/.test(pandas), pandas);
  const net = (
    await t.run("python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), 3)\" 2>&1; echo rc=$?")
  ).trim();
  check("no network from the terminal", /rc=1/.test(net), net.slice(-200));
  await t.run("echo hi > t.txt");
  const from = t.text.length;
  t.type("sleep 100\r");
  await Bun.sleep(500);
  t.type("\x03");
  const after = await t.run("echo back", 10_000);
  check("Ctrl-C ends sleep 100 and the prompt returns", after.trim() === "back" && t.text.length > from);
  t.control({ t: "resize", rows: 30, cols: 123 });
  await Bun.sleep(300);
  check("tput cols follows a resize", (await t.run("tput cols")).trim() === "123");

  const ws = await Peer.open(`${base.replace(/^http/, "ws")}/api/v1/ws`, { cookie, origin: base });
  ws.send({ t: "join", doc });
  await ws.next("joined");
  ws.send({ t: "run", doc, scope: "all" });
  await ws.next("run-finished", () => true, 60_000);
  const cells = ws.messages
    .filter((m) => m.t === "cell")
    .map((m) => JSON.stringify(m))
    .join("\n");
  check("a block reads the file the terminal wrote", cells.includes("HI"), cells.slice(0, 300));
  ws.ws.close();
  t.close();
} finally {
  await req("DELETE", `/api/v1/documents/${doc}`);
}
console.log(`all ${checks.length} checks hold`);
