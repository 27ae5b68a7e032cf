/**
 * Deny rules against an origin whose router ignores a trailing slash: Express by default (also
 * Rails, ASP.NET Core, Laravel, Spring before 6). A deny on `DELETE /items/secret` beside an
 * allow on `/items/**` let `DELETE /items/secret/` through, and a real Express app ran its
 * `/items/secret` route; so did `GET /admin/` past a deny on `GET /admin`. A deny now fires on
 * the path without its trailing `/` too; allows stay exact.
 */
import assert from "node:assert/strict";
import { expressAt, expressMissing } from "./express_origin.ts";
import { restPolicy, skipWhenMissing, withOrigins } from "./support/mod.ts";

const HOST = "app.example.com";
const POLICY = restPolicy(
  { host: HOST },
  ['{ method: "*", path: "/items/**" }', '{ method: GET, path: "/**" }'],
  ['{ method: DELETE, path: "/items/secret" }', '{ method: GET, path: "/admin" }'],
);
const ignore = await skipWhenMissing(import.meta.url, expressMissing());
const SETUP = { policy: POLICY, prefix: "tollgate-express-", ...expressAt(HOST) };

Deno.test({
  name: "hostile trailing slash: a deny fires on the path a router reads without its trailing /",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { express }, curl }) => {
      const send = async (method: string, path: string) =>
        (await curl(`http://${HOST}${path}`, ["--path-as-is", "-X", method])).status;
      const denied = [
        ["DELETE", "/items/secret/"],
        ["DELETE", "/items/secret//"],
        ["DELETE", "/ITEMS/Secret/"],
        ["DELETE", "/items/secret/?force=1"],
        ["DELETE", "/items/x/../secret/"],
        ["GET", "/admin/"],
        ["GET", "/admin;jsessionid=1/"],
        ["GET", "/admin/."],
      ];
      for (const [method, path] of denied) assert.equal(await send(method!, path!), 403, path);
      assert.deepEqual(await express.seen(), [], "Express ran a route a deny rule covers");
      // Other paths under the allows still pass, with or without a trailing slash.
      assert.equal(await send("DELETE", "/items/other/"), 200);
      assert.equal(await send("DELETE", "/items/secret/notes"), 200);
      assert.equal(await send("GET", "/admin/users/"), 200);
      assert.deepEqual(await express.seen(), [
        "DELETE - /items/other/",
        "DELETE - /items/secret/notes",
        "GET - /admin/users/",
      ]);
    }),
});
