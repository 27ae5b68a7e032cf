/**
 * Deny rules against a PHP front controller: PHP hands `/index.php/admin/users` to `index.php`
 * with `PATH_INFO` `/admin/users`, and applications that route on it (Symfony's and Laravel's
 * `getPathInfo()`, WordPress's `/index.php/wp-json/...`) run their `/admin/users` route. Under
 * `GET /**` beside a deny on `/admin/**`, that spelling reached the route on PHP's own server
 * (no php.ini, as the official images); a deny now also reads the path without a `.php`
 * segment that more path follows.
 */
import assert from "node:assert/strict";
import {
  restPolicy,
  skipWhenMissing,
  withOrigins,
  type WithOriginsOptions,
} from "./support/mod.ts";
import {
  commandMissing,
  freePort,
  type ScriptOrigin,
  startScriptOrigin,
} from "./support/script_origin.ts";

const HOST = "php.example.com";
const POLICY = restPolicy({ host: HOST }, ['{ method: GET, path: "/**" }'], [
  '{ method: GET, path: "/admin/**" }',
]);
// The front controller: routes on PATH_INFO, as a framework's router does.
const INDEX = `<?php
$route = $_SERVER['PATH_INFO'] ?? '/';
file_put_contents(getenv('SEEN_LOG'), $route . "\\n", FILE_APPEND | LOCK_EX);
echo $route;
`;
const missing = commandMissing("php", ["-n", "-r", "exit(0);"], {
  absent: "php is not installed (apt-get install -y php-cli)",
  lacking: "php does not run",
});
const ignore = await skipWhenMissing(import.meta.url, missing);

/** PHP's own server (no php.ini, as the official images) serving `INDEX` as `HOST:80`. */
const SETUP: WithOriginsOptions<{ php: ScriptOrigin }> = {
  policy: POLICY,
  prefix: "tollgate-php-",
  start: async (dir) => {
    await Deno.writeTextFile(`${dir}/index.php`, INDEX);
    const port = freePort();
    const log = `${dir}/seen.log`;
    const args = ["-n", "-S", `127.0.0.1:${port}`, "-t", dir];
    const env = { SEEN_LOG: log };
    return { php: await startScriptOrigin({ name: "PHP", command: "php", args, log, env, port }) };
  },
  routes: ({ php }) => [[HOST, 80, php]],
};

Deno.test({
  name: "hostile front controller: a deny fires on the route PHP's PATH_INFO names",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { php }, curl }) => {
      const get = async (path: string) =>
        (await curl(`http://${HOST}${path}`, ["--path-as-is"])).status;
      for (
        const path of ["/admin/users", "/index.php/admin/users", "/Index.PHP/Admin/users/"]
      ) {
        assert.equal(await get(path), 403, path);
      }
      assert.deepEqual(await php.seen(), [], "PHP ran a route a deny rule covers");
      assert.equal(await get("/index.php/public/page"), 200);
      assert.equal(await get("/public/page"), 200);
      assert.deepEqual(await php.seen(), ["/public/page", "/public/page"]);
    }),
});
