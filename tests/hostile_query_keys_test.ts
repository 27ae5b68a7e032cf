/**
 * Query rules against origins that read a query's names their own way. The proxy matched a
 * rule's `query` keys only as spelled and split pairs on `&` alone, so a deny on `force=true`
 * let `?b=1;force=true` reach Rack 2 (which splits on `;` too) and `?+force=true` reach PHP
 * (which drops a name's leading spaces) as `force=true`, and an allow on `branch: "feat-*"`
 * let `?branch=feat-x;branch=evil` and `?branch=feat-x&+branch=evil` run with branch `evil`.
 * Each key is now judged under every name such parsers read it as, and a query holding `;`
 * under both separators.
 */
import assert from "node:assert/strict";
import { queryOriginsMissing, startPhpQueryOrigin, startRackQueryOrigin } from "./query_origins.ts";
import { namedHostsPolicy, namedRoutes, skipWhenMissing, withOrigins } from "./support/mod.ts";

const POLICY = namedHostsPolicy(
  "search",
  ["php", "rack"],
  `protocol: rest
rules:
  - allow: { method: GET, path: /q, query: { branch: "feat-*" } }
deny_rules:
  - { method: GET, path: /q, query: { force: "true" } }
`,
);

// Each spelling reads as `branch=evil` or `force=true` to the origin named.
const ATTACKS: [string, string][] = [
  ["php", "branch=feat-x&+branch=evil"],
  ["php", "branch=feat-x&%20%20branch=evil"],
  ["php", "branch=feat-x&branch%00x=evil"],
  ["php", "branch=feat-x&branch[]=evil"],
  ["php", "branch=feat-x&+force=true"],
  ["php", "branch=feat-x&force%00=true"],
  ["php", "branch=feat-x&force[x]=true"],
  ["rack", "branch=feat-x;branch=evil"],
  ["rack", "branch=feat-x;force=true"],
  ["rack", "branch=feat-x;force[]=true"],
  ["rack", "branch=feat-x&[force]=true"],
  ["rack", "branch=feat-x&force[]=true"],
];

/** PHP's `$_GET` at php.example.com, Rack 2's `GET` at rack.example.com. */
const start = async (dir: string) => ({
  php: await startPhpQueryOrigin(dir),
  rack: await startRackQueryOrigin(dir),
});
const setup = (policy: string) => ({
  policy,
  prefix: "tollgate-query-",
  start,
  routes: namedRoutes,
});

const ignore = await skipWhenMissing(
  import.meta.url,
  queryOriginsMissing(),
  "apt-get install -y php-cli ruby-rack ruby-webrick",
);

Deno.test({
  name: "hostile query keys: a query key an origin reads under another name is judged as it",
  ignore,
  fn: () =>
    withOrigins(setup(POLICY), async ({ origins, curl }) => {
      const get = async (name: string, query: string) =>
        (await curl(`http://${name}.example.com/q?${query}`, ["-g"])).status;
      for (const [name, query] of ATTACKS) {
        assert.equal(await get(name, query), 403, `${name}: ?${query}`);
      }
      for (const [name, origin] of Object.entries(origins)) {
        assert.deepEqual(await origin.seen(), [], `${name} read a query the policy denies`);
      }
      // What the policy allows still passes, extra keys and `;` inside a value included.
      for (const name of ["php", "rack"]) {
        assert.equal(await get(name, "branch=feat-x&page=2"), 200);
        assert.equal(await get(name, "branch=feat-x;page=2"), 200);
        assert.equal(await get(name, "branch=feat-x&force=false"), 200);
      }
      assert.deepEqual(await origins.php.seen(), [
        '{"branch":"feat-x","page":"2"}',
        '{"branch":"feat-x;page=2"}',
        '{"branch":"feat-x","force":"false"}',
      ]);
      assert.deepEqual(await origins.rack.seen(), [
        '{"branch":"feat-x","page":"2"}',
        '{"branch":"feat-x","page":"2"}',
        '{"branch":"feat-x","force":"false"}',
      ]);
    }),
});

// The GraphQL endpoint's parameters too: PHP (webonyx/graphql-php reads `$_GET`) and Rack 2
// read a second `query` the proxy read as another key, and would run it instead.
const GRAPHQL_POLICY = namedHostsPolicy(
  "graphql",
  ["php", "rack"],
  `path: /graphql
protocol: graphql
rules:
  - allow: { operation_type: query, fields: [viewer] }
`,
);
const VIEWER = encodeURIComponent("query { viewer { login } }");
const DELETE = encodeURIComponent('mutation { deleteRepository(id: "r") { id } }');
const GRAPHQL_ATTACKS: [string, string, string[]][] = [
  ["php", `query=${VIEWER}&+query=${DELETE}`, []],
  ["php", `query=${VIEWER}&query[]=${DELETE}`, []],
  ["php", `+query=${DELETE}`, ["-d", '{"query":"query { viewer { login } }"}']],
  ["rack", `query=${VIEWER}&x=1;query=${DELETE}`, []],
  ["rack", `x=1;query=${DELETE}`, ["-d", '{"query":"query { viewer { login } }"}']],
];

Deno.test({
  name: "hostile query keys: a second GraphQL query an origin reads under another name is refused",
  ignore,
  fn: () =>
    withOrigins(setup(GRAPHQL_POLICY), async ({ origins, curl }) => {
      const send = async (name: string, query: string, args: string[]) => {
        const url = `http://${name}.example.com/graphql?${query}`;
        const json = args.length > 0 ? ["-H", "Content-Type: application/json"] : [];
        return (await curl(url, ["-g", ...json, ...args])).status;
      };
      for (const [name, query, args] of GRAPHQL_ATTACKS) {
        assert.equal(await send(name, query, args), 403, `${name}: ?${query}`);
      }
      for (const [name, origin] of Object.entries(origins)) {
        assert.deepEqual(await origin.seen(), [], `${name} read a query the policy denies`);
      }
      for (const name of ["php", "rack"] as const) {
        assert.equal(await send(name, `query=${VIEWER}&x=1`, []), 200);
        assert.deepEqual(await origins[name].seen(), [
          '{"query":"query { viewer { login } }","x":"1"}',
        ]);
      }
    }),
});
