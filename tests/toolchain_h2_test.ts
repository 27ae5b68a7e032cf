/**
 * ALPN and versions inside interception (issue #13 item 5): h2-only clients are served
 * HTTP/2 by the interception, each stream decided on its own; the origin is spoken to in
 * HTTP/2 or HTTP/1.1 as it offers (gRPC trailers relayed); HTTP/1.0 clients work in plain
 * forwarding and inside interception.
 */
import assert from "node:assert/strict";
import {
  curl,
  type H2World,
  nodeH2Requests,
  rawRequest,
  tunnelRequest,
  withH2World,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  gh:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/repos/**" }
          - allow: { method: POST, path: "/upload" }
          - allow: { method: GET, path: "/chunked" }
    binaries: [{ path: "/**" }]
  grpc:
    endpoints:
      - host: grpc.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: POST, path: "/grpc/pkg.Allowed/**" }
          - allow: { method: GET, path: "/echo" }
    binaries: [{ path: /usr/bin/node }, { path: /usr/bin/curl }]
  plain:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: "/**" }]
`;

function withWorld(
  run: (world: H2World) => Promise<void>,
  options: { idleTimeoutMs?: number } = {},
): Promise<void> {
  const hosts = { upstreamHosts: ["api.github.com"], httpsHosts: ["api.github.com"] };
  return withH2World({ policy: POLICY, ...hosts, h2Host: "grpc.example.com", ...options }, run);
}

Deno.test("toolchain #13.5: an h2-only client (Node http2) is served HTTP/2 inside interception; an allowed stream reaches an HTTP/1.1 origin, a denied one gets the JSON 403 and the session goes on", async () => {
  await withWorld(async ({ proxy, upstreams }) => {
    const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, [
      { method: "GET", path: "/repos/o/r?x=1" },
      { method: "DELETE", path: "/repos/o/r" },
      { method: "POST", path: "/upload", body: "payload" },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [allowed, denied, posted] = result.responses;
    assert.equal(allowed?.status, 200);
    const echo = JSON.parse(allowed!.body);
    assert.equal(echo.target, "/repos/o/r?x=1");
    assert.equal(echo.host, "api.github.com");
    assert.equal(denied?.status, 403);
    assert.equal(denied?.headers["content-type"], "application/json");
    const body = JSON.parse(denied!.body);
    assert.equal(body.error, "policy_denied");
    assert.equal(body.layer, "l7");
    assert.equal(body.method, "DELETE");
    assert.equal(body.binary, "/usr/bin/node");
    assert.equal(posted?.status, 200);
    assert.equal(JSON.parse(posted!.body).body, "payload");
    assert.deepEqual(upstreams.requests.map((r) => `${r.method} ${r.target}`), [
      "GET /repos/o/r?x=1",
      "POST /upload",
    ]);
  });
});

Deno.test("toolchain #13.5: gRPC-style h2-only calls: allowed ones reach an h2 origin with their trailers relayed, denied ones get the 403 and grpc-status 7", async () => {
  await withWorld(async ({ proxy, h2 }) => {
    const grpc = { "content-type": "application/grpc", te: "trailers" };
    const result = await nodeH2Requests(proxy.port, "grpc.example.com", proxy.caPath, [
      { method: "POST", path: "/grpc/pkg.Allowed/Call", body: "abc", headers: grpc },
      { method: "POST", path: "/grpc/pkg.Secret/Call", body: "abc", headers: grpc },
      { method: "GET", path: "/echo" },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [allowed, denied, echo] = result.responses;
    assert.equal(allowed?.status, 200);
    assert.equal(allowed?.body, "reply:abc");
    assert.equal(allowed?.trailers["grpc-status"], "0");
    assert.equal(allowed?.trailers["grpc-message"], "echo 3");
    assert.equal(denied?.status, 403);
    assert.equal(JSON.parse(denied!.body).path, "/grpc/pkg.Secret/Call");
    assert.equal(denied?.trailers["grpc-status"], "7");
    assert.match(decodeURIComponent(denied!.trailers["grpc-message"]!), /policy\.local/);
    assert.equal(echo?.status, 200);
    assert.equal(JSON.parse(echo!.body).te, null);
    assert.deepEqual(h2.requests.map((r) => `${r.method} ${r.path} ${r.authority}`), [
      "POST /grpc/pkg.Allowed/Call grpc.example.com",
      "GET /echo grpc.example.com",
    ]);
  });
});

Deno.test("toolchain #13.5: a client offering only an unknown ALPN protocol is refused without bringing the proxy down", async () => {
  await withWorld(async ({ proxy }) => {
    const script = `
const net = require("node:net"), tls = require("node:tls"), fs = require("node:fs");
const [port, caPath] = process.argv.slice(1);
const raw = net.connect(Number(port), "127.0.0.1", () => raw.write("CONNECT api.github.com:443 HTTP/1.1\\r\\nHost: api.github.com:443\\r\\n\\r\\n"));
raw.once("data", () => {
  const s = tls.connect({ socket: raw, servername: "api.github.com", ca: fs.readFileSync(caPath), ALPNProtocols: ["spdy/3"] });
  s.on("secureConnect", () => { console.log("alpn", s.alpnProtocol); s.end(); });
  s.on("error", (e) => console.log("error", e.code || e.message));
});`;
    const output = await new Deno.Command("/usr/bin/node", {
      args: ["-e", script, String(proxy.port), proxy.caPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.match(new TextDecoder().decode(output.stdout), /alpn|error/);
    // The proxy still serves.
    const result = await curl(["https://api.github.com/repos/o/r"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(result.status, 200, result.stderr);
  });
});

Deno.test("toolchain #13.5: a malformed ClientHello inside an intercepted or an in-band-denied CONNECT does not bring the proxy down", async () => {
  await withWorld(async ({ proxy }) => {
    for (const host of ["api.github.com", "denied.example"]) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      const connect = `CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`;
      await conn.write(new TextEncoder().encode(connect));
      const buffer = new Uint8Array(1024);
      await conn.read(buffer);
      // A handshake record whose ClientHello is cut short and garbled.
      await conn.write(new Uint8Array([0x16, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 9, 9]));
      await conn.read(buffer).catch(() => null);
      conn.close();
    }
    const result = await curl(["https://api.github.com/repos/o/r"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(result.status, 200, result.stderr);
  });
});

Deno.test("toolchain #13.5: curl --http1.0 reads a chunked origin response de-chunked, in plain forwarding and inside interception", async () => {
  await withWorld(async ({ proxy }) => {
    const options = { proxyPort: proxy.port, caPath: proxy.caPath, args: ["--http1.0"] };
    for (const url of ["http://plain.example.com/chunked", "https://api.github.com/chunked"]) {
      const result = await curl([url], options);
      assert.equal(result.status, 200, `${url}: ${result.stderr}`);
      assert.equal(result.body, "chunk-ed-ok", url);
      assert.equal(result.headers["transfer-encoding"], undefined, url);
    }
  });
});

Deno.test("toolchain #13.5: an HTTP/1.0 request without Host inside a tunnel is served and closed; HTTP/1.0 keep-alive only when asked for", async () => {
  await withWorld(async ({ proxy, upstreams }) => {
    const inTunnel = await tunnelRequest(
      proxy.port,
      "api.github.com",
      proxy.caPath,
      "GET /chunked HTTP/1.0\r\n\r\n",
      { until: (raw) => raw.endsWith("chunk-ed-ok") },
    );
    assert.equal(inTunnel.status, 200, inTunnel.raw);
    assert.match(inTunnel.head, /\r\nConnection: close/i);
    assert.doesNotMatch(inTunnel.head, /Transfer-Encoding/i);
    assert.equal(upstreams.header(upstreams.requests[0]!, "host"), "api.github.com");
    const request = "GET http://plain.example.com/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    const twice = await rawRequest(proxy.port, [request, request], {
      until: (raw) => raw.split("HTTP/1.1 200").length === 3 && raw.endsWith("}"),
    });
    assert.equal(twice.status, 200, twice.raw);
    assert.match(twice.head, /\r\nConnection: keep-alive/i);
    assert.equal(twice.raw.split("HTTP/1.1 200").length, 3);
  });
});

Deno.test("toolchain #13.5: an h2-only client refused at L4 reads the structured 403 over HTTP/2 (in-band denial)", async () => {
  await withWorld(async ({ proxy, upstreams, h2 }) => {
    const result = await nodeH2Requests(proxy.port, "denied.example", proxy.caPath, [
      { method: "GET", path: "/x" },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [denied] = result.responses;
    assert.equal(denied?.status, 403);
    const body = JSON.parse(denied!.body);
    assert.equal(body.layer, "l4");
    assert.equal(body.host, "denied.example");
    assert.equal(body.binary, "/usr/bin/node");
    assert.equal(upstreams.connections(), 0);
    assert.equal(h2.requests.length, 0);
  });
});

Deno.test("toolchain #13/#14 item 3: an h2 stream whose request body stops arriving gets the 408 after the body idle limit, to an HTTP/1.1 or an h2 origin, and the session goes on", async () => {
  await withWorld(async ({ proxy, upstreams, h2 }) => {
    const grpc = { "content-type": "application/grpc", te: "trailers" };
    const cases = [
      { host: "api.github.com", path: "/upload", headers: {} },
      { host: "grpc.example.com", path: "/grpc/pkg.Allowed/Call", headers: grpc },
    ];
    for (const { host, path, headers } of cases) {
      const result = await nodeH2Requests(proxy.port, host, proxy.caPath, [
        { method: "POST", path, body: "part of a body", headers, stall: true },
        { method: "GET", path: host === "api.github.com" ? "/repos/o/r" : "/echo" },
      ]);
      assert.equal(result.alpn, "h2", result.stderr);
      const [stalled, next] = result.responses;
      assert.equal(stalled?.status, 408, `${host}: ${JSON.stringify(stalled)}`);
      assert.equal(JSON.parse(stalled!.body).error, "request_timeout", host);
      assert.equal(next?.status, 200, `${host}: ${JSON.stringify(next)}`);
    }
    // Neither origin got the unfinished request.
    assert.deepEqual(upstreams.requests.map((r) => `${r.method} ${r.target}`), ["GET /repos/o/r"]);
    assert.deepEqual(h2.requests.map((r) => `${r.method} ${r.path}`), ["GET /echo"]);
  }, { idleTimeoutMs: 1000 });
});
