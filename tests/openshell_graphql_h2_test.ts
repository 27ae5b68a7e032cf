/**
 * End to end: `protocol: graphql` over HTTP/2 inside an intercepted tunnel: OpenShell's e2e
 * cases as Node http2 requests, to an HTTP/1.1 or an h2 origin; body caps and idle bodies.
 */
import assert from "node:assert/strict";
import { type H2ClientRequest, type H2World, nodeH2Requests, withH2World } from "./support/mod.ts";
import {
  assertNamesDelete,
  cases,
  DELETE,
  endpoint,
  POLICY,
  VIEWER,
} from "./openshell_graphql_fixtures.ts";

/** The same cases as HTTP/2 requests of Node's http2 client (one session per host). */
function h2Cases(): { name: string; request: H2ClientRequest; status: number }[] {
  return cases().map(([name, head, body, status]) => {
    const [method, target] = head.split(" ") as [string, string];
    // A chunked HTTP/1.1 body is one DATA frame's worth here: HTTP/2 has no chunked coding.
    const json = body?.includes("\r\n") ? body.split("\r\n")[1] : body;
    const headers = json === undefined ? undefined : { "content-type": "application/json" };
    return {
      name,
      request: { method, path: target.replace("TARGET", "/graphql"), body: json, headers },
      status,
    };
  });
}

function withGraphqlWorld(
  run: (world: H2World) => Promise<void>,
  options: { idleTimeoutMs?: number } = {},
): Promise<void> {
  const policy = POLICY + endpoint("gql.example.com", 443);
  return withH2World({ policy, h2Host: "gql.example.com", ...options }, run);
}

Deno.test("graphql #13/#14 item 2: an h2-only client (Node http2) in an intercepted tunnel gets the same verdicts, to an HTTP/1.1 or an h2 origin; the judged bytes go upstream and the 403 names the operation", async () => {
  await withGraphqlWorld(async ({ proxy, upstreams, h2 }) => {
    const all = h2Cases();
    const denyDelete = {
      method: "POST",
      path: "/graphql",
      body: JSON.stringify({ query: DELETE }),
    };
    const origins = [
      { host: "api.github.com", bodies: () => upstreams.requests.map((r) => r.body) },
      { host: "gql.example.com", bodies: () => h2.requests.map((r) => r.body) },
    ];
    for (const { host, bodies } of origins) {
      const requests = [...all.map((c) => c.request), {
        ...denyDelete,
        headers: { "content-type": "application/json" },
      }];
      const result = await nodeH2Requests(proxy.port, host, proxy.caPath, requests);
      assert.equal(result.alpn, "h2", result.stderr);
      for (const [i, { name, status }] of all.entries()) {
        const response = result.responses[i];
        assert.equal(response?.status, status, `${host} ${name}: ${JSON.stringify(response)}`);
        if (status === 403 && name !== "duplicate_get_denied") {
          assert.equal(JSON.parse(response!.body).protocol, "graphql", `${host} ${name}`);
        }
      }
      // Exactly the allowed requests arrived, each with the bytes that were judged.
      const allowedBodies = all.filter((c) => c.status === 200).map((c) => c.request.body ?? "");
      assert.deepEqual(bodies(), allowedBodies, host);
      const denied = JSON.parse(result.responses.at(-1)!.body);
      assertNamesDelete(denied);
    }
  });
});

Deno.test("graphql #13/#14 items 2, 3: over h2, a GraphQL body over the cap is refused (413) and one that stops arriving gets the 408; nothing goes upstream", async () => {
  await withGraphqlWorld(async ({ proxy, upstreams }) => {
    const headers = { "content-type": "application/json" };
    const big = JSON.stringify({ query: VIEWER, variables: { pad: "x".repeat(70_000) } });
    const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, [
      { method: "POST", path: "/graphql", body: big, headers },
      { method: "POST", path: "/graphql", body: '{"query":"query Viewer', headers, stall: true },
      { method: "POST", path: "/graphql", body: JSON.stringify({ query: VIEWER }), headers },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [tooLarge, stalled, fine] = result.responses;
    assert.equal(tooLarge?.status, 413, JSON.stringify(tooLarge));
    assert.equal(stalled?.status, 408, JSON.stringify(stalled));
    assert.equal(JSON.parse(stalled!.body).error, "request_timeout");
    assert.equal(fine?.status, 200, JSON.stringify(fine));
    assert.equal(upstreams.requests.length, 1);
  }, { idleTimeoutMs: 1000 });
});
