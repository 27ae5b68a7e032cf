/**
 * OpenShell `crates/openshell-policy/src/ambiguity.rs` (tests module, at 2f7fb655): two rules
 * (for two binaries) whose endpoints overlap on host and port, re-expressed as policy documents.
 * OpenShell keeps one set of connection metadata per host and port, so it refuses overlapping
 * endpoints that disagree on it; Tollgate keeps each grant's own and decides a request by the
 * grants its binary matches, so it loads them (README: overlapping-endpoints).
 *
 * @module
 */

import type { LoadCase } from "./openshell_cases.ts";

const F = "ambiguity.rs";

/** Rule `left` (curl) and rule `right` (bash), one endpoint each. */
const pair = (left: string, right: string) =>
  `version: 1
network_policies:
  left:
    endpoints: [${left}]
    binaries: [{ path: /usr/bin/curl }]
  right:
    endpoints: [${right}]
    binaries: [{ path: /usr/bin/bash }]
`;

const loads = (test: string, left: string, right: string): LoadCase => ({
  mirrors: `${F} ${test}`,
  policy: pair(left, right),
  expect: "load",
});
const differs = (test: string, left: string, right: string): LoadCase => ({
  ...loads(test, left, right),
  differs: "overlapping-endpoints",
});

const API = "host: api.example.com, port: 443";

export const AMBIGUITY: LoadCase[] = [
  loads(
    "disjoint_ports_do_not_overlap",
    `{ ${API}, tls: skip }`,
    "{ host: api.example.com, port: 8443 }",
  ),
  loads(
    "compatible_request_rules_may_overlap",
    `{ ${API}, protocol: rest, tls: skip, access: read-only }`,
    `{ ${API}, protocol: rest, tls: skip, access: read-write }`,
  ),
  loads(
    "plain_l4_endpoint_does_not_compete_with_l7_endpoint_metadata",
    `{ ${API} }`,
    `{ ${API}, protocol: rest, access: full }`,
  ),
  loads(
    "disjoint_path_specific_protocols_may_overlap",
    `{ ${API}, path: /graphql, protocol: graphql, access: read-only }`,
    `{ ${API}, path: "/repos/**", protocol: rest, access: full }`,
  ),
  loads(
    "more_specific_path_may_override_request_pipeline_metadata",
    `{ ${API}, protocol: rest, access: full }`,
    `{ ${API}, path: /graphql, protocol: graphql, access: read-only }`,
  ),
  {
    mirrors: `${F} question_mark_path_overlap_is_detected`,
    policy: pair(
      `{ ${API}, path: "/v?", protocol: rest, access: full }`,
      `{ ${API}, path: /v1, protocol: graphql, access: read-only }`,
    ),
    expect: "refuse",
  },
  {
    mirrors: `${F} overlapping_character_class_paths_are_detected`,
    policy: pair(
      `{ ${API}, path: "/v[12]", protocol: rest, access: full }`,
      `{ ${API}, path: "/v[23]", protocol: graphql, access: read-only }`,
    ),
    expect: "refuse",
  },
  differs(
    "exact_wildcard_tls_conflict_is_rejected",
    `{ host: "*.example.com", port: 443, tls: skip }`,
    `{ ${API} }`,
  ),
  differs(
    "different_binary_lists_do_not_hide_endpoint_ambiguity",
    `{ ${API}, tls: skip }`,
    `{ ${API} }`,
  ),
  loads(
    "allowed_ip_conflict_is_rejected_regardless_of_order (same ranges, other order)",
    `{ ${API}, allowed_ips: [10.0.1.0/24, 10.0.0.0/24] }`,
    `{ ${API}, allowed_ips: [10.0.0.0/24, 10.0.1.0/24] }`,
  ),
  differs(
    "allowed_ip_conflict_is_rejected_regardless_of_order (other ranges)",
    `{ ${API}, allowed_ips: [10.0.1.0/24, 10.0.0.0/24] }`,
    `{ ${API}, allowed_ips: [10.0.2.0/24] }`,
  ),
  differs(
    "json_rpc_body_limit_is_compared_only_within_the_same_protocol (json-rpc beside mcp)",
    `{ ${API}, protocol: json-rpc, json_rpc: { max_body_bytes: 1024 }, rules: [{ allow: { method: "*" } }] }`,
    `{ ${API}, protocol: mcp, mcp: { max_body_bytes: 2048, allow_all_known_mcp_methods: true } }`,
  ),
  differs(
    "websocket_graphql_classification_conflict_is_rejected",
    `{ ${API}, protocol: websocket, rules: [{ allow: { method: GET, path: "/**" } }, { allow: { operation_type: subscription } }] }`,
    `{ ${API}, protocol: websocket, rules: [{ allow: { method: GET, path: "/**" } }, { allow: { method: WEBSOCKET_TEXT, path: "/**" } }] }`,
  ),
  differs(
    "explicit_tcp_and_omitted_protocol_are_ambiguous_for_native_tcp_eligibility",
    `{ ${API}, protocol: tcp }`,
    `{ ${API}, tls: skip }`,
  ),
];
