/**
 * OpenShell `crates/openshell-policy/src/lib.rs` (tests module, at 2f7fb655): which whole policy
 * documents its parser and validator accept or refuse, re-expressed as Tollgate policy files
 * (see `openshell_cases.ts`). Its round-trip and serialisation tests have no counterpart: Tollgate
 * never re-serialises a file (edits keep the user's text).
 *
 * @module
 */

import type { LoadCase } from "./openshell_cases.ts";

const F = "openshell-policy lib.rs";

/** A document with OpenShell's restrictive default sections and `more` after them. */
const base = (process = "  run_as_user: sandbox\n  run_as_group: sandbox\n", more = "") =>
  `version: 1
filesystem_policy:
  include_workdir: true
  read_only: [/usr, /lib]
  read_write: [/sandbox, /tmp]
landlock:
  compatibility: best_effort
process:
${process}${more}`;

const as = (user: string, group: string) =>
  base(`  run_as_user: "${user}"\n  run_as_group: "${group}"\n`);

const files = (readOnly: string, readWrite = "[/tmp]") =>
  `version: 1\nfilesystem_policy:\n  include_workdir: true\n  read_only: ${readOnly}\n  read_write: ${readWrite}\n`;

const endpoint = (yaml: string) =>
  `version: 1\nnetwork_policies:\n  test:\n    endpoints:\n      - ${yaml}\n    binaries: [{ path: /usr/bin/curl }]\n`;

const loads = (test: string, policy: string, more: Partial<LoadCase> = {}): LoadCase => ({
  mirrors: `${F} ${test}`,
  policy,
  expect: "load",
  ...more,
});
const refused = (test: string, policy: string, message?: RegExp): LoadCase => ({
  mirrors: `${F} ${test}`,
  policy,
  expect: "refuse",
  ...(message ? { message } : {}),
});

