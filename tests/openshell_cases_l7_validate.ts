/**
 * OpenShell `crates/openshell-supervisor-network/src/l7/mod.rs` (tests module, at 2f7fb655):
 * which endpoint shapes its L7 validator accepts, warns about or refuses, re-expressed as
 * Tollgate policy documents (see `openshell_cases.ts`).
 *
 * @module
 */

import type { LoadCase } from "./openshell_cases.ts";

const F = "l7/mod.rs";

/** A policy of one rule with one endpoint, written as a YAML flow mapping. */
const one = (endpoint: string) =>
  `version: 1\nnetwork_policies:\n  test:\n    endpoints:\n      - ${endpoint}\n    binaries: [{ path: /usr/bin/curl }]\n`;

const loads = (test: string, endpoint: string, more: Partial<LoadCase> = {}): LoadCase => ({
  mirrors: `${F} ${test}`,
  policy: one(endpoint),
  expect: "load",
  ...more,
});
const refused = (test: string, endpoint: string, message?: RegExp): LoadCase => ({
  mirrors: `${F} ${test}`,
  policy: one(endpoint),
  expect: "refuse",
  ...(message ? { message } : {}),
});

const MCP = "host: mcp.example.com, port: 443, path: /mcp, protocol: mcp";
const RPC = "host: rpc.example.com, port: 443, path: /rpc, protocol: json-rpc";
const WS = "host: ws.example.com, port: 443, protocol: websocket";
const REST = "host: api.example.com, port: 443, protocol: rest";
const Q = (query: string) =>
  `{ host: api.example.com, port: 8080, protocol: rest, rules: [{ allow: { method: GET, path: /download, query: ${query} } }] }`;

