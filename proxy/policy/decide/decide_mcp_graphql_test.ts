/**
 * decide() where a GraphQL and an MCP endpoint share a host and path: a body can be both a
 * GraphQL query and a JSON-RPC call, and each kind must allow it. Before, the GraphQL endpoint
 * alone decided ("authoritative for its path"), so a body that was both `query{viewer}` and a
 * `tools/call` of a tool the MCP endpoint denies was allowed.
 */
import assert from "node:assert/strict";
import { classifyGraphqlRequest, classifyMcpRequest, decide, loadPolicyText } from "../mod.ts";
import type { RequestFacts } from "../mod.ts";

const POLICY = `version: 1
network_policies:
  tools:
    endpoints:
      - host: api.test
        port: 443
        path: /rpc
        protocol: mcp
        rules: [{ allow: { method: tools/call, tool: read_status } }]
        deny_rules: [{ method: tools/call, tool: delete_repo }]
    binaries: [{ path: /usr/bin/curl }]
  gql:
    endpoints:
      - host: api.test
        port: 443
        path: /rpc
        protocol: graphql
        rules: [{ allow: { operation_type: query, fields: [viewer] } }]
    binaries: [{ path: /usr/bin/curl }]
`;

const { compiled } = loadPolicyText(POLICY, "both.yaml");

function ask(body: Record<string, unknown>) {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const facts: RequestFacts = {
    host: "api.test",
    port: 443,
    identity: { exe: "/usr/bin/curl", ancestors: [] },
    method: "POST",
    path: "/rpc",
    graphql: classifyGraphqlRequest({ method: "POST", body: bytes }),
    mcp: classifyMcpRequest({ method: "POST", body: bytes }),
  };
  return decide(compiled, facts);
}

const rpc = (tool: string) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: tool },
});

Deno.test("decide: a body both GraphQL and MCP is judged by both endpoints on its path", () => {
  const both = ask({ query: "query { viewer }", ...rpc("delete_repo") });
  assert.equal(both.verdict, "deny");
  assert.match(both.reason, /delete_repo/);
  // Each kind still denies what it alone would.
  assert.equal(ask({ query: "mutation { drop }", ...rpc("read_status") }).verdict, "deny");
  // Allowed by both: allowed.
  assert.equal(ask({ query: "query { viewer }", ...rpc("read_status") }).verdict, "allow");
});
