/**
 * Deny rules on an `allow_encoded_slash` endpoint against an origin that decodes `%2F` before
 * routing (every WSGI application: `PATH_INFO` is decoded). The proxy matched deny rules only
 * against the canonical path, where `%2F` is data inside a segment, so a deny on
 * `/files/private/**` let `/files/private%2Fkey` through to Flask, which served
 * `/files/private/key`. A deny now also fires on the path with `%2F` and `%5C` read as `/`.
 */
import assert from "node:assert/strict";
import { flaskMissing, type FlaskOrigin, startFlaskOrigin } from "./flask_origin.ts";
import { skipWhenMissing, withOrigins, type WithOriginsOptions } from "./support/mod.ts";

const HOST = "files.example.com";
const POLICY = `version: 1
network_policies:
  files:
    endpoints:
      - host: ${HOST}
        port: 80
        protocol: rest
        allow_encoded_slash: true
        rules:
          - allow: { method: GET, path: "/files/**" }
        deny_rules:
          - { method: GET, path: "/files/private/**" }
`;
const SETUP: WithOriginsOptions<{ flask: FlaskOrigin }> = {
  policy: POLICY,
  prefix: "tollgate-flask-",
  start: async (dir) => ({ flask: await startFlaskOrigin(dir) }),
  routes: ({ flask }) => [[HOST, 80, flask]],
};
const ignore = await skipWhenMissing(
  import.meta.url,
  flaskMissing(),
  "apt-get install -y python3-flask",
);

Deno.test({
  name: "hostile encoded slash: a deny fires on the path an origin reads with %2F as /",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { flask }, curl }) => {
      const get = async (path: string) =>
        (await curl(`http://${HOST}${path}`, ["--path-as-is"])).status;
      for (
        const path of [
          "/files/private%2Fkey",
          "/files/private%2fkey",
          "/files%2Fprivate%2Fkey",
          "/files/Private%2F%2Fkey",
        ]
      ) {
        assert.equal(await get(path), 403, path);
      }
      assert.deepEqual(await flask.seen(), [], "Flask served a path a deny rule covers");
      // The encoded slash the endpoint allows still passes where no deny covers it.
      assert.equal(await get("/files/group%2Fproject"), 200);
      assert.equal(await get("/files/private"), 200);
      assert.deepEqual(await flask.seen(), ["GET /files/group/project", "GET /files/private"]);
    }),
});
