// The reference server for bench/collab.ts: y-websocket's own server (Yjs documents in memory,
// one per URL path) on a free loopback port, run with node as its authors ship it. Prints the port.
const http = require("node:http");
const WebSocket = require("ws");
const { setupWSConnection } = require("y-websocket/bin/utils");

const wss = new WebSocket.Server({ noServer: true });
wss.on("connection", setupWSConnection);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("okay");
});
server.on("upgrade", (req, socket, head) =>
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
);
server.listen(0, "127.0.0.1", () => console.log(`port ${server.address().port}`));
