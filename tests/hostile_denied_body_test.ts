/**
 * The denial comes first: a request the policy denies gets its structured 403 whatever body it
 * announces (a request line, chunked, JSON), in plain forwarding and inside interception. The
 * check of bodies on methods that define none applies only to requests the policy allows.
 */
import assert from "node:assert/strict";
import { AS_CURL, openPolicy, rawRequest, tunnelRequest, withTestProxy } from "./support/mod.ts";

const POLICY = openPolicy([
  '{ method: DELETE, path: "/**" }',
  '{ method: GET, path: "/private/**" }',
]);
const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: plain.example.com\r\n\r\n";
const JSON_BODY = '{"message":"m","sha":"s"}';
const BODIES: [string, string, string][] = [
  ["a request-line body", `Content-Length: ${SMUGGLED.length}\r\n`, SMUGGLED],
  [
    "a chunked body",
    "Transfer-Encoding: chunked\r\n",
    `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
  ],
  ["a JSON body", `Content-Length: ${JSON_BODY.length}\r\n`, JSON_BODY],
];

Deno.test("hostile #6: a denied request gets its structured 403 whatever body it announces (DELETE, GET), plain and intercepted", async () => {
  await withTestProxy({ policy: POLICY, identity: AS_CURL }, async (proxy, upstreams) => {
    for (const [method, path] of [["DELETE", "/public/x"], ["GET", "/private/x"]]) {
      for (const [name, framing, body] of BODIES) {
        const label = `${method} ${path} with ${name}`;
        const plain = await rawRequest(
          proxy.port,
          `${method} http://plain.example.com${path} HTTP/1.1\r\nHost: plain.example.com\r\n` +
            `${framing}\r\n${body}`,
        );
        const inside = await tunnelRequest(
          proxy.port,
          "api.github.com",
          proxy.caPath,
          `${method} ${path} HTTP/1.1\r\nHost: api.github.com\r\n${framing}\r\n${body}`,
        );
        for (const answer of [plain, inside]) {
          // Before: `400 A DELETE request must not carry a body` (and the same for GET).
          assert.equal(answer.status, 403, label);
          assert.equal(JSON.parse(answer.body).error, "policy_denied", label);
        }
      }
    }
    assert.equal(upstreams.requests.length, 0);
  });
});
