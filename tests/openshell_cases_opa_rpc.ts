/**
 * OpenShell `crates/openshell-supervisor-network/src/opa.rs` (tests module, at 2f7fb655):
 * JSON-RPC and MCP requests. OpenShell's tests hand its Rego the classified request; here the
 * request is sent as its body and classified as the proxy classifies it (see
 * `openshell_cases.ts`).
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";

const F = "opa.rs";

/** opa.rs's JSON-RPC and MCP fixtures, one endpoint each (port 8000). */
const RPC = `version: 1
network_policies:
  rpc_initialize:
    endpoints:
      - { host: rpc.example, port: 8000, path: /rpc, protocol: json-rpc, rules: [{ allow: { method: initialize } }], deny_rules: [{ method: reports.archive }] }
      - { host: search.example, port: 8000, path: /rpc, protocol: json-rpc, rules: [{ allow: { method: reports.search } }], deny_rules: [{ method: reports.archive }] }
      - { host: any.example, port: 8000, path: /rpc, protocol: json-rpc, rules: [{ allow: { method: "*" } }] }
      - { host: list.example, port: 8000, path: /rpc, protocol: json-rpc, rules: [{ allow: { method: reports.list } }] }
    binaries: [{ path: /usr/bin/curl }]
  mcp_tools:
    endpoints:
      - host: mcp.example
        port: 8000
        path: /mcp
        protocol: mcp
        mcp: { max_body_bytes: 131072 }
        rules: [{ allow: { method: tools/call, tool: { any: [read_status, "submit_*"] } } }]
        deny_rules: [{ method: tools/call, tool: blocked_action }]
      - { host: stream.example, port: 8000, path: /mcp, protocol: mcp, rules: [{ allow: { method: initialize } }] }
      - { host: every.example, port: 8000, path: /mcp, protocol: mcp, mcp: { allow_all_known_mcp_methods: true } }
      - { host: one-tool.example, port: 8000, path: /mcp, protocol: mcp, rules: [{ allow: { method: tools/call, tool: read_status } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

const call = (id: number, method: string, params?: unknown) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params === undefined ? {} : { params }),
});
const answer = { jsonrpc: "2.0", id: 1, result: {} };
const rpc = (host: string, body: unknown, more: Partial<Ask> = {}): Ask => ({
  host,
  port: 8000,
  method: "POST",
  path: host.includes("rpc") || host.endsWith("search.example") || host.startsWith("any") ||
      host.startsWith("list")
    ? "/rpc"
    : "/mcp",
  body,
  ...more,
});
const tool = (name: unknown, args: unknown = {}) =>
  call(1, "tools/call", { name, arguments: args });
const yes = (test: string, policy: string, ask: Ask): DecideCase => ({
  mirrors: `${F} ${test}`,
  policy,
  ask,
  expect: "allow",
});
const no = (test: string, policy: string, ask: Ask, reason?: RegExp): DecideCase => ({
  mirrors: `${F} ${test}`,
  policy,
  ask,
  expect: "deny",
  ...(reason ? { reason } : {}),
});

export const OPA_RPC: DecideCase[] = [
  yes("l7_method_from_proto_is_enforced (allowed)", RPC, rpc("rpc.example", call(1, "initialize"))),
  no(
    "l7_method_from_proto_is_enforced (unlisted)",
    RPC,
    rpc("rpc.example", call(1, "reports.list")),
  ),
  yes(
    "l7_mcp_tool_params_from_proto_are_enforced (allowed)",
    RPC,
    rpc("mcp.example", tool("read_status")),
  ),
  no(
    "l7_mcp_tool_params_from_proto_are_enforced (blocked)",
    RPC,
    rpc("mcp.example", tool("blocked_action")),
  ),
  no("l7_jsonrpc_receive_stream_get_is_denied_for_matching_endpoint", RPC, {
    ...rpc("rpc.example", undefined, { method: "GET", accept: "text/event-stream" }),
  }),
  no("l7_jsonrpc_receive_stream_get_is_denied_for_matching_endpoint (other path)", RPC, {
    ...rpc("rpc.example", undefined, {
      method: "GET",
      path: "/other",
      accept: "text/event-stream",
    }),
  }),
  no("l7_jsonrpc_receive_stream_get_is_denied_for_matching_endpoint (no stream)", RPC, {
    ...rpc("rpc.example", undefined, { method: "GET" }),
  }),
  yes("l7_mcp_receive_stream_get_is_allowed_for_matching_endpoint", RPC, {
    ...rpc("stream.example", undefined, { method: "GET", accept: "text/event-stream" }),
  }),
  no("l7_mcp_receive_stream_get_is_allowed_for_matching_endpoint (other path)", RPC, {
    ...rpc("stream.example", undefined, {
      method: "GET",
      path: "/other",
      accept: "text/event-stream",
    }),
  }),
  no("l7_jsonrpc_response_post_is_denied_for_matching_endpoint", RPC, rpc("rpc.example", answer)),
  no(
    "l7_jsonrpc_response_post_is_denied_for_matching_endpoint (mixed)",
    RPC,
    rpc("rpc.example", [call(1, "initialize"), { ...answer, id: 2 }]),
  ),
  no(
    "l7_jsonrpc_response_post_is_denied_for_matching_endpoint (other path)",
    RPC,
    rpc("rpc.example", answer, { path: "/other" }),
  ),
  yes("l7_mcp_response_post_is_allowed_for_matching_endpoint", RPC, rpc("stream.example", answer)),
  no(
    "l7_mcp_response_post_is_allowed_for_matching_endpoint (other path)",
    RPC,
    rpc("stream.example", answer, { path: "/other" }),
  ),
  no("l7_jsonrpc_unlisted_method_is_denied", RPC, rpc("rpc.example", call(1, "reports.progress"))),
  yes("l7_method_rules_require_post (POST)", RPC, rpc("rpc.example", call(1, "initialize"))),
  no(
    "l7_method_rules_require_post (PUT)",
    RPC,
    rpc("rpc.example", call(1, "initialize"), { method: "PUT" }),
  ),
  no(
    "l7_method_rules_require_post (GET)",
    RPC,
    rpc("rpc.example", call(1, "initialize"), { method: "GET" }),
  ),
  ...[{ query: "quarterly" }, { query: "quarterly", "filters.scope": "workspace/main" }, {
    query: "blocked",
  }, {
    query: "blocked",
    "filters.reason": "test",
  }].map((params, i) =>
    yes(
      `l7_jsonrpc_request_params_do_not_affect_method_policy (#${i + 1})`,
      RPC,
      rpc("search.example", call(1, "reports.search", params)),
    )
  ),
  yes(
    "l7_jsonrpc_allow_all_still_allows_any_method (initialize)",
    RPC,
    rpc("any.example", call(1, "initialize")),
  ),
  yes(
    "l7_jsonrpc_allow_all_still_allows_any_method (archive)",
    RPC,
    rpc("any.example", call(1, "reports.archive")),
  ),
  yes(
    "l7_mcp_rules_filter_tools_call (read_status)",
    RPC,
    rpc("mcp.example", tool("read_status", { scope: "workspace/main" })),
  ),
  yes(
    "l7_mcp_rules_filter_tools_call (other arguments)",
    RPC,
    rpc("mcp.example", tool("read_status", { scope: "workspace/other" })),
  ),
  yes(
    "l7_mcp_rules_filter_tools_call (submit_report)",
    RPC,
    rpc("mcp.example", tool("submit_report")),
  ),
  no(
    "l7_mcp_rules_filter_tools_call (blocked_action)",
    RPC,
    rpc("mcp.example", tool("blocked_action")),
  ),
  no("l7_mcp_rules_filter_tools_call (tools/list)", RPC, rpc("mcp.example", call(1, "tools/list"))),
  yes(
    "l7_mcp_method_profile_allows_all_tools (tools/call)",
    RPC,
    rpc("every.example", tool("any_tool", { scope: "x" })),
  ),
  yes(
    "l7_mcp_method_profile_allows_all_tools (tools/list)",
    RPC,
    rpc("every.example", call(1, "tools/list")),
  ),
  no("l7_jsonrpc_null_metadata_non_matches_without_opa_error", RPC, rpc("list.example", undefined)),
  no(
    "l7_mcp_null_params_non_matches_without_opa_error",
    RPC,
    rpc("one-tool.example", call(1, "tools/call", null)),
  ),
];
