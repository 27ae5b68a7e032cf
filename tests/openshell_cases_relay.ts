/**
 * OpenShell `crates/openshell-supervisor-network/src/l7/relay.rs` (tests module, at 2f7fb655):
 * the decisions its relay tests pin, re-expressed as Tollgate cases (see `openshell_cases.ts`).
 * Its middleware, credential-injection and token-grant tests have no counterpart.
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";

const F = "relay.rs";

const POLICY = `version: 1
network_policies:
  relay:
    endpoints:
      - { host: audit.example, port: 443, protocol: rest, enforcement: audit, rules: [{ allow: { method: GET, path: /allowed } }] }
      - { host: socket.example, port: 443, protocol: websocket, rules: [{ allow: { method: GET, path: /ws } }] }
      - { host: rpc-audit.example, port: 443, path: /rpc, protocol: json-rpc, enforcement: audit, rules: [{ allow: { method: initialize } }] }
      - host: rpc.example
        port: 443
        protocol: json-rpc
        rules: [{ allow: { method: reports.list } }, { allow: { method: reports.search } }]
        deny_rules: [{ method: reports.delete }]
      - host: mcp.example
        port: 443
        path: /mcp
        protocol: mcp
        rules: [{ allow: { method: initialize } }, { allow: { method: tools/list } }, { allow: { method: tools/call, tool: read_status } }]
        deny_rules: [{ method: tools/call, tool: delete_resource }]
      - { host: gateway.example, port: 443, path: "/repos/**", protocol: rest, allow_encoded_slash: true, rules: [{ allow: { method: GET, path: "/repos/**" } }] }
      - { host: gateway.example, port: 443, path: "/admin/**", protocol: rest, rules: [{ allow: { method: GET, path: "/admin/**" } }] }
      - { host: "2001:db8::1", port: 8443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/node }]
`;

const at = (host: string, method: string, path: string, more: Partial<Ask> = {}): Ask => ({
  host,
  port: 443,
  exe: "/usr/bin/node",
  method,
  path,
  ...more,
});
const call = (id: number, method: string, params?: unknown) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params === undefined ? {} : { params }),
});
const yes = (test: string, ask: Ask): DecideCase => ({
  mirrors: `${F} ${test}`,
  policy: POLICY,
  ask,
  expect: "allow",
});
const no = (test: string, ask: Ask, reason?: RegExp): DecideCase => ({
  mirrors: `${F} ${test}`,
  policy: POLICY,
  ask,
  expect: "deny",
  ...(reason ? { reason } : {}),
});

export const RELAY: DecideCase[] = [
  yes(
    "audit_endpoint_forwards_policy_denied_request_through_healthy_chain",
    at("audit.example", "GET", "/other"),
  ),
  no(
    "websocket_text_policy_requires_explicit_message_rule",
    at("socket.example", "GET", "/ws", { message: "hello" }),
    /WEBSOCKET_TEXT \/ws not permitted/,
  ),
  yes(
    "websocket_text_policy_requires_explicit_message_rule (the upgrade)",
    at("socket.example", "GET", "/ws"),
  ),
  no(
    "route_selected_jsonrpc_response_frame_hard_denies_under_audit",
    at("rpc-audit.example", "POST", "/rpc", {
      body: { jsonrpc: "2.0", id: 7, result: { ok: true } },
    }),
    /response frames/,
  ),
  yes(
    "jsonrpc_batch_evaluates_each_call (allowed)",
    at("rpc.example", "POST", "/", {
      body: [call(1, "reports.list"), call(2, "reports.search", { query: "q" })],
    }),
  ),
  no(
    "jsonrpc_batch_evaluates_each_call (a response in the batch)",
    at("rpc.example", "POST", "/", {
      body: [call(1, "reports.list"), { jsonrpc: "2.0", id: 2, result: {} }],
    }),
    /response frames/,
  ),
  no(
    "jsonrpc_batch_evaluates_each_call (a denied call in the batch)",
    at("rpc.example", "POST", "/", { body: [call(1, "reports.list"), call(2, "reports.delete")] }),
  ),
  yes(
    "jsonrpc_relay_forwards_allowed_method",
    at("rpc.example", "POST", "/", { body: call(1, "reports.list") }),
  ),
  no(
    "jsonrpc_relay_denies_method_not_in_allow_list",
    at("rpc.example", "POST", "/", { body: call(1, "reports.export") }),
  ),
  yes(
    "mcp_tool_deny_rule_blocks_tools_call (allowed tool)",
    at("mcp.example", "POST", "/mcp", {
      body: call(1, "tools/call", { name: "read_status", arguments: {} }),
    }),
  ),
  no(
    "mcp_tool_deny_rule_blocks_tools_call (denied tool)",
    at("mcp.example", "POST", "/mcp", {
      body: call(1, "tools/call", { name: "delete_resource", arguments: {} }),
    }),
  ),
  yes(
    "mcp_relay_forwards_jsonrpc_response_frame",
    at("mcp.example", "POST", "/mcp", { body: { jsonrpc: "2.0", id: 1, result: {} } }),
  ),
  no(
    "route_selected_encoded_slash_optin_does_not_leak_to_other_endpoints",
    at("gateway.example", "GET", "/admin/x%2Fy"),
  ),
  yes(
    "route_selected_encoded_slash_still_allowed_on_opted_in_endpoint",
    at("gateway.example", "GET", "/repos/group%2Fproject"),
  ),
  yes(
    "bracketed_ipv6_host_matches_bracket_free_connect_endpoint",
    { ...at("2001:db8::1", "GET", "/v1"), port: 8443 },
  ),
];
