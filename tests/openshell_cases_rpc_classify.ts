/**
 * OpenShell's JSON-RPC classifier, decided: `l7/jsonrpc.rs`
 * (`crates/openshell-supervisor-network/src/`, tests module, at 2f7fb655). OpenShell's tests
 * check what the classifier extracts; here the same body is sent to an endpoint that allows what
 * a well-formed body asks for, so a body OpenShell refuses to classify must be denied and one it
 * reads must be judged by what it reads.
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";

/** Endpoints that allow what a well-formed body or message asks for. */
export const CLASSIFY_POLICY = `version: 1
network_policies:
  calls:
    endpoints:
      - { host: rpc.example, port: 443, path: /rpc, protocol: json-rpc, rules: [{ allow: { method: "*" } }] }
      - host: mcp.example
        port: 443
        path: /mcp
        protocol: mcp
        rules: [{ allow: { method: initialize } }, { allow: { method: tools/call } }, { allow: { method: vendor/extension } }]
      - { host: loose.example, port: 443, path: /mcp, protocol: mcp, mcp: { strict_tool_names: false }, rules: [{ allow: { method: tools/call } }] }
      - host: gql.example
        port: 443
        path: /graphql
        protocol: graphql
        rules: [{ allow: { operation_type: query, fields: [viewer, rateLimit] } }, { allow: { operation_type: mutation, fields: [safeAlias] } }]
      - host: socket.example
        port: 443
        path: /graphql
        protocol: websocket
        rules:
          - allow: { method: GET, path: /graphql }
          - allow: { operation_type: query, fields: [viewer] }
          - allow: { operation_type: subscription, fields: [messageAdded] }
    binaries: [{ path: /usr/bin/curl }]
`;

const J = "jsonrpc.rs";
const call = (method: string, params?: unknown, id: unknown = 1) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params === undefined ? {} : { params }),
});
const post = (host: string, body: unknown, more: Partial<Ask> = {}): Ask => ({
  host,
  port: 443,
  method: "POST",
  path: host === "rpc.example" ? "/rpc" : host === "gql.example" ? "/graphql" : "/mcp",
  body,
  ...more,
});
const yes = (test: string, ask: Ask): DecideCase => ({
  mirrors: test,
  policy: CLASSIFY_POLICY,
  ask,
  expect: "allow",
});
const no = (test: string, ask: Ask): DecideCase => ({
  mirrors: test,
  policy: CLASSIFY_POLICY,
  ask,
  expect: "deny",
});
const result = { jsonrpc: "2.0", id: 1, result: { action: "accept", content: {} } };
const failure = { jsonrpc: "2.0", id: "request-1", error: { code: -32603, message: "failed" } };
const tool = (name: unknown, args: unknown = {}) => call("tools/call", { name, arguments: args });

export const RPC_CLASSIFY: DecideCase[] = [
  yes(`${J} parses_method_from_request_body`, post("rpc.example", call("initialize", {}))),
  no(
    `${J} parses_jsonrpc_response_body_without_method (JSON-RPC: never from a client)`,
    post("rpc.example", result),
  ),
  yes(`${J} parses_jsonrpc_response_body_without_method (MCP)`, post("mcp.example", result)),
  yes(`${J} parses_jsonrpc_error_response_body_without_method (MCP)`, post("mcp.example", failure)),
  ...[
    "{",
    "[]",
    "null",
    JSON.stringify([call("reports.list"), { id: 2, method: "reports.search" }]),
  ].map((body) =>
    no(
      `${J} inspection_error_kinds_distinguish_invalid_json_and_messages (${body.slice(0, 12)})`,
      post("rpc.example", body),
    )
  ),
  yes(
    `${J} ignores_params_when_extracting_method`,
    post("rpc.example", call("reports.search", { query: "q", filters: { scope: "w" } })),
  ),
  yes(
    `${J} ignores_dotted_param_collisions_for_generic_jsonrpc`,
    post(
      "rpc.example",
      call("reports.search", {
        "filters.scope": { value: "literal" },
        filters: { "scope.value": "nested" },
      }),
    ),
  ),
  yes(
    `${J} mcp_mode_validates_known_methods_and_extracts_tool`,
    post("mcp.example", tool("search_web", { query: "x" })),
  ),
  no(
    `${J} mcp_mode_rejects_non_recommended_tool_names_by_default`,
    post("mcp.example", tool("read status")),
  ),
  yes(`${J} mcp_mode_can_disable_strict_tool_names`, post("loose.example", tool("read status"))),
  no(
    `${J} mcp_mode_rejects_invalid_known_method_params`,
    post("mcp.example", call("tools/call", { arguments: { query: "x" } })),
  ),
  yes(
    `${J} mcp_mode_allows_unknown_extension_methods`,
    post("mcp.example", call("vendor/extension", { name: "custom" })),
  ),
  yes(
    `${J} mcp_mode_ignores_tool_arguments_when_extracting_policy_params`,
    post("mcp.example", tool("read_status", { "scope.key": "literal", scope: { key: "nested" } })),
  ),
  yes(
    `${J} accepts_any_valid_jsonrpc_params_shape`,
    post("rpc.example", call("reports.search", ["ignored", { nested: true }])),
  ),
  yes(`${J} recognizes_streamable_http_get_receive_streams (MCP)`, {
    ...post("mcp.example", undefined),
    method: "GET",
    accept: "application/json, text/event-stream",
  }),
  no(`${J} bodyless_get_without_sse_accept_is_not_receive_stream`, {
    ...post("mcp.example", undefined),
    method: "GET",
    accept: "application/json",
  }),
  no(
    `${J} rejects_requests_missing_jsonrpc_version`,
    post("rpc.example", { id: 1, method: "reports.list" }),
  ),
  no(
    `${J} rejects_batch_items_missing_jsonrpc_version`,
    post("rpc.example", [call("reports.list"), { id: 2, method: "reports.search" }]),
  ),
  no(
    `${J} rejects_unsupported_jsonrpc_version`,
    post("rpc.example", { jsonrpc: "1.0", id: 1, method: "reports.list" }),
  ),
  yes(
    `${J} parses_valid_batch_without_error`,
    post("rpc.example", [call("reports.list"), call("reports.search", { q: 1 }, 2)]),
  ),
  yes(
    `${J} preserves_current_mcp_batch_acceptance`,
    post("mcp.example", [tool("read_status"), { ...tool("search_web"), id: 2 }]),
  ),
  no(
    `${J} parses_batch_with_calls_and_responses (JSON-RPC)`,
    post("rpc.example", [call("reports.list"), { jsonrpc: "2.0", id: 2, result: {} }]),
  ),
  no(
    `${J} rejects_invalid_jsonrpc_response_body`,
    post("mcp.example", { ...failure, id: 1, result: {} }),
  ),
  no(
    `${J} rejects_message_with_method_and_result_or_error (result)`,
    post("rpc.example", { ...call("initialize"), result: {} }),
  ),
  no(
    `${J} rejects_message_with_method_and_result_or_error (error)`,
    post("rpc.example", { ...call("initialize"), error: failure.error }),
  ),
  no(
    `${J} rejects_batch_item_with_method_and_result`,
    post("rpc.example", [call("reports.list"), {
      ...call("initialize", undefined, 2),
      result: {},
    }]),
  ),
];
