/**
 * Method-override headers under names CGI-style servers read as them: PHP and Rack (WEBrick)
 * turn `X_HTTP_METHOD_OVERRIDE` (and any mix of `_` and `-`) into the same
 * `HTTP_X_HTTP_METHOD_OVERRIDE` as `X-HTTP-Method-Override`, which Symfony (so Laravel) and
 * `Rack::MethodOverride` read. The proxy decided only the names spelled with `-`, so a POST
 * grant ran as DELETE on both; every such spelling is now decided as the header it becomes.
 */
import assert from "node:assert/strict";
import { phpMissing, startPhpOrigin } from "./php_origin.ts";
import { rackMissing, startRackOrigin } from "./rack_origin.ts";
import { namedRoutes, skipWhenMissing, withOrigins } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  items:
    endpoints:
      - host: php.example.com
        port: 80
        protocol: rest
        rules: &rules
          - allow: { method: POST, path: "/items/**" }
          - allow: { method: PATCH, path: "/items/**" }
      - host: rack.example.com
        port: 80
        protocol: rest
        rules: *rules
`;
const NAMES = ["X_HTTP_METHOD_OVERRIDE", "X-HTTP_METHOD-OVERRIDE", "x_http_method_override"];
const SETUP = {
  policy: POLICY,
  prefix: "tollgate-override-",
  start: async (dir: string) => ({
    php: await startPhpOrigin(dir),
    rack: await startRackOrigin(dir),
  }),
  routes: namedRoutes, // php.example.com:80, rack.example.com:80
};
const missing = async () => (await phpMissing()) ?? (await rackMissing());
const ignore = await skipWhenMissing(import.meta.url, missing());

Deno.test({
  name: "hostile override header names: an override header spelled with _ is decided",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { php, rack }, curl }) => {
      const post = async (host: string, header: string) =>
        (await curl(`http://${host}.example.com/items/1`, ["-H", header, "-d", "a=1"])).status;
      for (const host of ["php", "rack"]) {
        for (const name of NAMES) assert.equal(await post(host, `${name}: DELETE`), 403, name);
      }
      assert.deepEqual(await php.seen(), [], "PHP ran a denied override");
      assert.deepEqual(await rack.seen(), [], "Rack ran a denied override");
      // An override the policy allows still passes, however it is spelled.
      assert.equal(await post("php", "X_HTTP_METHOD_OVERRIDE: PATCH"), 200);
      assert.equal(await post("rack", "X_HTTP_METHOD_OVERRIDE: PATCH"), 200);
      assert.deepEqual(await php.seen(), ["PATCH"]);
      assert.deepEqual(await rack.seen(), ["PATCH /items/1 3 -"]);
    }),
});
