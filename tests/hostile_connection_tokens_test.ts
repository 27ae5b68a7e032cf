/**
 * A `Connection` field naming a field the proxy judged on: a proxy drops the fields its
 * `Connection` names (RFC 9110 §7.6.1), so `Content-Type: application/octet-stream` with
 * `Connection: Content-Type` was judged as bytes (no form to read) and reached the origin with
 * no `Content-Type`, which Rack reads as a form: `_method=DELETE` ran as DELETE past a policy
 * allowing only POST. Such a request is now refused 400 on inspected endpoints.
 */
import assert from "node:assert/strict";
import { rackMissing, startRackOrigin } from "./rack_origin.ts";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";

const HOST = "app.example.com";
const POLICY = `version: 1
network_policies:
  items:
    endpoints:
      - host: ${HOST}
        ports: [80, 443]
        protocol: rest
        rules:
          - allow: { method: POST, path: "/items/**" }
`;

const missing = await rackMissing();
if (missing !== undefined) {
  console.warn(
    `hostile_connection_tokens_test: SKIPPED, ${missing} (apt-get install -y ruby-rack ruby-webrick)`,
  );
}

Deno.test({
  name: "hostile connection tokens: a Connection field naming a judged field never reaches Rack",
  ignore: missing !== undefined,
  fn: async () => {
    const upstreams = await startTestUpstreams();
    const dir = await Deno.makeTempDir({ prefix: "tollgate-conn-" });
    const leaf = await upstreams.mintLeaf([HOST]);
    const rack = await startRackOrigin(dir);
    const rackTls = await startRackOrigin(dir, { certPem: leaf.chainPem, keyPem: leaf.keyPem });
    const to = (port: number, targetPort: number) => ({
      host: HOST,
      port,
      address: "127.0.0.1",
      targetPort,
    });
    const resolve = [to(80, rack.port), to(443, rackTls.port)];
    const proxy = await startTestProxy({ policy: POLICY, upstreams, resolve });
    const send = async (scheme: string, connection: string, type = "application/octet-stream") => {
      const args = ["-H", `Content-Type: ${type}`, "-H", `Connection: ${connection}`];
      const options = { proxyPort: proxy.port, caPath: proxy.caPath, maxTime: 30 };
      const url = `${scheme}://${HOST}/items/1`;
      return (await curl([url], { ...options, args: [...args, "-d", "_method=DELETE"] })).status;
    };
    try {
      for (const scheme of ["http", "https"]) {
        assert.equal(await send(scheme, "Content-Type"), 400, scheme);
        assert.equal(await send(scheme, "keep-alive, content-type"), 400, scheme);
      }
      const seen = [...await rack.seen(), ...await rackTls.seen()].map((l) => l.split(" ")[0]);
      assert.deepEqual(seen, [], "Rack ran a method the policy does not allow");
      // Other Connection tokens still pass.
      assert.equal(await send("http", "keep-alive"), 200);
      assert.equal((await rack.seen()).map((l) => l.split(" ")[0]).join(), "POST");
    } finally {
      await proxy.close();
      await rack.close();
      await rackTls.close();
      await upstreams.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
