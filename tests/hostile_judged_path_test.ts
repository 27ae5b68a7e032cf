/**
 * A GraphQL or MCP endpoint's `path` against an origin whose router ignores letter case and a
 * trailing slash (Express by default): beside a REST grant on the same host, `POST /mcp/` and
 * `POST /MCP` were judged by the REST rules alone, and a real Express app ran its `/mcp` route
 * for a `tools/call` the MCP rules deny (and its `/graphql` route for a mutation the GraphQL
 * rules deny). Such a request is now judged by the body's rules too, and by the REST rules a
 * stricter origin would apply, so both must allow it.
 */
import assert from "node:assert/strict";
import { expressAt, expressMissing } from "./express_origin.ts";
import { skipWhenMissing, withOrigins } from "./support/mod.ts";

const HOST = "app.example.com";
const POLICY = `version: 1
network_policies:
  app:
    endpoints:
      - { host: ${HOST}, port: 80, protocol: rest, access: read-write }
      - host: ${HOST}
        port: 80
        path: /mcp
        protocol: mcp
        rules:
          - allow: { method: tools/call, tool: search_docs }
      - host: ${HOST}
        port: 80
        path: /graphql
        protocol: graphql
        rules:
          - allow: { operation_type: query }
`;
const ignore = await skipWhenMissing(import.meta.url, expressMissing());
const SETUP = { policy: POLICY, prefix: "tollgate-express-", ...expressAt(HOST) };

const call = (tool: string) =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool } });
const graphql = (query: string) => JSON.stringify({ query });

Deno.test({
  name:
    "hostile judged path: an MCP or GraphQL path read as an origin routes it is judged by its rules",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { express }, curl }) => {
      const post = async (path: string, body: string) => {
        const json = ["-H", "Content-Type: application/json", "--data-raw", body];
        return (await curl(`http://${HOST}${path}`, ["--path-as-is", ...json])).status;
      };
      const denied: [string, string][] = [
        ["/mcp", call("wipe")],
        ["/mcp/", call("wipe")],
        ["/MCP", call("wipe")],
        ["/Mcp;x/", call("wipe")],
        ["/graphql/", graphql("mutation { wipe }")],
        ["/GraphQL", graphql("mutation { wipe }")],
      ];
      for (const [path, body] of denied) assert.equal(await post(path, body), 403, path);
      assert.deepEqual(await express.seen(), [], "Express ran a call the body's rules deny");
      // What the body's rules and the REST grant both allow still passes, however spelled.
      assert.equal(await post("/mcp/", call("search_docs")), 200);
      assert.equal(await post("/GRAPHQL", graphql("{ viewer }")), 200);
      assert.equal(await post("/items/1", '{"a":1}'), 200);
      assert.deepEqual(await express.seen(), [
        "POST /mcp /mcp/ search_docs",
        "POST /graphql /GRAPHQL { viewer }",
        "POST - /items/1",
      ]);
    }),
});
