/**
 * Deny rules on an `allow_encoded_slash` endpoint against an origin that decodes `%2F` before
 * routing (every WSGI application: `PATH_INFO` is decoded). The proxy matched deny rules only
 * against the canonical path, where `%2F` is data inside a segment, so a deny on
 * `/files/private/**` let `/files/private%2Fkey` through to Flask, which served
 * `/files/private/key`. A deny now also fires on the path with `%2F` and `%5C` read as `/`.
 */
import assert from "node:assert/strict";
import { flaskMissing, type FlaskOrigin, startFlaskOrigin } from "./flask_origin.ts";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";

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
const missing = await flaskMissing();
if (missing !== undefined) {
  console.warn(
    `hostile_encoded_slash_test: SKIPPED, ${missing} (apt-get install -y python3-flask)`,
  );
}

Deno.test({
  name: "hostile encoded slash: a deny fires on the path an origin reads with %2F as /",
  ignore: missing !== undefined,
  fn: async () => {
    const upstreams = await startTestUpstreams();
    const dir = await Deno.makeTempDir({ prefix: "tollgate-flask-" });
    const flask: FlaskOrigin = await startFlaskOrigin(dir);
    const resolve = [{ host: HOST, port: 80, address: "127.0.0.1", targetPort: flask.port }];
    const proxy = await startTestProxy({ policy: POLICY, upstreams, resolve });
    const get = async (path: string) => {
      const options = { proxyPort: proxy.port, args: ["--path-as-is"], maxTime: 30 };
      return (await curl([`http://${HOST}${path}`], options)).status;
    };
    try {
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
    } finally {
      await proxy.close();
      await flask.close();
      await upstreams.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
