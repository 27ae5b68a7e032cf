/**
 * Query rules against origins that merge a body's fields into the parameters they read the
 * query as: PHP's `$_REQUEST` (a POST's form over the query), Laravel's `input()` (a JSON
 * body's members too) and Rack's `params` (Rails, Sinatra: a form body of any method). The
 * proxy judged the URL's query alone, so an allow on `action: read` let `POST ?action=read`
 * with a body field `action=delete` run as `delete`, and a deny on `force: "true"` let a body's
 * `force=true` through; PHP without php.ini reads cookies there too. A body field or cookie read
 * as a key its rules judge is now refused 400.
 */
import assert from "node:assert/strict";
import {
  queryOriginsMissing,
  startPhpParamsOrigin,
  startRackParamsOrigin,
} from "./query_origins.ts";
import { namedHostsPolicy, namedRoutes, skipWhenMissing, withOrigins } from "./support/mod.ts";

const POLICY = namedHostsPolicy(
  "params",
  ["php", "rack", "bare"],
  `protocol: rest
rules:
  - allow: { method: POST, path: /q, query: { action: "read" } }
  - allow: { method: PUT, path: /q, query: { action: "read" } }
  - allow: { method: POST, path: /free }
  - allow: { method: PUT, path: /free, query: { action: "read" } }
deny_rules:
  - { method: POST, path: /free, query: { force: "true" } }
`,
);

const FORM = ["-H", "Content-Type: application/x-www-form-urlencoded"];
const JSON_TYPE = ["-H", "Content-Type: application/json"];

// Each body, sent with its URL, reads as `action=delete` or `force=true` to the origin named.
const ATTACKS: [string, string, string[]][] = [
  ["php", "POST /q?action=read", [...FORM, "-d", "action=delete"]],
  ["php", "POST /q?action=read", [...FORM, "-d", "x=1&+action=delete"]],
  ["php", "POST /q?action=read", ["-F", "action=delete"]],
  ["php", "POST /q?action=read", [...JSON_TYPE, "-d", '{"action": "delete"}']],
  ["php", "POST /free", [...FORM, "-d", "force=true"]],
  ["php", "POST /free", [...JSON_TYPE, "-d", '{"a": 1, "force": "true"}']],
  ["rack", "POST /q?action=read", [...FORM, "-d", "action=delete"]],
  ["rack", "POST /q?action=read", ["-d", "[action]=delete"]],
  ["rack", "POST /q?action=read", ["-F", "action=delete"]],
  ["rack", "PUT /q?action=read", [...FORM, "-d", "action=delete"]],
  ["rack", "POST /free", [...FORM, "-d", "force[]=true"]],
  // Read before the body named PUT, whose rule judges `action` (Rack::MethodOverride).
  ["rack", "POST /free?action=read", [...FORM, "-d", "action=delete&_method=PUT"]],
  // PHP without php.ini reads cookies into $_REQUEST, over the query.
  ["bare", "POST /q?action=read", ["-b", "session=1; action=delete"]],
  ["bare", "POST /free", ["-b", "force=true", "-d", "x=1"]],
];

/** PHP reading `$_REQUEST`, Rack reading `params`, PHP without php.ini (cookies too). */
const start = async (dir: string) => ({
  php: await startPhpParamsOrigin(dir),
  rack: await startRackParamsOrigin(dir),
  bare: await startPhpParamsOrigin(dir, ["-n"]),
});

const SETUP = { policy: POLICY, prefix: "tollgate-params-", start, routes: namedRoutes };

const ignore = await skipWhenMissing(
  import.meta.url,
  queryOriginsMissing(),
  "apt-get install -y php-cli ruby-rack ruby-webrick",
);

Deno.test({
  name: "hostile body params: a body field an origin merges into its query parameters is judged",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins, curl }) => {
      const send = async (name: string, request: string, args: string[]) => {
        const [method, target] = request.split(" ") as [string, string];
        const url = `http://${name}.example.com${target}`;
        return (await curl(url, ["-g", "-X", method, ...args])).status;
      };
      for (const [name, request, args] of ATTACKS) {
        assert.equal(await send(name, request, args), 400, `${name}: ${request} ${args.at(-1)}`);
      }
      for (const [name, origin] of Object.entries(origins)) {
        assert.deepEqual(await origin.seen(), [], `${name} read a parameter the policy denies`);
      }
      // Bodies whose fields the rules do not judge still pass.
      for (const name of ["php", "rack"]) {
        assert.equal(await send(name, "POST /q?action=read", [...FORM, "-d", "title=x"]), 200);
        assert.equal(await send(name, "POST /free", ["-F", "title=x"]), 200);
      }
      assert.equal(
        await send("php", "POST /q?action=read", [...JSON_TYPE, "-d", '{"t": 1}']),
        200,
      );
      assert.equal(await send("bare", "POST /q?action=read", ["-b", "session=1"]), 200);
      assert.deepEqual(await origins.bare.seen(), ['{"action":"read","session":"1"}']);
      assert.deepEqual(await origins.php.seen(), [
        '{"action":"read","title":"x"}',
        '{"title":"x"}',
        '{"action":"read","t":1}',
      ]);
      assert.deepEqual(await origins.rack.seen(), [
        '{"action":"read","title":"x"}',
        '{"title":"x"}',
      ]);
    }),
});