export const POLICY_LIB: LoadCase[] = [
  loads("parse_minimal_policy_yaml", "version: 1\n", { quiet: true }),
  loads("validate_accepts_sandbox_identity", base(), { quiet: true }),
  loads("parse_policy_with_network_rules", endpoint("{ host: example.com, port: 443 }"), {
    quiet: true,
  }),
  loads(
    "parse_l7_query_matchers_and_round_trip",
    endpoint(
      `{ host: api.example.com, port: 8080, protocol: rest, rules: [{ allow: { method: GET, path: /download, query: { slug: "my-*", tag: { any: ["foo-*", "bar-*"] } } } }] }`,
    ),
  ),
  refused("parse_rejects_unknown_fields", "version: 1\nbogus_field: true\n", /bogus_field/),
  refused(
    "parse_rejects_middleware_attachments_on_network_policies_and_endpoints (rule)",
    "version: 1\nnetwork_policies:\n  api:\n    middleware: [redact]\n    endpoints: [{ host: api.example.com, port: 443 }]\n",
  ),
  refused(
    "parse_rejects_middleware_attachments_on_network_policies_and_endpoints (endpoint)",
    endpoint("{ host: api.example.com, port: 443, middleware: [redact] }"),
  ),
  refused("validate_rejects_root_run_as_user", as("root", "sandbox"), /run_as_user/),
  refused("validate_rejects_uid_zero", as("0", "0")),
  refused("validate_rejects_non_sandbox_user", as("nobody", "nogroup")),
  refused("validate_rejects_path_traversal", files("[/usr/../etc/shadow]")),
  refused("validate_rejects_relative_paths", files("[usr/lib]")),
  refused("validate_rejects_overly_broad_read_write_path", files("[/usr]", "[/]")),
  refused(
    "validate_rejects_yaml_tcp_endpoint_without_host_or_port",
    endpoint(`{ host: "", protocol: tcp }`),
  ),
  loads(
    "validate_accepts_hostless_allowed_ips_for_non_tcp_proxy_endpoint",
    "version: 1\nnetwork_policies:\n  legacy-proxy:\n    endpoints:\n      - { port: 9443, allowed_ips: [10.0.5.0/24] }\n",
  ),
  refused(
    "validate_rejects_hostless_allowed_ips_for_explicit_tcp",
    endpoint("{ port: 6379, protocol: tcp, allowed_ips: [10.0.5.0/24] }"),
  ),
  ...["192.0.2.10", '"2001:db8::10"'].map((host) =>
    refused(
      `validate_rejects_ip_literal_hosts_for_explicit_tcp (${host})`,
      endpoint(`{ host: ${host}, port: 6379, protocol: tcp }`),
    )
  ),
  ...[
    `" db.example.com"`,
    "db.example.com.",
    "db..example.com",
    `"bad name.example.com"`,
    `${"a".repeat(64)}.example.com`,
  ]
    .map((host) =>
      refused(
        `validate_rejects_malformed_dns_selectors_for_explicit_tcp (${host})`,
        endpoint(`{ host: ${host}, port: 5432, protocol: tcp }`),
      )
    ),
  refused(
    "validate_rejects_raw_endpoint_zero_and_out_of_range_ports",
    endpoint("{ host: database.example.com, ports: [0, 65536], protocol: tcp }"),
  ),
  refused(
    "validate_rejects_raw_endpoint_without_effective_port",
    endpoint("{ host: database.example.com }"),
  ),
  loads("validate_accepts_empty_process", "version: 1\n"),
  loads("validate_accepts_omitted_process_fields (none)", base("  {}\n")),
  loads("validate_accepts_omitted_process_fields (user)", base("  run_as_user: sandbox\n")),
  loads("validate_accepts_omitted_process_fields (group)", base(`  run_as_group: "1234"\n`)),
  refused(
    "validate_rejects_too_many_paths",
    files(`[${Array.from({ length: 300 }, (_, i) => `/path/${i}`).join(", ")}]`),
  ),
  refused("validate_rejects_path_too_long", files(`[/${"a".repeat(5000)}]`)),
  refused("validate_rejects_tld_wildcard", endpoint(`{ host: "*.com", port: 443 }`)),
  refused("validate_rejects_double_star_tld_wildcard", endpoint(`{ host: "**.org", port: 443 }`)),
  refused("validate_rejects_all_host_star_wildcards (*)", endpoint(`{ host: "*", port: 443 }`)),
  refused("validate_rejects_all_host_star_wildcards (**)", endpoint(`{ host: "**", port: 443 }`)),
  loads("validate_accepts_subdomain_wildcard", endpoint(`{ host: "*.example.com", port: 443 }`)),
  loads(
    "validate_accepts_middle_label_star_wildcard",
    endpoint(`{ host: "*.s3.*.amazonaws.com", port: 443 }`),
  ),
  refused(
    "validate_rejects_partial_middle_label_wildcard",
    endpoint(`{ host: "*.s3.us-*.amazonaws.com", port: 443 }`),
  ),
  loads("validate_accepts_explicit_domain", endpoint("{ host: example.com, port: 443 }")),
  {
    ...refused(
      "validate_accepts_credential_signing_with_signing_service",
      endpoint(
        "{ host: bedrock-runtime.us-east-1.amazonaws.com, port: 443, credential_signing: sigv4, signing_service: bedrock }",
      ),
      /not supported by Tollgate/,
    ),
    differs: "credential-rewriting",
  },
  refused(
    "validate_rejects_credential_signing_without_signing_service",
    endpoint(
      "{ host: bedrock-runtime.us-east-1.amazonaws.com, port: 443, credential_signing: sigv4 }",
    ),
  ),
  ...["1", "30", "500", "999", "1000", "50000", "1000660000", "4294967294"].map((uid) =>
    loads(
      `valid_identity_accepts_non_root_numeric_uid / validate_accepts_boundary_uids (${uid})`,
      as(uid, uid),
    )
  ),
  loads("validate_accepts_mixed_sandbox_name_and_uid", as("sandbox", "1000")),
  loads("validate_accepts_non_root_system_uid", as("500", "30")),
  refused("validate_rejects_uid_out_of_range_high", as("4294967295", "sandbox"), /run_as_user/),
  ...["root", "nobody", "user"].map((name) =>
    refused(`valid_identity_rejects_non_numeric_names (${name})`, as(name, "sandbox"))
  ),
  loads("parse_ports_array", endpoint("{ host: api.example.com, ports: [80, 443] }")),
  loads("parse_wildcard_host", endpoint(`{ host: "*.example.com", port: 443 }`)),
  loads(
    "parse_deny_rules_from_yaml",
    endpoint(
      `{ host: api.example.com, port: 443, protocol: rest, access: read-write, deny_rules: [{ method: POST, path: "/repos/*/pulls/*/reviews" }, { method: PUT, path: "/repos/*/branches/*/protection" }] }`,
    ),
  ),
  loads(
    "parse_deny_rules_with_query_any",
    endpoint(
      `{ host: api.example.com, port: 443, protocol: rest, access: full, deny_rules: [{ method: POST, path: /action, query: { type: { any: ["admin-*", "root-*"] } } }] }`,
    ),
  ),
  loads(
    "parse_mcp_rules_to_runtime_fields",
    endpoint(
      "{ host: mcp.example.com, port: 443, path: /mcp, protocol: mcp, mcp: { max_body_bytes: 131072, strict_tool_names: false }, rules: [{ allow: { method: initialize } }, { allow: { method: tools/list } }, { allow: { method: tools/call, tool: { any: [search_web, list_tools] } } }], deny_rules: [{ method: tools/call, tool: send_email }] }",
    ),
  ),
  refused(
    "parse_rejects_unsupported_json_rpc_config_fields",
    endpoint(
      '{ host: rpc.example.com, port: 443, protocol: json-rpc, json_rpc: { max_body_bytes: 131072, on_parse_error: deny, batch_policy: all }, rules: [{ allow: { method: "*" } }] }',
    ),
    /on_parse_error|batch_policy/,
  ),
  refused(
    "parse_rejects_unknown_fields_in_deny_rule",
    endpoint(
      "{ host: example.com, port: 443, protocol: rest, access: full, deny_rules: [{ method: POST, path: /foo, bogus: true }] }",
    ),
    /bogus/,
  ),
  refused("rejects_port_above_65535", endpoint("{ host: example.com, port: 70000 }")),
];
