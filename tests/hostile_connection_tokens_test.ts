/**
 * A `Connection` field naming a field the proxy judged on: a proxy drops the fields its
 * `Connection` names (RFC 9110 §7.6.1), so `Content-Type: application/octet-stream` with
 * `Connection: Content-Type` was judged as bytes (no form to read) and reached the origin with
 * no `Content-Type`, which Rack reads as a form: `_method=DELETE` ran as DELETE past a policy
 * allowing only POST. Such a request is now refused 400 on inspected endpoints.
 */
import assert from "node:assert/strict";
import { rackMissing, rackPair } from "./rack_origin.ts";
import { ITEMS_HOST, itemsPolicy, skipWhenMissing, withOrigins } from "./support/mod.ts";

const HOST = ITEMS_HOST;
const POLICY = itemsPolicy(['{ method: POST, path: "/items/**" }']);

const SETUP = { policy: POLICY, prefix: "tollgate-conn-", ...rackPair(HOST) };

const ignore = await skipWhenMissing(
  import.meta.url,
  rackMissing(),
  "apt-get install -y ruby-rack ruby-webrick",
);

Deno.test({
  name: "hostile connection tokens: a Connection field naming a judged field never reaches Rack",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { rack, rackTls }, curl }) => {
      const send = async (scheme: string, connection: string) => {
        const type = "Content-Type: application/octet-stream";
        const args = ["-H", type, "-H", `Connection: ${connection}`, "-d", "_method=DELETE"];
        return (await curl(`${scheme}://${HOST}/items/1`, args)).status;
      };
      for (const scheme of ["http", "https"]) {
        assert.equal(await send(scheme, "Content-Type"), 400, scheme);
        assert.equal(await send(scheme, "keep-alive, content-type"), 400, scheme);
      }
      const seen = [...await rack.seen(), ...await rackTls.seen()].map((l) => l.split(" ")[0]);
      assert.deepEqual(seen, [], "Rack ran a method the policy does not allow");
      // Other Connection tokens still pass.
      assert.equal(await send("http", "keep-alive"), 200);
      assert.equal((await rack.seen()).map((l) => l.split(" ")[0]).join(), "POST");
    }),
});
