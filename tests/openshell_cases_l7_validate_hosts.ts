/**
 * OpenShell's MCP option, host-wildcard and port checks of `crates/openshell-supervisor-network/src/l7/mod.rs`
 * and the endpoint checks of `crates/openshell-policy/src/l7_validate.rs` (tests modules, at
 * 2f7fb655), re-expressed as Tollgate policy documents (see `openshell_cases.ts`).
 *
 * @module
 */

import type { LoadCase } from "./openshell_cases.ts";

const F = "l7/mod.rs";
const V = "l7_validate.rs";

const one = (endpoint: string) =>
  `version: 1\nnetwork_policies:\n  test:\n    endpoints:\n      - ${endpoint}\n    binaries: [{ path: /usr/bin/curl }]\n`;

const loads = (test: string, endpoint: string, more: Partial<LoadCase> = {}): LoadCase => ({
  mirrors: test.startsWith(V) ? test : `${F} ${test}`,
  policy: one(endpoint),
  expect: "load",
  ...more,
});
const refused = (test: string, endpoint: string, message?: RegExp): LoadCase => ({
  mirrors: test.startsWith(V) ? test : `${F} ${test}`,
  policy: one(endpoint),
  expect: "refuse",
  ...(message ? { message } : {}),
});

const MCP = "host: mcp.example.com, port: 443, path: /mcp, protocol: mcp";
const REST = "host: api.example.com, port: 443, protocol: rest";

export const L7_VALIDATE_HOSTS: LoadCase[] = [
  loads(
    "validate_mcp_method_globs_are_tools_family_only (a literal extension method)",
    `{ ${MCP}, rules: [{ allow: { method: vendor/extension } }] }`,
  ),
  refused(
    "validate_mcp_method_globs_are_tools_family_only (vendor/*)",
    `{ ${MCP}, rules: [{ allow: { method: "vendor/*" } }] }`,
  ),
  refused(
    "validate_mcp_method_globs_are_tools_family_only (*)",
    `{ ${MCP}, rules: [{ allow: { method: "*" } }] }`,
  ),
  loads(
    "validate_mcp_method_globs_are_tools_family_only (tools/*)",
    `{ ${MCP}, rules: [{ allow: { method: "tools/*" } }] }`,
  ),
  refused(
    "validate_mcp_strict_tool_names_is_mcp_only",
    `{ ${REST}, access: full, mcp: { strict_tool_names: false } }`,
  ),
  loads(
    "validate_mcp_strict_tool_names_is_mcp_only (on mcp)",
    `{ ${MCP}, mcp: { strict_tool_names: false }, rules: [{ allow: { method: tools/call } }] }`,
  ),
  refused(
    "validate_mcp_options_require_bool",
    `{ ${MCP}, mcp: { strict_tool_names: "false" }, rules: [{ allow: { method: tools/call } }] }`,
  ),
  refused("validate_wildcard_host_star_only_error", `{ host: "*", port: 443 }`),
  refused("validate_wildcard_host_double_star_only_error", `{ host: "**", port: 443 }`),
  loads(
    "validate_wildcard_host_middle_label_star_valid_no_error",
    `{ host: "*.s3.*.amazonaws.com", port: 443 }`,
    {
      quiet: true,
    },
  ),
  refused(
    "validate_wildcard_host_middle_label_partial_star_error",
    `{ host: "*.s3.us-*.amazonaws.com", port: 443 }`,
  ),
  refused(
    "validate_wildcard_host_middle_label_double_star_error",
    `{ host: "*.s3.**.amazonaws.com", port: 443 }`,
  ),
  refused("validate_wildcard_host_single_label_error", `{ host: "*com", port: 443 }`),
  refused(
    "validate_wildcard_host_recursive_intra_label_error",
    `{ host: "foo**.example.com", port: 443 }`,
  ),
  refused("validate_wildcard_host_tld_rejected", `{ host: "*.com", port: 443 }`),
  refused("validate_wildcard_host_double_star_tld_rejected", `{ host: "**.org", port: 443 }`),
  loads("validate_wildcard_host_valid_no_error", `{ host: "*.example.com", port: 443 }`, {
    quiet: true,
  }),
  loads(
    "validate_wildcard_host_double_star_valid_no_error",
    `{ host: "**.example.com", port: 443 }`,
    { quiet: true },
  ),
  loads(
    "validate_wildcard_host_intra_label_valid_no_error",
    `{ host: "*-aiplatform.googleapis.com", port: 443 }`,
    {
      quiet: true,
    },
  ),
  refused(
    "validate_port_and_ports_mutually_exclusive",
    "{ host: api.example.com, port: 443, ports: [443, 8443] }",
  ),
  loads(
    "validate_ports_array_rest_443_no_warning",
    "{ host: api.example.com, ports: [443, 8080], protocol: rest, access: read-only }",
    { quiet: true },
  ),
  refused(`${V} rejects_unknown_protocol`, "{ host: ftp.example.com, port: 21, protocol: ftp }"),
  refused(
    `${V} rejects_mcp_with_access_presets`,
    "{ host: m.example.com, port: 443, protocol: mcp, access: full }",
  ),
  refused(
    `${V} rejects_jsonrpc_without_rules`,
    "{ host: r.example.com, port: 443, protocol: json-rpc }",
  ),
  loads(
    `${V} accepts_mcp_with_allow_all_true`,
    "{ host: m.example.com, port: 443, protocol: mcp, mcp: { allow_all_known_mcp_methods: true } }",
  ),
  loads(
    `${V} explicit_tcp_is_valid_without_l7_fields`,
    "{ host: db.example.com, port: 5432, protocol: TCP }",
  ),
  refused(
    `${V} explicit_tcp_rejects_l7_fields`,
    "{ host: db.example.com, port: 5432, protocol: tcp, access: full }",
  ),
  ...["REST", "Mcp", "JSON-RPC"].map((protocol) =>
    loads(
      `${V} l7_protocol_parse_known_variants (${protocol})`,
      `{ host: a.example.com, port: 443, protocol: ${protocol}, ${
        protocol === "REST" ? "access: full" : 'rules: [{ allow: { method: "tools/list" } }]'
      } }`,
    )
  ),
];
