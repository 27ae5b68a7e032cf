/**
 * A query longer than origins read: PHP keeps the first 1,000 variables (`max_input_vars`) and
 * Express's qs the first 1,000 parts (`parameterLimit`), dropping the rest. An allow on
 * `dry_run: "true"` let `?x0=1&...&x999=1&dry_run=true` through, and PHP ran without
 * `dry_run`. A query rule now reads no query of more than 1,000 `&`-separated parts: it fires
 * every deny and no allow.
 */
import assert from "node:assert/strict";
import { queryOriginsMissing, startPhpQueryOrigin } from "./query_origins.ts";
import { namedRoutes, skipWhenMissing, withOrigins } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  deploy:
    endpoints:
      - host: php.example.com
        port: 80
        protocol: rest
        rules:
          - allow: { method: GET, path: /deploy, query: { dry_run: "true" } }
          - allow: { method: GET, path: /list }
`;

const junk = (count: number) => Array.from({ length: count }, (_, i) => `x${i}=1`).join("&");

const SETUP = {
  policy: POLICY,
  prefix: "tollgate-limit-",
  start: async (dir: string) => ({ php: await startPhpQueryOrigin(dir) }),
  routes: namedRoutes, // php.example.com:80
};

const ignore = await skipWhenMissing(
  import.meta.url,
  queryOriginsMissing(),
  "apt-get install -y php-cli",
);

Deno.test({
  name: "hostile query limit: a key past the 1,000 parameters an origin reads is not judged",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { php }, curl }) => {
      const get = async (target: string) => (await curl(`http://php.example.com${target}`)).status;
      assert.equal(await get(`/deploy?${junk(1000)}&dry_run=true`), 403);
      assert.equal(await get(`/deploy?${"&".repeat(1000)}dry_run=true`), 403);
      assert.deepEqual(await php.seen(), [], "PHP ran a deploy without dry_run");
      // 1,000 parts are read whole by PHP and judged; a path without query rules reads none.
      assert.equal(await get(`/deploy?${junk(999)}&dry_run=true`), 200);
      assert.equal(await get(`/list?${junk(1050)}`), 200);
      const seen = (await php.seen()).map((line) => Object.keys(JSON.parse(line)).length);
      assert.deepEqual(seen, [1000, 1000]); // PHP read the first 1,000 of the list's
    }),
});
