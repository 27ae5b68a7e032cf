/**
 * A body whose `Content-Type` reads as two kinds: a form or multipart type with a parameter
 * holding `/json`, which Laravel reads as JSON (`/json` anywhere in the field) while Rack and PHP
 * read the media type. The scan read such a body as JSON alone: a multipart body typed
 * `multipart/form-data; boundary=X; a=/json` with a `_method=DELETE` part passed a POST-only grant
 * and a real Rack origin ran it as DELETE. Each reading is now scanned.
 */
import assert from "node:assert/strict";
import { rackMissing, rackPair } from "./rack_origin.ts";
import { ITEMS_HOST, itemsPolicy, skipWhenMissing, withOrigins } from "./support/mod.ts";

const ignore = await skipWhenMissing(
  import.meta.url,
  rackMissing(),
  "apt-get install -y ruby-rack ruby-webrick",
);
const POLICY = itemsPolicy(['{ method: POST, path: "/items/**" }']);
const part = (name: string, value: string) =>
  `--X\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

Deno.test({
  name:
    "hostile form json type: a multipart _method under a type that names /json never reaches Rack",
  ignore,
  fn: () =>
    withOrigins(
      { policy: POLICY, prefix: "tollgate-rack-", ...rackPair(ITEMS_HOST) },
      async ({ origins: { rack, rackTls }, curl }) => {
        const post = async (scheme: string, type: string, body: string) =>
          (await curl(`${scheme}://${ITEMS_HOST}/items/1`, [
            ...["-H", `Content-Type: ${type}`, "--data-binary", body],
          ])).status;
        const body = `${part("a", "1")}${part("_method", "DELETE")}--X--\r\n`;
        const passed: string[] = [];
        for (const scheme of ["http", "https"]) {
          for (
            const type of [
              "multipart/form-data; boundary=X; a=/json",
              "multipart/form-data; a=x/json; boundary=X",
              'multipart/form-data; boundary=X; type="application/vnd.api+json"',
            ]
          ) {
            const status = await post(scheme, type, body);
            if (status !== 403) passed.push(`${status} ${scheme} ${type}`);
          }
        }
        const seen = [...await rack.seen(), ...await rackTls.seen()];
        assert.deepEqual(seen, [], "Rack ran a method the policy does not allow");
        assert.deepEqual(passed, []);
        // The same body without the override still passes.
        const plain = `${part("a", "1")}--X--\r\n`;
        assert.equal(await post("http", "multipart/form-data; boundary=X; a=/json", plain), 200);
      },
    ),
});
