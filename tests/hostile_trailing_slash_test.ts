/**
 * Deny rules against an origin whose router ignores a trailing slash: Express by default (also
 * Rails, ASP.NET Core, Laravel, Spring before 6). A deny on `DELETE /items/secret` beside an
 * allow on `/items/**` let `DELETE /items/secret/` through, and a real Express app ran its
 * `/items/secret` route; so did `GET /admin/` past a deny on `GET /admin`. A deny now fires on
 * the path without its trailing `/` too; allows stay exact.
 */
import assert from "node:assert/strict";
import { expressMissing, type ExpressOrigin, startExpressOrigin } from "./express_origin.ts";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";

const HOST = "app.example.com";
const POLICY = `version: 1
network_policies:
  app:
    endpoints:
      - host: ${HOST}
        port: 80
        protocol: rest
        rules:
          - allow: { method: "*", path: "/items/**" }
          - allow: { method: GET, path: "/**" }
        deny_rules:
          - { method: DELETE, path: "/items/secret" }
          - { method: GET, path: "/admin" }
`;
const missing = await expressMissing();
if (missing !== undefined) {
  console.warn(`hostile_trailing_slash_test: SKIPPED, ${missing}`);
}

Deno.test({
  name: "hostile trailing slash: a deny fires on the path a router reads without its trailing /",
  ignore: missing !== undefined,
  fn: async () => {
    const upstreams = await startTestUpstreams();
    const dir = await Deno.makeTempDir({ prefix: "tollgate-express-" });
    const express: ExpressOrigin = await startExpressOrigin(dir);
    const resolve = [{ host: HOST, port: 80, address: "127.0.0.1", targetPort: express.port }];
    const proxy = await startTestProxy({ policy: POLICY, upstreams, resolve });
    const send = async (method: string, path: string) => {
      const options = { proxyPort: proxy.port, args: ["--path-as-is", "-X", method], maxTime: 30 };
      return (await curl([`http://${HOST}${path}`], options)).status;
    };
    try {
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
    } finally {
      await proxy.close();
      await express.close();
      await upstreams.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
