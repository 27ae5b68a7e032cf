/**
 * The DELETE-body contract over HTTP/2 (Node's `http2` client) to an HTTP/1.1 origin that
 * ignores a DELETE's Content-Length: a body whose first line reads as a request line is
 * refused, an ordinary one goes with `Connection: close`; a denied stream gets its 403 first;
 * a GET body read by a GraphQL endpoint's admission is refused before an HTTP/1.1 origin too.
 */
import assert from "node:assert/strict";
import { nodeH2Requests, withTestProxy } from "./support/mod.ts";
import { GQL_HOST, HIDDEN, HOST, PATH, withLenient } from "./hostile_delete_body_fixtures.ts";

Deno.test("hostile delete body h2: a DELETE stream whose body starts with a request line is refused (400); a JSON one goes with Connection: close", async () => {
  await withLenient(async (proxy, _plain, secure) => {
    const json = '{"message":"m","sha":"s"}';
    const result = await nodeH2Requests(proxy.port, HOST, proxy.caPath, [
      { method: "DELETE", path: PATH, body: HIDDEN },
      { method: "DELETE", path: PATH, body: `\r\n\r\n${HIDDEN}` },
      { method: "DELETE", path: PATH, body: "GET /admin\r\n" },
      { method: "DELETE", path: PATH, body: json, headers: { "content-type": "application/json" } },
      { method: "GET", path: "/public/a" },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [hidden, blank, old, ok, after] = result.responses;
    for (const refused of [hidden, blank, old]) {
      assert.equal(refused?.status, 400);
      assert.match(refused?.body ?? "", /must not start with an HTTP request line/);
    }
    assert.equal(ok?.status, 200, ok?.body);
    assert.equal(ok?.body, `answered DELETE ${PATH}`);
    assert.equal(after?.body, "answered GET /public/a");
    const requests = secure.seen.filter((s) => s.request);
    assert.deepEqual(requests.map((s) => s.line), [
      `DELETE ${PATH} HTTP/1.1`,
      "GET /public/a HTTP/1.1",
    ]);
    assert.deepEqual(requests[0]?.headers.filter(([n]) => n === "connection"), [
      ["connection", "close"],
    ]);
  });
});

Deno.test("hostile delete body h2: a GET stream with a body to a GraphQL endpoint is refused (400) before an HTTP/1.1 origin, though its admission read the body", async () => {
  await withLenient(async (proxy, _plain, secure) => {
    const query = encodeURIComponent("query { viewer { login } }");
    const result = await nodeH2Requests(proxy.port, GQL_HOST, proxy.caPath, [
      { method: "GET", path: `/graphql?query=${query}`, body: HIDDEN },
      { method: "GET", path: `/graphql?query=${query}` },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    const [withBody, without] = result.responses;
    assert.equal(withBody?.status, 400, withBody?.body);
    assert.match(withBody?.body ?? "", /A GET request must not carry a body/);
    assert.equal(without?.status, 200, without?.body);
    // Before: the GET went to the origin with the body under a Content-Length.
    assert.deepEqual(secure.seen.map((s) => s.line), [`GET /graphql?query=${query} HTTP/1.1`]);
  });
});

Deno.test("hostile delete body h2: a denied stream gets its 403 whatever its body (DELETE, GET)", async () => {
  const policy = `version: 1
network_policies:
  gh_ro:
    endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/node }]
`;
  const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/node", ancestors: [] }) };
  await withTestProxy({ policy, identity }, async (proxy, upstreams) => {
    const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, [
      { method: "DELETE", path: "/repos/o/r", body: HIDDEN },
      { method: "DELETE", path: "/repos/o/r", body: "{}" },
      { method: "POST", path: "/repos/o/r", body: HIDDEN },
    ]);
    assert.equal(result.alpn, "h2", result.stderr);
    for (const answer of result.responses) {
      assert.equal(answer.status, 403, answer.body);
      assert.equal(JSON.parse(answer.body).error, "policy_denied");
    }
    assert.equal(upstreams.requests.length, 0);
  });
});
