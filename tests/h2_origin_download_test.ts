/**
 * A download from an HTTP/2 origin through interception arrives byte for byte. The proxy frees
 * each piece of the answer once the client's stream took it, each read of the origin's socket
 * once its session took it, and each chunk its sessions write once the socket took it (not at
 * a later collection): a piece freed too early would reach the client empty or short.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  h2TunnelClient,
  startH2Origin,
  startTestProxy,
  startTestUpstreams,
} from "./support/mod.ts";

const HOST = "h2.example.com";
const PIECE = 64 * 1024;
const PIECES = 128; // 8 MiB: many DATA frames, socket reads and WINDOW_UPDATEs
const identity = { resolve: () => Promise.resolve({ exe: Deno.execPath(), ancestors: [] }) };
const POLICY = `version: 1
network_policies:
  h2:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: ${Deno.execPath()} }]
`;

// Deno's own node:http2 client in a process of its own: one GET, then the answer's status,
// length and SHA-256.
const CLIENT = `
const { Buffer } = await import("node:buffer");
const session = await openH2Session();
const req = session.request({ ":method": "GET", ":path": "/download" });
req.on("error", () => {});
const pieces = [];
const status = await new Promise((done) => {
  req.on("response", (h) => done(h[":status"]));
  req.on("close", () => done(0));
});
req.on("data", (c) => pieces.push(c));
await new Promise((r) => req.on("close", r));
const body = Buffer.concat(pieces);
const digest = Buffer.from(await crypto.subtle.digest("SHA-256", body)).toString("hex");
console.log(status + " " + body.byteLength + " " + digest);
session.destroy();
`;

/** Piece `i` of the answer: bytes that differ from piece to piece and within each. */
function piece(i: number): Uint8Array {
  return Uint8Array.from({ length: PIECE }, (_, j) => (i * 31 + j * 7 + (j >> 8)) & 255);
}

async function expected(): Promise<string> {
  const body = Buffer.concat(Array.from({ length: PIECES }, (_, i) => piece(i)));
  const digest = await crypto.subtle.digest("SHA-256", body);
  return `200 ${PIECES * PIECE} ${Buffer.from(digest).toString("hex")}`;
}

Deno.test("h2: a download from an HTTP/2 origin reaches the client byte for byte", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await startH2Origin(upstreams, [HOST], async (stream) => {
    stream.respond({ ":status": 200 });
    for (let i = 0; i < PIECES && !stream.destroyed; i++) {
      if (!stream.write(piece(i))) await new Promise((r) => stream.once("drain", r));
    }
    stream.end();
  });
  const targetPort = origin.port;
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort }];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, identity, resolve });
  try {
    const { port: proxyPort, caPath } = proxy;
    const options = { runtime: "deno", proxyPort, host: HOST, caPath } as const;
    const client = await h2TunnelClient(CLIENT, options).output();
    assert.equal(new TextDecoder().decode(client.stdout).trim(), await expected());
  } finally {
    await proxy.close();
    await upstreams.close();
    await origin.close();
  }
});
