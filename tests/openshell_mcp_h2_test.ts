/**
 * End to end: `protocol: mcp` over HTTP/2 inside an intercepted tunnel (Node's http2 client),
 * to an HTTP/1.1 and to an h2-only origin: the same verdicts as over HTTP/1.1, and only the
 * judged bytes go upstream.
 */
import assert from "node:assert/strict";
import { type H2ClientRequest, nodeH2Requests, withH2World } from "./support/mod.ts";
import { NARROW_POLICY, narrowEndpoint, rpc, toolCall } from "./openshell_mcp_fixtures.ts";

const headers = { "content-type": "application/json", accept: "application/json" };
const post = (body: string): H2ClientRequest => ({ method: "POST", path: "/mcp", body, headers });

Deno.test("mcp over h2: allowed tools pass, denied tools, mixed batches, duplicate keys and oversized bodies do not", async () => {
  const policy = NARROW_POLICY + narrowEndpoint("mcp.example.com", 443);
  await withH2World({ policy, h2Host: "mcp.example.com" }, async ({ proxy, upstreams, h2 }) => {
    const dup = '{"jsonrpc":"2.0","id":7,"method":"tools/list","method":"tools/call",' +
      '"params":{"name":"delete_repo"}}';
    const cases: [H2ClientRequest, number][] = [
      [post(rpc(1, "tools/list")), 200],
      [post(toolCall(2, "read_status")), 200],
      [post(toolCall(3, "delete_repo")), 403],
      [post(`[${toolCall(4, "read_status")},${toolCall(5, "delete_repo")}]`), 403],
      [post(dup), 403],
      [post(rpc(6, "tools/list", { pad: "x".repeat(5000) })), 413],
    ];
    const origins = [
      { host: "api.github.com", bodies: () => upstreams.requests.map((r) => r.body) },
      { host: "mcp.example.com", bodies: () => h2.requests.map((r) => r.body) },
    ];
    for (const { host, bodies } of origins) {
      const result = await nodeH2Requests(proxy.port, host, proxy.caPath, cases.map(([r]) => r));
      assert.equal(result.alpn, "h2", result.stderr);
      for (const [i, [request, status]] of cases.entries()) {
        const response = result.responses[i];
        assert.equal(response?.status, status, `${host} ${request.body?.slice(0, 60)}`);
        if (status === 403) assert.equal(JSON.parse(response!.body).protocol, "mcp");
      }
      const allowed = cases.filter(([, s]) => s === 200).map(([r]) => r.body);
      assert.deepEqual(bodies(), allowed, host);
    }
  });
});
