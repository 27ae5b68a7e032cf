/**
 * Plain-HTTP forwarding end to end: keep-alive on both sides, hop-by-hop headers, the
 * canonical path on the wire, 100-continue, HTTP/1.0 clients, upstream failures, the SSRF
 * guard, policy.local, and connections handed in through `serveConnection`.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { join } from "node:path";
import { duplexFromDenoConn } from "../proxy/mod.ts";
import {
  curl,
  rawRequest,
  type TestProxy,
  type TestUpstreams,
  withTestProxy,
} from "./support/mod.ts";
import { exchangeOn } from "./support/raw_client.ts";

const POLICY = `version: 1
revision: 7
network_policies:
  plain:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, access: read-write }
      - { host: dead.example.com, port: 80 }
      - { host: localhost, port: 80 }
    binaries: [{ path: /usr/bin/curl }, { path: ${JSON.stringify(Deno.execPath())} }]
`;

async function withProxy(run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>) {
  // dead.example.com points at a port nobody listens on.
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await withTestProxy({
    policy: POLICY,
    httpHosts: ["plain.example.com"],
    resolve: [{ host: "dead.example.com", port: 80, address: "127.0.0.1", targetPort: deadPort }],
    policyLocal: (request) =>
      Promise.resolve(
        Response.json({ path: new URL(request.url).pathname, method: request.method }),
      ),
  }, run);
}

Deno.test("proxy forward: keep-alive both sides, hop-by-hop headers dropped, canonical path", async () => {
  await withProxy(async (proxy, upstreams) => {
    const result = await curl([
      "http://plain.example.com/a/./b/../c?x=%2e%2E&y",
      "http://plain.example.com/second",
    ], {
      proxyPort: proxy.port,
      args: [
        "-H",
        "Connection: X-Secret-Hop",
        "-H",
        "X-Secret-Hop: 1",
        "-H",
        "Keep-Alive: timeout=5",
        "-H",
        "Proxy-Authorization: Basic dTpw",
        "-H",
        "X-End-To-End: kept",
      ],
    });
    assert.deepEqual(result.transfers.map((t) => t.status), [200, 200]);
    assert.deepEqual(result.transfers.map((t) => t.newConnections), [1, 0]);
    const [first, second] = upstreams.requests;
    assert.equal(first!.target, "/a/c?x=%2e%2E&y", "canonical path, query byte for byte");
    assert.equal(second!.target, "/second");
    assert.equal(upstreams.connections(), 1, "one pooled upstream connection");
    for (const name of ["x-secret-hop", "keep-alive", "proxy-authorization", "connection"]) {
      assert.equal(upstreams.header(first!, name), undefined, name);
    }
    assert.equal(upstreams.header(first!, "x-end-to-end"), "kept");
    assert.equal(upstreams.header(first!, "host"), "plain.example.com");
  });
});

Deno.test("proxy forward: 100-continue, HTTP/1.0 clients and chunked responses", async () => {
  await withProxy(async (proxy, upstreams) => {
    const post = await curl(["http://plain.example.com/upload"], {
      proxyPort: proxy.port,
      args: ["-H", "Expect: 100-continue", "--data-binary", "payload"],
    });
    assert.equal(post.status, 200);
    assert.equal(upstreams.requests[0]!.body, "payload");
    assert.equal(upstreams.header(upstreams.requests[0]!, "expect"), undefined);
    const old = await rawRequest(
      proxy.port,
      "GET http://plain.example.com/chunked HTTP/1.0\r\n\r\n",
    );
    assert.equal(old.status, 200);
    assert.doesNotMatch(old.head, /transfer-encoding/i);
    assert.match(old.head, /\r\nConnection: close/);
    assert.equal(old.body, "chunk-ed-ok");
  });
});

Deno.test("proxy forward: upstream failures and the SSRF guard answer in JSON", async () => {
  await withProxy(async (proxy) => {
    const dead = await curl(["http://dead.example.com/"], { proxyPort: proxy.port });
    assert.equal(dead.status, 502);
    assert.deepEqual(JSON.parse(dead.body), {
      error: "upstream_unreachable",
      detail: "Cannot connect to dead.example.com:80",
    });
    const local = await curl(["http://localhost/"], { proxyPort: proxy.port });
    assert.equal(local.status, 403);
    const body = JSON.parse(local.body);
    assert.equal(body.error, "ssrf_denied");
    assert.match(body.detail, /localhost resolves to loopback address/);
    const ssrfEvent = proxy.events.at(-1)!;
    assert.equal(ssrfEvent.action_id, 2);
    assert.match(String(ssrfEvent.status_detail), /^ssrf: /);
  });
});

Deno.test("proxy forward: policy.local is served before policy, on http port 80 only", async () => {
  await withProxy(async (proxy, upstreams) => {
    const current = await curl(["http://policy.local/v1/policy/current?x=1"], {
      proxyPort: proxy.port,
    });
    assert.equal(current.status, 200);
    assert.deepEqual(JSON.parse(current.body), { path: "/v1/policy/current", method: "GET" });
    const otherPort = await curl(["http://policy.local:8080/v1/skill"], { proxyPort: proxy.port });
    assert.equal(otherPort.status, 400);
    assert.equal(JSON.parse(otherPort.body).error, "invalid_policy_local_scheme");
    const https = await rawRequest(
      proxy.port,
      "GET https://policy.local/v1/skill HTTP/1.1\r\nHost: policy.local\r\n\r\n",
    );
    assert.equal(JSON.parse(https.body).error, "invalid_policy_local_scheme");
    // Never decided as an upstream (its 403 asked the agent to propose policy.local:443): the
    // refusal comes inside the tunnel, where clients show it.
    const tunnel = await rawRequest(
      proxy.port,
      "CONNECT policy.local:443 HTTP/1.1\r\nHost: policy.local:443\r\n\r\n" +
        "GET /v1/skill HTTP/1.1\r\nHost: policy.local\r\n\r\n",
    );
    assert.equal(tunnel.status, 200);
    assert.match(tunnel.raw, /HTTP\/1.1 400 [^]*"error":"invalid_policy_local_scheme"/);
    assert.equal(upstreams.connections(), 0);
  });
});

Deno.test("ProxyHandle.serveConnection() serves a unix-socket connection with its given identity", async () => {
  await withProxy(async (proxy, upstreams) => {
    const dir = await Deno.makeTempDir();
    const path = join(dir, "bridge.sock");
    const listener = Deno.listen({ transport: "unix", path });
    const accepted = (async () => {
      const conn = await listener.accept();
      proxy.proxy.serveConnection(
        duplexFromDenoConn(conn),
        () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }),
      );
    })();
    try {
      const conn = await Deno.connect({ transport: "unix", path });
      await accepted;
      const response = await exchangeOn(
        conn,
        "GET http://plain.example.com/bridged HTTP/1.1\r\nHost: plain.example.com\r\n\r\n",
      );
      assert.equal(response.status, 200);
      assert.equal(upstreams.requests[0]!.target, "/bridged");
    } finally {
      listener.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
});