export const L7_VALIDATE: LoadCase[] = [
  {
    ...refused(
      "validate_websocket_credential_rewrite_warns_unless_rest_or_websocket",
      "{ host: gw.example.com, port: 443, websocket_credential_rewrite: true }",
      /not supported by Tollgate/,
    ),
    differs: "credential-rewriting",
  },
  refused(
    "validate_explicit_tcp_rejects_additional_l7_field_families",
    "{ host: db.example.com, port: 5432, protocol: tcp, enforcement: enforce, path: /query, allow_encoded_slash: true }",
  ),
  {
    ...refused(
      "validate_request_body_credential_rewrite_warns_unless_rest",
      `{ ${WS}, access: read-write, request_body_credential_rewrite: true }`,
      /not supported by Tollgate/,
    ),
    differs: "credential-rewriting",
  },
  loads(
    "validate_websocket_accepts_graphql_operation_rules",
    `{ ${WS}, rules: [{ allow: { method: GET, path: /graphql } }, { allow: { operation_type: subscription, fields: [messageAdded] } }] }`,
    { quiet: true },
  ),
  refused(
    "validate_websocket_graphql_rule_requires_operation_type",
    `{ ${WS}, rules: [{ allow: { method: GET, path: /graphql } }, { allow: { fields: [messageAdded] } }] }`,
    /operation_type/,
  ),
  refused(
    "validate_websocket_graphql_rule_rejects_mixed_transport_fields",
    `{ ${WS}, rules: [{ allow: { method: GET, path: /graphql } }, { allow: { method: WEBSOCKET_TEXT, path: /graphql, operation_type: subscription } }] }`,
  ),
  refused(
    "validate_websocket_graphql_policy_rejects_raw_text_message_rule",
    `{ ${WS}, rules: [{ allow: { method: GET, path: /graphql } }, { allow: { method: WEBSOCKET_TEXT, path: /graphql } }, { allow: { operation_type: query } }] }`,
    /WEBSOCKET_TEXT/,
  ),
  refused(
    "validate_rules_and_access_mutual_exclusion",
    `{ ${REST}, access: read-only, rules: [{ allow: { method: GET, path: "**" } }] }`,
  ),
  refused("validate_jsonrpc_rejects_access_presets", `{ ${RPC}, access: full }`),
  refused(
    "validate_jsonrpc_requires_method_rules",
    `{ ${RPC}, rules: [{ allow: { path: /rpc } }] }`,
  ),
  refused(
    "validate_mcp_tool_selectors_use_endpoint_method_profile_and_reject_arguments (arguments)",
    `{ ${MCP}, mcp: { allow_all_known_mcp_methods: true }, rules: [{ allow: { method: tools/call, tool: submit_report, params: { arguments: { scope: workspace/main } } } }] }`,
  ),
  loads(
    "validate_mcp_tool_selectors_use_endpoint_method_profile_and_reject_arguments (the rest)",
    `{ ${MCP}, mcp: { allow_all_known_mcp_methods: true }, rules: [{ allow: { tool: { any: [read_status, "submit_*"] } } }, { allow: { method: initialize } }, { allow: { method: tools/call, tool: list_reports } }], deny_rules: [{ tool: "delete_*" }] }`,
  ),
  refused(
    "validate_mcp_tool_selectors_require_method_by_default",
    `{ ${MCP}, rules: [{ allow: { tool: read_status } }], deny_rules: [{ tool: "delete_*" }] }`,
  ),
  refused(
    "validate_mcp_wildcard_tool_requires_strict_tool_names (tool)",
    `{ ${MCP}, mcp: { strict_tool_names: false }, rules: [{ allow: { method: tools/call, tool: "read_*" } }] }`,
  ),
  refused(
    "validate_mcp_wildcard_tool_requires_strict_tool_names (params.name)",
    `{ ${MCP}, mcp: { strict_tool_names: false }, rules: [{ allow: { method: tools/call, params: { name: { any: [safe_tool, "list_*"] } } } }] }`,
  ),
  refused("validate_mcp_protocol_requires_endpoint_target", "{ protocol: mcp }"),
  refused(
    "validate_mcp_broad_tools_call_deny_rejects_tool_allow_rules",
    `{ ${MCP}, rules: [{ allow: { method: tools/call, tool: read_status } }], deny_rules: [{ method: tools/call }] }`,
  ),
  refused(
    "validate_mcp_broad_tools_call_allow_rejects_tool_allow_rules",
    `{ ${MCP}, rules: [{ allow: { method: "tools/*" } }, { allow: { method: tools/call, tool: read_status } }] }`,
  ),
  refused(
    "validate_mcp_empty_allow_with_allow_all_conflicts_with_tool_rules",
    `{ ${MCP}, mcp: { allow_all_known_mcp_methods: true }, rules: [{ allow: { params: { name: { glob: "read_*" } } } }, { allow: {} }] }`,
  ),
  refused(
    "validate_jsonrpc_rejects_params_matchers",
    `{ ${RPC}, rules: [{ allow: { method: reports.search, params: { query: quarterly } } }] }`,
  ),
  refused("validate_mcp_requires_rules_by_default", `{ ${MCP} }`),
  refused(
    "validate_jsonrpc_deny_rules_require_method",
    `{ ${RPC}, rules: [{ allow: { method: "*" } }], deny_rules: [{ params: { name: delete_resource } }] }`,
  ),
  loads(
    "validate_jsonrpc_method_rejects_globs_except_allow_all (*)",
    `{ ${RPC}, rules: [{ allow: { method: "*" } }] }`,
  ),
  refused(
    "validate_jsonrpc_method_rejects_globs_except_allow_all (reports.*)",
    `{ ${RPC}, rules: [{ allow: { method: "reports.*" } }] }`,
  ),
  refused(
    "validate_jsonrpc_method_rejects_globs_except_allow_all (deny braces)",
    `{ ${RPC}, rules: [{ allow: { method: "*" } }], deny_rules: [{ method: "reports/{archive,delete}" }] }`,
  ),
  refused("validate_protocol_requires_rules_or_access", `{ ${REST} }`),
  refused(
    "validate_sql_enforce_blocked",
    "{ host: db.internal, port: 5432, protocol: sql, enforcement: enforce, rules: [{ allow: { command: SELECT } }] }",
  ),
  loads("validate_tls_terminate_deprecated_warning", `{ ${REST}, tls: terminate, access: full }`, {
    message: /deprecated/,
  }),
  loads("validate_tls_skip_with_l7_on_443_warns", `{ ${REST}, tls: skip, access: read-only }`, {
    message: /tls: skip/,
  }),
  loads("validate_port_443_rest_no_tls_no_warning", `{ ${REST}, access: read-only }`, {
    quiet: true,
  }),
  loads(
    "expand_unsupported_access_preset_warns_and_leaves_rules_unexpanded",
    "{ host: svc.example.com, port: 80, protocol: rest, access: allow }",
    { message: /allow/ },
  ),
  refused(
    "validate_graphql_rule_requires_operation_type",
    "{ host: api.example.com, port: 443, protocol: graphql, rules: [{ allow: { fields: [viewer] } }] }",
    /operation_type/,
  ),
  refused(
    "validate_graphql_persisted_query_mode",
    "{ host: api.example.com, port: 443, protocol: graphql, access: full, persisted_queries: allow_all }",
    /persisted_queries/,
  ),
  refused("validate_query_any_requires_non_empty_array", Q("{ tag: { any: [] } }")),
  refused("validate_query_object_rejects_unknown_keys", Q(`{ tag: { mode: "foo-*" } }`)),
  {
    ...refused("validate_query_glob_warns_on_unclosed_bracket", Q(`{ tag: "[unclosed" }`)),
    differs: "glob-syntax",
  },
  {
    ...refused(
      "validate_query_glob_warns_on_unclosed_brace",
      Q(`{ format: { glob: "{json,xml" } }`),
    ),
    differs: "glob-syntax",
  },
  {
    ...refused(
      "validate_query_any_warns_on_malformed_glob_item",
      Q(`{ tag: { any: ["valid-*", "[bad"] } }`),
    ),
    differs: "glob-syntax",
  },
  loads(
    "validate_query_string_and_any_matchers_are_accepted",
    Q(`{ slug: "my-*", tag: { any: ["foo-*", "bar-*"] }, owner: { glob: "org-*" } }`),
  ),
  refused(
    "validate_jsonrpc_nested_params_matchers_are_rejected",
    `{ host: rpc.example.com, port: 443, protocol: json-rpc, rules: [{ allow: { method: reports.search, params: { filters: { scope: workspace/main } } } }] }`,
  ),
  refused(
    "validate_deny_rules_require_protocol",
    "{ host: api.example.com, port: 443, deny_rules: [{ method: POST, path: /admin }] }",
  ),
  refused(
    "validate_deny_rules_require_allow_base",
    `{ ${REST}, deny_rules: [{ method: POST, path: /admin }] }`,
  ),
  refused("validate_rules_empty_list_rejected", `{ ${REST}, access: full, rules: [] }`),
  refused(
    "validate_rules_deny_all_with_empty_allow_object",
    `{ ${REST}, rules: [{ allow: { method: "", path: "" } }] }`,
  ),
  loads(
    "validate_mcp_params_selector_not_classified_as_deny_all",
    `{ ${MCP}, mcp: { allow_all_known_mcp_methods: true }, rules: [{ allow: { params: { name: { glob: "read_*" } } } }] }`,
  ),
  loads(
    "validate_mcp_tool_selector_not_classified_as_deny_all",
    `{ ${MCP}, mcp: { allow_all_known_mcp_methods: true }, rules: [{ allow: { tool: my-tool } }] }`,
  ),
  loads(
    "validate_mcp_allow_all_with_empty_allow_not_denied",
    `{ ${MCP}, mcp: { allow_all_known_mcp_methods: true }, rules: [{ allow: {} }] }`,
  ),
  refused("validate_deny_rules_empty_list_rejected", `{ ${REST}, access: full, deny_rules: [] }`),
  loads(
    "validate_deny_rules_valid_config_accepted",
    `{ ${REST}, access: read-write, deny_rules: [{ method: POST, path: "/repos/*/pulls/*/reviews" }, { method: PUT, path: "/repos/*/branches/*/protection" }] }`,
  ),
  refused(
    "validate_deny_rules_query_empty_any_rejected",
    `{ ${REST}, access: full, deny_rules: [{ method: POST, path: /admin, query: { type: { any: [] } } }] }`,
  ),
  refused(
    "validate_deny_rules_query_non_string_rejected",
    `{ ${REST}, access: full, deny_rules: [{ method: POST, path: /admin, query: { force: 123 } }] }`,
  ),
  loads(
    "validate_deny_rules_query_valid_matchers_accepted",
    `{ ${REST}, access: full, deny_rules: [{ method: POST, path: "/admin/**", query: { force: "true", type: { any: ["admin-*", "root-*"] }, scope: { glob: "org-*" } } }] }`,
  ),
];
