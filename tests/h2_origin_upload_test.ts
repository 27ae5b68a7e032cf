/**
 * An honest upload to an HTTP/2 origin through interception arrives whole. The origin answers
 * the DATA it reads with WINDOW_UPDATEs (with default windows, one about every 32 KiB, each for
 * the stream and for the connection): a bound on those that did not see the proxy's own DATA
 * frames going out took an upload of a few MiB for a flood and ended the session (a 502 at the
 * end of a 64 MiB upload in the bench's scale.h2 rows).
 */
import assert from "node:assert/strict";
import {
  h2TunnelClient,
  startH2Origin,
  startTestProxy,
  startTestUpstreams,
} from "./support/mod.ts";

const HOST = "h2.example.com";
const MIB = 1024 * 1024;
const identity = { resolve: () => Promise.resolve({ exe: Deno.execPath(), ancestors: [] }) };
const POLICY = `version: 1
network_policies:
  h2:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: /upload } }] }
    binaries: [{ path: ${Deno.execPath()} }]
`;

// Deno's own node:http2 client in a process of its own: one POST of N MiB, then its answer.
const CLIENT = `
const session = await openH2Session();
const req = session.request({ ":method": "POST", ":path": "/upload" });
req.on("error", () => {});
for (let i = 0; i < Number(REST[0]); i++) {
  const piece = new Uint8Array(1 << 20).fill(i + 1); // each MiB its own byte: a lost piece shows
  if (!req.write(piece)) await new Promise((r) => req.once("drain", r));
}
req.end();
let text = "";
const status = await new Promise((done) => {
  req.on("response", (h) => done(h[":status"]));
  req.on("close", () => done(0));
});
req.setEncoding("utf8");
req.on("data", (c) => text += c);
await new Promise((r) => req.on("close", r));
console.log(status + " " + text);
session.destroy();
`;

Deno.test("h2: an honest 16 MiB upload to an HTTP/2 origin arrives whole, byte for byte (its WINDOW_UPDATEs are earned)", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await startH2Origin(upstreams, [HOST], (stream) => {
    let received = 0;
    let sum = 0; // of every byte: the proxy freeing a piece before it went would change it
    stream.on("data", (chunk: Uint8Array) => {
      received += chunk.byteLength;
      for (const byte of chunk) sum += byte;
    });
    stream.on("end", () => {
      if (stream.destroyed) return;
      stream.respond({ ":status": 200 });
      stream.end(`${received} ${sum}`);
    });
  });
  const targetPort = origin.port;
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort }];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, identity, resolve });
  try {
    const { port: proxyPort, caPath } = proxy;
    const options = { runtime: "deno", proxyPort, host: HOST, caPath, args: ["16"] } as const;
    const client = await h2TunnelClient(CLIENT, options).output();
    assert.equal(new TextDecoder().decode(client.stdout).trim(), `200 ${16 * MIB} ${136 * MIB}`); // 1 + 2 + … + 16 per byte of each MiB
  } finally {
    await proxy.close();
    await upstreams.close();
    await origin.close();
  }
});
