/**
 * JSON keys a server reads without letter case: Go's `encoding/json` (Go JSON-RPC servers,
 * gqlgen) matches `"METHOD"` and `"QUERY"` to its `method` and `query` fields, and of two keys
 * naming one field runs the last. A JSON-RPC body `{"method":"reports.list",
 * "METHOD":"admin.delete"}` passed an allow on `reports.list` and a real Go origin ran
 * `admin.delete`; a GraphQL body with `"query"` and `"QUERY"` ran the mutation past an allow of
 * `query { viewer }`. A body naming a key twice in any letter case is now refused, as one
 * naming it twice exactly was.
 */
import assert from "node:assert/strict";
import { goMissing, startGoJsonOrigin } from "./go_json_origin.ts";
import type { ScriptOrigin } from "./support/script_origin.ts";
import { skipWhenMissing, withOrigins, type WithOriginsOptions } from "./support/mod.ts";

const HOST = "api.example.com";
const POLICY = `version: 1
network_policies:
  rpc:
    endpoints:
      - host: ${HOST}
        port: 80
        path: /rpc
        protocol: json-rpc
        rules:
          - allow: { method: reports.list }
      - host: ${HOST}
        port: 80
        path: /graphql
        protocol: graphql
        rules:
          - allow: { operation_type: query, fields: [viewer] }
`;

const RPC = (extra: string) => `{"jsonrpc":"2.0","id":1,"method":"reports.list",${extra}}`;
const ATTACKS: [string, string][] = [
  ["/rpc", RPC('"METHOD":"admin.delete"')],
  ["/rpc", RPC('"Method":"admin.delete"')],
  ["/graphql", '{"query":"{ viewer { login } }","QUERY":"mutation { deleteRepository(id: 1) }"}'],
  ["/graphql", '{"query":"{ viewer { login } }","Query":"mutation { deleteRepository(id: 1) }"}'],
];

const SETUP: WithOriginsOptions<{ go: ScriptOrigin }> = {
  policy: POLICY,
  prefix: "tollgate-go-",
  start: async (dir) => ({ go: await startGoJsonOrigin(dir) }),
  routes: ({ go }) => [[HOST, 80, go]],
  maxTime: 10,
};

const ignore = await skipWhenMissing(import.meta.url, goMissing());

Deno.test({
  name: "hostile json keys: a key written twice in another letter case never reaches Go",
  ignore,
  fn: () =>
    withOrigins(SETUP, async ({ origins: { go }, curl }) => {
      const post = async (path: string, body: string) => {
        const args = ["-H", "Content-Type: application/json", "-d", body];
        return (await curl(`http://${HOST}${path}`, args)).status;
      };
      for (const [path, body] of ATTACKS) assert.equal(await post(path, body), 403, body);
      assert.deepEqual(await go.seen(), [], "Go ran a call the policy does not allow");
      assert.equal(await post("/rpc", RPC('"params":{"Limit":1,"limit":2}')), 403);
      // One spelling of each key still passes.
      assert.equal(await post("/rpc", RPC('"params":{"limit":1}')), 200);
      assert.equal(await post("/graphql", '{"query":"{ viewer { login } }"}'), 200);
      assert.deepEqual(await go.seen(), ["method reports.list", "query { viewer { login } }"]);
    }),
});
