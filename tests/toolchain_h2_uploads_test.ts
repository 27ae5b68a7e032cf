/**
 * HTTP/2 uploads past the proxy's 16 MiB body cap to an HTTP/1.1-only origin, from the agent's
 * real tools inside `tollgate sandbox run` (netns and env mode). Node's `http2.connect` offers
 * only `h2`, so its streams cross the proxy's HTTP/2 → HTTP/1.1 bridge: a 40 MB PUT with a
 * declared length, and one without (chunked to the origin), arrive whole; a denied one reads
 * the structured 403. Before, both got `413 payload_too_large`: the bridge read every body
 * whole. `curl --http2` offers `http/1.1` too, which the interception prefers: its upload goes
 * as HTTP/1.1 (and worked before).
 */
import assert from "node:assert/strict";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { runScript } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) {
  console.error("toolchain_h2_uploads_test: netns mode skipped: needs network namespaces");
}
const HOST = "upload.test";
/** 40 MB: well past the proxy's 16 MiB body cap. */
const BIG = 40_000_000;

const POLICY = `version: 1
network_policies:
  tools:
    endpoints:
      - host: ${HOST}
        port: 443
        protocol: rest
        rules: [{ allow: { method: PUT, path: "/ok/**" } }]
    binaries: [{ path: "/usr/bin/*" }]
`;

// An h2-only client through HTTPS_PROXY (CONNECT, then TLS offering only h2), as gRPC's is:
// PUT big.bin to URL, with its length when asked; prints the ALPN, the status and the answer.
const UPLOAD_MJS = `import net from "node:net"; import tls from "node:tls";
import http2 from "node:http2"; import fs from "node:fs";
const [url, framing] = process.argv.slice(2);
const target = new URL(url), proxy = new URL(process.env.HTTPS_PROXY);
const authority = target.hostname + ":443";
const raw = net.connect(Number(proxy.port), proxy.hostname, () =>
  raw.write("CONNECT " + authority + " HTTP/1.1\\r\\nHost: " + authority + "\\r\\n\\r\\n"));
raw.once("data", () => {
  const socket = tls.connect({ socket: raw, servername: target.hostname, ALPNProtocols: ["h2"] });
  const session = http2.connect(target.origin, { createConnection: () => socket });
  session.on("error", (e) => { console.log("session error", e.message); process.exit(1); });
  const headers = { ":method": "PUT", ":path": target.pathname };
  if (framing === "length") headers["content-length"] = fs.statSync("big.bin").size;
  const req = session.request(headers);
  let status = 0, body = "";
  req.on("response", (h) => (status = h[":status"]));
  req.on("data", (d) => (body += d));
  req.on("error", (e) => { console.log("stream error", e.message); process.exit(1); });
  req.on("end", () => { console.log(socket.alpnProtocol, status, body); session.close(); });
  fs.createReadStream("big.bin").pipe(req);
});`;

const SCRIPT = `
head -c ${BIG} /dev/urandom > big.bin
step length node upload.mjs https://${HOST}/ok/length length
step stream node upload.mjs https://${HOST}/ok/stream
step denied node upload.mjs https://${HOST}/no/file length
step curl curl -sS --http2 -T big.bin https://${HOST}/ok/curl
`;

/** An HTTPS origin that speaks HTTP/1.1 only (no ALPN) and answers with the bytes it read. */
async function startOrigin(dir: string) {
  const ca = await CertificateAuthority.loadOrCreate(join(dir, "ca"));
  const caPath = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  const leaf = await ca.mintLeaf([HOST]);
  const seen: string[] = [];
  const server = https.createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
    const framing = req.headers["transfer-encoding"] ?? "length";
    seen.push(`${req.method} ${req.url} HTTP/${req.httpVersion} ${framing}`);
    let bytes = 0;
    req.on("data", (piece: Uint8Array) => void (bytes += piece.byteLength));
    req.on("end", () => res.end(JSON.stringify({ bytes })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => new Promise((resolve) => server.close(resolve));
  return { port, caPath, seen, close };
}

async function uploads(isolate: "netns" | "env"): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "tg-h2-uploads-" });
  const origin = await startOrigin(await Deno.makeTempDir({ dir: work, prefix: "up-" }));
  try {
    await Deno.writeTextFile(join(work, "upload.mjs"), UPLOAD_MJS);
    const out = await runScript(work, {
      policy: POLICY,
      isolate,
      script: SCRIPT,
      origin: { ...origin, hosts: [HOST] },
    });
    assert.equal(out.code, 0, out.stderr);
    const read = (name: string) => out.out[name] ?? "";
    for (const name of Object.keys(out.results)) {
      assert.equal(out.results[name], "0", `${name}: ${read(name)}`);
    }
    const answer = (name: string) => read(name).split(" ");
    assert.deepEqual(answer("length"), ["h2", "200", `{"bytes":${BIG}}`]);
    assert.deepEqual(answer("stream"), ["h2", "200", `{"bytes":${BIG}}`]);
    assert.deepEqual(JSON.parse(read("curl")), { bytes: BIG });
    assert.ok(origin.seen.includes("PUT /ok/length HTTP/1.1 length"), `${origin.seen}`);
    assert.ok(origin.seen.includes("PUT /ok/stream HTTP/1.1 chunked"), `${origin.seen}`);
    // Denied: the structured 403, and nothing reached the origin.
    const [alpn, status, ...rest] = answer("denied");
    assert.deepEqual([alpn, status], ["h2", "403"]);
    const denial = JSON.parse(rest.join(" "));
    assert.equal(denial.error, "policy_denied");
    assert.equal(denial.rule, "PUT /no/file");
    assert.ok(!origin.seen.some((line) => line.includes("/no/")));
  } finally {
    await origin.close();
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test({
  name:
    "toolchain h2 uploads (netns): an h2-only client (node http2) PUTs 40 MB to an HTTP/1.1 origin, with and without a length; a denied one reads the 403",
  ignore: !netns,
  fn: () => uploads("netns"),
});

Deno.test("toolchain h2 uploads (env mode): the same uploads through the proxy variables", () =>
  uploads("env"));
