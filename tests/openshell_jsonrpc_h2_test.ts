/**
 * End to end: `protocol: json-rpc` over HTTP/2 inside an intercepted tunnel (Node's http2
 * client), to an HTTP/1.1 and to an h2-only origin: the same verdicts as over HTTP/1.1, and
 * only the judged bytes go upstream.
 */
import assert from "node:assert/strict";
import { type H2ClientRequest, nodeH2Requests, withH2World } from "./support/mod.ts";
import { rpc } from "./openshell_mcp_fixtures.ts";

const endpoint = (host: string) =>
  `      - host: ${host}
        port: 443
        path: /rpc
        protocol: json-rpc
        json_rpc: { max_body_bytes: 4096 }
        rules:
          - allow: { method: tools/list }
          - allow: { method: tools/call }
        deny_rules:
          - method: tools/delete
`;
const POLICY = `version: 1
network_policies:
  rpc:
    endpoints:
${endpoint("api.github.com")}${endpoint("rpc.example.com")}`;

const headers = { "content-type": "application/json", accept: "application/json" };
const post = (body: string): H2ClientRequest => ({ method: "POST", path: "/rpc", body, headers });

Deno.test("json-rpc over h2: allowed methods pass; denied methods, mixed batches, duplicate keys, response frames and oversized bodies do not", async () => {
  await withH2World({ policy: POLICY, h2Host: "rpc.example.com" }, async (world) => {
    const { proxy, upstreams, h2 } = world;
    const dup = '{"jsonrpc":"2.0","id":7,"method":"tools/list","method":"tools/delete"}';
    const cases: [H2ClientRequest, number][] = [
      [post(rpc(1, "tools/list")), 200],
      [post(rpc(2, "tools/call", { name: "anything" })), 200],
      [post(rpc(3, "tools/delete")), 403],
      [post(`[${rpc(4, "tools/list")},${rpc(5, "tools/delete")}]`), 403],
      [post(dup), 403],
      [post('{"jsonrpc":"2.0","id":6,"result":{}}'), 403],
      [post(rpc(7, "tools/list", { pad: "x".repeat(5000) })), 413],
    ];
    const origins = [
      { host: "api.github.com", bodies: () => upstreams.requests.map((r) => r.body) },
      { host: "rpc.example.com", bodies: () => h2.requests.map((r) => r.body) },
    ];
    for (const { host, bodies } of origins) {
      const result = await nodeH2Requests(proxy.port, host, proxy.caPath, cases.map(([r]) => r));
      assert.equal(result.alpn, "h2", result.stderr);
      for (const [i, [request, status]] of cases.entries()) {
        const response = result.responses[i];
        assert.equal(response?.status, status, `${host} ${request.body?.slice(0, 60)}`);
        if (status === 403) assert.equal(JSON.parse(response!.body).protocol, "json-rpc");
      }
      const allowed = cases.filter(([, s]) => s === 200).map(([r]) => r.body);
      assert.deepEqual(bodies(), allowed, host);
    }
  });
});
