/**
 * The HTTP/2 side of hostile_streamed_body_reload_test.ts: a stream whose request body still
 * flows from the client (a gRPC client stream, a trickled upload) is ended by a reload that no
 * longer allows it. Before, HTTP/2 streams were decided only when they opened, so one begun under
 * a rule kept carrying bytes to the origin after the rule was revoked.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { CertificateAuthority } from "../proxy/mod.ts";
import { startTestProxy, startTestUpstreams, type TestUpstreams } from "./support/mod.ts";

const HOST = "h2.example.com";
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };

const policy = (revision: number, upload: boolean) =>
  `version: 1
revision: ${revision}
network_policies:
  other:
    endpoints: [{ host: other.example.com, port: 80 }]
    binaries: [{ path: /usr/bin/curl }]
${
    upload
      ? `  upload:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: /stream } }] }
    binaries: [{ path: /usr/bin/curl }]
`
      : ""
  }`;

/** An HTTP/2 origin counting the body bytes of its streams, and whether the last one ended. */
async function countingH2Origin(upstreams: TestUpstreams) {
  const ca = await CertificateAuthority.loadOrCreate(dirname(dirname(upstreams.caPath)));
  const leaf = await ca.mintLeaf([HOST]);
  const seen = { bytes: 0, closed: false };
  const server = http2.createSecureServer({ cert: leaf.chainPem, key: leaf.keyPem });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => (sessions.add(s), s.on("error", () => {})));
  server.on("stream", (stream) => {
    stream.on("error", () => {});
    stream.on("data", (chunk: Uint8Array) => void (seen.bytes += chunk.byteLength));
    stream.on("close", () => void (seen.closed = true));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async () => {
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { port: (server.address() as AddressInfo).port, seen, close };
}

// CONNECT, TLS with h2, one POST whose body is written a piece every 50 ms for 5 s.
const CLIENT = `
const net = require("node:net"), tls = require("node:tls"), http2 = require("node:http2");
const fs = require("node:fs");
const [proxyPort, host, caPath] = process.argv.slice(1);
const raw = net.connect(Number(proxyPort), "127.0.0.1", () =>
  raw.write("CONNECT " + host + ":443 HTTP/1.1\\r\\nHost: " + host + ":443\\r\\n\\r\\n"));
raw.once("data", () => {
  const socket = tls.connect({ socket: raw, servername: host, ca: fs.readFileSync(caPath), ALPNProtocols: ["h2"] });
  socket.on("secureConnect", () => {
    const session = http2.connect("https://" + host, { createConnection: () => socket });
    session.on("error", () => {});
    const req = session.request({ ":method": "POST", ":path": "/stream" });
    req.on("error", () => {});
    req.write("first");
    const feed = setInterval(() => req.write("more!"), 50);
    setTimeout(() => process.exit(0), 5000);
    req.on("close", () => { clearInterval(feed); process.exit(0); });
  });
});
`;

Deno.test("hostile h2: a reload that revokes a stream's rule ends its body still streaming", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await countingH2Origin(upstreams);
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve: [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }],
  });
  const client = new Deno.Command("/usr/bin/node", {
    args: ["-e", CLIENT, String(proxy.port), HOST, proxy.caPath],
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const { seen } = origin;
    for (let i = 0; i < 300 && seen.bytes < 10; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(seen.bytes >= 10, "the allowed body did not reach the origin");
    assert.ok((await proxy.holder.reload(policy(2, true))).ok); // unrelated: it goes on
    const before = seen.bytes;
    for (let i = 0; i < 300 && seen.bytes < before + 10; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(!seen.closed && seen.bytes >= before + 10, "an unrelated reload stopped the body");
    assert.ok((await proxy.holder.reload(policy(3, false))).ok); // the upload rule is revoked
    for (let i = 0; i < 300 && !seen.closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(seen.closed, `the origin still received the body: ${seen.bytes} bytes`);
  } finally {
    await client.status;
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});
