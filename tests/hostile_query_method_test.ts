/**
 * A `_method` in the query under a name PHP reads as `_method`: Symfony's `getMethod()` (and so
 * Laravel) falls back to `$_GET['_method']` for a POST, and PHP drops a name's leading spaces,
 * reads `.` and a space as `_` and ends it at a NUL. The proxy decided only a query key spelled
 * `_method`, so `?.method=DELETE` under a POST grant ran as DELETE on a real PHP origin; every
 * key a body's `_method` is read under is now read so in the query too.
 */
import assert from "node:assert/strict";
import { phpMissing, type PhpOrigin, startPhpOrigin } from "./php_origin.ts";
import { skipWhenMissing, withOrigins, type WithOriginsOptions } from "./support/mod.ts";

const HOST = "app.example.com";
const POLICY = `version: 1
network_policies:
  items:
    endpoints:
      - host: ${HOST}
        port: 80
        protocol: rest
        rules:
          - allow: { method: POST, path: "/items/**" }
          - allow: { method: PATCH, path: "/items/**" }
`;
const SETUP: WithOriginsOptions<{ php: PhpOrigin }> = {
  policy: POLICY,
  prefix: "tollgate-php-",
  start: async (dir) => ({ php: await startPhpOrigin(dir) }),
  routes: ({ php }) => [[HOST, 80, php]],
};
const ignore = await skipWhenMissing(import.meta.url, phpMissing(), "apt-get install -y php-cli");

Deno.test({
  name: "hostile query method: a ?_method PHP reads under another name never runs",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { php }, curl }) => {
      const post = async (query: string, args: string[] = ["-d", "a=1"]) =>
        (await curl(`http://${HOST}/items/1?${query}`, args)).status;
      for (
        const query of [".method=DELETE", "+_method=DELETE", "%20.method=put", "_method%00x=PUT"]
      ) {
        assert.equal(await post(query), 403, query);
      }
      assert.equal(await post("_method=DELETE"), 403);
      assert.deepEqual(await php.seen(), [], "PHP ran a denied override");
      // What the policy allows passes; PHP's own readings of the body are decided as before.
      assert.equal(await post(".method=patch"), 200);
      assert.equal(await post("x=1", ["-d", "%20.method=DELETE"]), 403);
      assert.equal(await post("x=1", ["-F", "_method=DELETE"]), 403);
      // PHP's media type ends at a space: this is a form to PHP, never bytes to the proxy.
      const spaced = ["-H", "Content-Type: application/x-www-form-urlencoded x"];
      assert.equal(await post("x=1", [...spaced, "-d", "_method=DELETE"]), 403);
      assert.equal(await post("x=1", ["-d", "_method=PATCH"]), 200);
      assert.equal(await post("method=DELETE"), 200); // no `_`: PHP reads `method`
      assert.deepEqual(await php.seen(), ["PATCH", "PATCH", "POST"]);
    }),
});
