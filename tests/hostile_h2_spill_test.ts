/**
 * An HTTP/2 stream's body past the proxy's 16 MiB cap, to an HTTP/1.1 origin: the first part
 * is judged whole and the rest streams (see toolchain_h2_uploads_test.ts), and the streamed
 * rest is still watched: a `_method` named past the cap stops the body before its end (its
 * last chunk, or its last byte under a declared length), so the origin never acts on it, and
 * a reload that revokes the rule ends a body still streaming; the wait for the answer starts
 * when the body has gone. The client is Node's h2-only
 * `http2.connect`; the origin is Node's HTTP/1.1 server, which reports a body it got whole.
 */
import assert from "node:assert/strict";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { startTestProxy, startTestUpstreams, type TestUpstreams, waitFor } from "./support/mod.ts";

const HOST = "spill.example.com";
const MIB = 1024 * 1024;
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/node", ancestors: [] }) };
const policy = (revision: number, allowed: boolean) =>
  `version: 1
revision: ${revision}
network_policies:
  upload:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: ${
    allowed ? "/upload" : "/elsewhere"
  } } }] }
    binaries: [{ path: /usr/bin/node }]
`;

/** An HTTP/1.1-only HTTPS origin that counts body bytes and bodies it got whole. */
async function startOrigin(upstreams: TestUpstreams) {
  const leaf = await upstreams.mintLeaf([HOST]);
  const seen = { bytes: 0, completed: 0, broken: 0, framing: "" };
  const server = https.createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
    seen.framing = String(req.headers["transfer-encoding"] ?? "length");
    req.on("data", (piece: Uint8Array) => void (seen.bytes += piece.byteLength));
    req.on("end", () => (seen.completed++, res.end(JSON.stringify({ bytes: seen.bytes }))));
    req.on("error", () => {});
    req.on("close", () => void (req.complete || seen.broken++));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { port: (server.address() as AddressInfo).port, seen, close };
}

// CONNECT, TLS offering only h2, one form POST: 17 MiB of fields, then TAIL (or, with
// "trickle", a field every 50 ms until the stream closes); prints the status and the answer.
const CLIENT = `
const net = require("node:net"), tls = require("node:tls"), http2 = require("node:http2");
const fs = require("node:fs");
const [proxyPort, host, caPath, tail, sized] = process.argv.slice(1);
const piece = "f=" + "x".repeat(${MIB - 3}) + "&";
const total = 17 * piece.length + tail.length;
const raw = net.connect(Number(proxyPort), "127.0.0.1", () =>
  raw.write("CONNECT " + host + ":443 HTTP/1.1\\r\\nHost: " + host + ":443\\r\\n\\r\\n"));
raw.once("data", () => {
  const socket = tls.connect({ socket: raw, servername: host, ca: fs.readFileSync(caPath), ALPNProtocols: ["h2"] });
  const session = http2.connect("https://" + host, { createConnection: () => socket });
  session.on("error", () => {});
  const headers = { ":method": "POST", ":path": "/upload", "content-type": "application/x-www-form-urlencoded" };
  if (sized === "sized") headers["content-length"] = total;
  const req = session.request(headers);
  let status = 0, body = "";
  req.on("response", (h) => (status = h[":status"]));
  req.on("data", (d) => (body += d));
  req.on("error", () => {});
  req.on("close", () => { console.log(status, body); process.exit(0); });
  for (let i = 0; i < 17; i++) req.write(piece);
  if (tail === "trickle") setInterval(() => req.write("&a=1"), 50);
  else if (tail === "slow") {
    let n = 0;
    const feed = setInterval(() => { req.write("&a=1"); if (++n === 30) (clearInterval(feed), req.end()); }, 100);
  } else req.end(tail);
});
`;

async function upload(
  tail: string,
  sized: boolean,
  during?: (reload: Reload) => Promise<void>,
  upstreamTimeoutMs?: number,
) {
  const upstreams = await startTestUpstreams();
  const origin = await startOrigin(upstreams);
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }];
  const options = { policy: policy(1, true), upstreams, identity, resolve, upstreamTimeoutMs };
  const proxy = await startTestProxy(options);
  const args = ["-e", CLIENT, String(proxy.port), HOST, proxy.caPath, tail, sized ? "sized" : ""];
  const client = new Deno.Command("/usr/bin/node", { args, stdout: "piped", stderr: "piped" })
    .spawn();
  try {
    await during?.({ seen: origin.seen, reload: (text) => proxy.holder.reload(text) });
    const out = await client.output();
    const [status, ...rest] = new TextDecoder().decode(out.stdout).trim().split(" ");
    return { status: Number(status), body: rest.join(" "), seen: origin.seen };
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
}

interface Reload {
  seen: { bytes: number; completed: number; broken: number };
  reload: (text: string) => Promise<{ ok: boolean }>;
}

for (const sized of [false, true]) {
  const framing = sized ? "with a content-length" : "chunked to the origin";
  Deno.test(`hostile h2 spill (${framing}): a _method named past the cap is decided before the body ends`, async () => {
    const { status, body, seen } = await upload("&_method=DELETE", sized);
    assert.equal(status, 403, body);
    assert.match(body, /POST \(as DELETE\) \/upload not permitted by policy/);
    assert.ok(seen.bytes >= 16 * MIB, `the first part reached the origin: ${seen.bytes}`);
    assert.equal(seen.completed, 0, "the origin got the whole body");
  });

  Deno.test(`hostile h2 spill (${framing}): a form past the cap without an override arrives whole`, async () => {
    const { status, body, seen } = await upload("&g=1", sized);
    assert.equal(status, 200, body);
    assert.deepEqual(JSON.parse(body), { bytes: 17 * MIB + 4 });
    assert.deepEqual([seen.completed, seen.framing], [1, sized ? "length" : "chunked"]);
  });
}

Deno.test("hostile h2 spill: a reload that revokes the rule ends a body streaming past the cap", async () => {
  const { seen } = await upload("trickle", false, async ({ seen, reload }) => {
    await waitFor(() => seen.bytes > 17 * MIB, "the streamed rest reached the origin");
    assert.ok((await reload(policy(2, false))).ok);
    await waitFor(() => seen.broken === 1, "the origin's request broken off");
  });
  assert.equal(seen.completed, 0);
});

Deno.test("hostile h2 spill: a body streaming longer than the upstream's answer wait arrives whole", async () => {
  // 3 s of body past the cap, a 1 s wait for the answer: counted from the body's end. Before,
  // 504 "Upstream did not answer in time" while the body was still going.
  const { status, body, seen } = await upload("slow", false, undefined, 1000);
  assert.equal(status, 200, body);
  assert.deepEqual(JSON.parse(body), { bytes: 17 * MIB + 30 * 4 });
  assert.equal(seen.completed, 1);
});
