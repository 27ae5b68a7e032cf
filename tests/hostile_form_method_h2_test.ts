/**
 * A `_method` in a POST's form body over HTTP/2, to an HTTP/2 origin: the body is relayed as it
 * comes, and the end of it (its last byte when it declares a length, else END_STREAM) leaves
 * only once the method it names is decided; a body stopped is reset, never ended. The origin
 * reads frames off the wire and tells a body it holds whole (END_STREAM) from one reset, as a
 * form parser acts only on a whole form. Before, it got the `_method=DELETE` forms whole.
 */
import assert from "node:assert/strict";
import { startRawH2Origin } from "./raw_h2_origin.ts";
import {
  type H2ClientRequest,
  nodeH2Requests,
  startTestProxy,
  startTestUpstreams,
} from "./support/mod.ts";

const HOST = "h2form.example.com";
const POLICY = `version: 1
network_policies:
  items:
    endpoints:
      - host: ${HOST}
        port: 443
        protocol: rest
        rules:
          - allow: { method: POST, path: "/items/**" }
          - allow: { method: PATCH, path: "/items/**" }
`;

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const MULTIPART = { "content-type": "multipart/form-data; boundary=XyZ" };
const part = (name: string, value: string) =>
  `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n--XyZ--\r\n`;
const post = (body: string, headers: Record<string, string>): H2ClientRequest => ({
  method: "POST",
  path: "/items/1",
  body,
  headers,
});
const sized = (headers: Record<string, string>, body: string) => ({
  ...headers,
  "content-length": String(body.length),
});

Deno.test("hostile form method h2: a _method the policy does not allow never reaches an HTTP/2 origin whole", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await startRawH2Origin(upstreams, HOST);
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, resolve });
  try {
    const multipartDelete = part("_method", "DELETE");
    const requests = [
      post("a=1&_method=DELETE", FORM),
      post("_method=DELETE", sized(FORM, "_method=DELETE")),
      post(multipartDelete, MULTIPART),
      post(multipartDelete, sized(MULTIPART, multipartDelete)),
      post('{"_method": "DELETE"}', { "content-type": "application/json" }),
      post("a=1&_method=PATCH", FORM),
      post(part("_method", "PATCH"), MULTIPART),
      post("a=1", FORM),
    ];
    const result = await nodeH2Requests(proxy.port, HOST, proxy.caPath, requests);
    assert.equal(result.alpn, "h2", result.stderr);
    const statuses = result.responses.map((response) => response.status);
    assert.deepEqual(statuses, [403, 403, 403, 403, 403, 200, 200, 200]);
    assert.match(result.responses[0]!.body, /"policy_denied"/);
    // What the origin holds whole (END_STREAM before any reset): only the allowed three.
    const whole = [...origin.streams.values()].filter((stream) => stream.ended);
    assert.deepEqual(whole.map((stream) => stream.body.includes("PATCH")), [true, true, false]);
    assert.ok(whole.every((stream) => !stream.body.includes("DELETE")), JSON.stringify(whole));
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});
