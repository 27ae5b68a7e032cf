/**
 * OpenShell `crates/openshell-supervisor-network/src/opa.rs` (tests module, at 2f7fb655): host
 * wildcards, ports, `allowed_ips` and host-less endpoints, HEAD and OPTIONS.
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";
import { REST } from "./openshell_cases_opa_rest.ts";

const F = "opa.rs";

const hostRule = (endpoint: string, binary = "/usr/bin/curl") =>
  `version: 1\nnetwork_policies:\n  r:\n    endpoints:\n      - ${endpoint}\n    binaries: [{ path: "${binary}" }]\n`;

const STAR = hostRule(`{ host: "*.example.com", port: 443 }`);
const STAR_UPPER = hostRule(`{ host: "*.EXAMPLE.COM", port: 443 }`);
const INTRA = hostRule(`{ host: "*-aiplatform.googleapis.com", port: 443 }`);
const S3 = hostRule(`{ host: "*.s3.*.amazonaws.com", port: 443 }`);
const STAR_PORTS = hostRule(`{ host: "*.example.com", ports: [443, 8443] }`);
const STAR_L7 = hostRule(
  `{ host: "*.example.com", port: 8080, protocol: rest, rules: [{ allow: { method: GET, path: "/api/**" } }] }`,
);
const PORTS = hostRule(`{ host: api.example.com, ports: [443, 8443] }`);
const PORTS_L7 = hostRule(
  `{ host: api.example.com, ports: [8080, 9090], protocol: rest, rules: [{ allow: { method: GET, path: "**" } }] }`,
);
const ONE_PORT = hostRule(`{ host: api.example.com, port: 443 }`);
const HOSTLESS_PORTS = hostRule(`{ ports: [80, 443], allowed_ips: ["10.0.0.0/8"] }`);
const TEST_BINARY = hostRule(`{ host: "*.example.com", port: 443 }`, "/usr/bin/test");

/** opa.rs's allowed_ips fixture: a host with a range, a host-less range, a plain host. */
const IPS = `version: 1
network_policies:
  internal_api:
    endpoints: [{ host: svc.corp.example, port: 8080, allowed_ips: ["10.0.5.0/24"] }]
    binaries: [{ path: /usr/bin/curl }]
  private_network:
    endpoints: [{ port: 9443, allowed_ips: ["172.16.0.0/12", "192.168.1.1"] }]
    binaries: [{ path: /usr/bin/curl }]
  public_api:
    endpoints: [{ host: api.public.example, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  wildcard_api:
    endpoints: [{ host: "*.corp.example", port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;

const HEAD_POST = hostRule(
  `{ host: h.test, port: 80, protocol: rest, rules: [{ allow: { method: POST, path: "/" } }] }`,
);
const HEAD_DENY = hostRule(
  `{ host: h.test, port: 80, protocol: rest, access: full, deny_rules: [{ method: GET, path: "/protected" }] }`,
);

const go = (host: string, port: number, more: Partial<Ask> = {}): Ask => ({ host, port, ...more });
const yes = (mirrors: string, policy: string, ask: Ask): DecideCase => ({
  mirrors: `${F} ${mirrors}`,
  policy,
  ask,
  expect: "allow",
});
const no = (mirrors: string, policy: string, ask: Ask): DecideCase => ({
  mirrors: `${F} ${mirrors}`,
  policy,
  ask,
  expect: "deny",
});

const HOSTS: DecideCase[] = [
  no("wildcard_host_nul_byte_causes_opa_error", TEST_BINARY, {
    ...go("sub\0.example.com", 443),
    exe: "/usr/bin/test",
  }),
  no("wildcard_host_nul_byte_extra_label_causes_opa_error", TEST_BINARY, {
    ...go("evil.com\0.example.com", 443),
    exe: "/usr/bin/test",
  }),
  no("wildcard_host_percent_encoded_dot_no_match", TEST_BINARY, {
    ...go("evil%2eexample.com", 443),
    exe: "/usr/bin/test",
  }),
  yes("wildcard_host_matches_subdomain", STAR, go("api.example.com", 443)),
  no("wildcard_host_rejects_deep_subdomain", STAR, go("deep.sub.example.com", 443)),
  no("wildcard_host_rejects_exact_domain", STAR, go("example.com", 443)),
  yes("wildcard_host_case_insensitive", STAR_UPPER, go("api.example.com", 443)),
  no("wildcard_host_plus_port", STAR, go("api.example.com", 80)),
  yes("wildcard_host_intra_label_matches", INTRA, go("us-central1-aiplatform.googleapis.com", 443)),
  no(
    "wildcard_host_intra_label_does_not_cross_dot",
    INTRA,
    go("us-central1.aiplatform.googleapis.com", 443),
  ),
  yes(
    "wildcard_host_middle_label_matches_one_region_label",
    S3,
    go("bucket.s3.us-east-1.amazonaws.com", 443),
  ),
  no(
    "wildcard_host_middle_label_does_not_match_missing_bucket_label",
    S3,
    go("s3.us-east-1.amazonaws.com", 443),
  ),
  no(
    "wildcard_host_middle_label_does_not_skip_dualstack_label",
    S3,
    go("bucket.s3.dualstack.us-east-1.amazonaws.com", 443),
  ),
  yes("wildcard_host_multi_port", STAR_PORTS, go("api.example.com", 8443)),
  yes(
    "wildcard_host_l7_rules_apply (GET)",
    STAR_L7,
    go("api.example.com", 8080, {
      method: "GET",
      path: "/api/foo",
    }),
  ),
  no(
    "wildcard_host_l7_rules_apply (DELETE)",
    STAR_L7,
    go("api.example.com", 8080, {
      method: "DELETE",
      path: "/api/foo",
    }),
  ),
  {
    ...yes(
      "wildcard_host_l7_endpoint_config_returned",
      STAR_L7,
      go("api.example.com", 8080, {
        method: "GET",
        path: "/api/x",
      }),
    ),
    layer: "l7",
  },
  yes(
    "l7_multi_port_request_evaluation (first)",
    PORTS_L7,
    go("api.example.com", 8080, {
      method: "GET",
      path: "/anything",
    }),
  ),
  yes(
    "l7_multi_port_request_evaluation (second)",
    PORTS_L7,
    go("api.example.com", 9090, {
      method: "GET",
      path: "/anything",
    }),
  ),
  yes("multi_port_endpoint_matches_first_port", PORTS, go("api.example.com", 443)),
  yes("multi_port_endpoint_matches_second_port", PORTS, go("api.example.com", 8443)),
  no("multi_port_endpoint_rejects_unlisted_port", PORTS, go("api.example.com", 80)),
  yes("single_port_backwards_compat", ONE_PORT, go("api.example.com", 443)),
  no("single_port_backwards_compat (wrong port)", ONE_PORT, go("api.example.com", 80)),
  yes("from_proto_multi_port_allows_matching (443)", PORTS, go("api.example.com", 443)),
  yes("from_proto_multi_port_allows_matching (8443)", PORTS, go("api.example.com", 8443)),
  no("from_proto_multi_port_allows_matching (80)", PORTS, go("api.example.com", 80)),
  {
    ...yes("allowed_ips_mode2_host_plus_ips_allows", IPS, go("svc.corp.example", 8080)),
    rule: "internal_api",
  },
  // A host-less endpoint matches a name through the addresses it resolved to (the proxy looks
  // them up before deciding); OpenShell checks the same addresses at connect time.
  yes("allowed_ips_mode3_hostless_allows_any_domain", IPS, {
    ...go("anything.example.com", 9443),
    addresses: ["172.16.4.5"],
  }),
  yes("allowed_ips_mode3_returns_allowed_ips (the single address)", IPS, {
    ...go("anything.example.com", 9443),
    addresses: ["192.168.1.1"],
  }),
  no("allowed_ips_mode3_wrong_port_denied", IPS, {
    ...go("anything.example.com", 12345),
    addresses: ["172.16.4.5"],
  }),
  yes("exact_declared_endpoint_host_true_for_l4_host_only", IPS, go("api.public.example", 443)),
  yes("exact_declared_endpoint_host_false_for_wildcard_host", IPS, go("api.corp.example", 443)),
  yes("hostless_endpoint_multi_port (80)", HOSTLESS_PORTS, {
    ...go("anything.internal", 80),
    addresses: ["10.1.2.3"],
  }),
  yes("hostless_endpoint_multi_port (443)", HOSTLESS_PORTS, {
    ...go("anything.internal", 443),
    addresses: ["10.1.2.3"],
  }),
  no("hostless_endpoint_multi_port (8080)", HOSTLESS_PORTS, {
    ...go("anything.internal", 8080),
    addresses: ["10.1.2.3"],
  }),
  yes(
    "l7_head_allowed_where_get_is_allowed",
    REST,
    go("api.repos.example", 8080, {
      method: "HEAD",
      path: "/repos/acme/tool",
    }),
  ),
  no(
    "l7_head_denied_when_only_post_allowed",
    HEAD_POST,
    go("h.test", 80, {
      method: "HEAD",
      path: "/",
    }),
  ),
  no(
    "l7_options_not_implicitly_allowed_by_get",
    REST,
    go("api.repos.example", 8080, {
      method: "OPTIONS",
      path: "/repos/acme/tool",
    }),
  ),
  no(
    "l7_head_blocked_by_deny_rule_targeting_get",
    HEAD_DENY,
    go("h.test", 80, {
      method: "HEAD",
      path: "/protected",
    }),
  ),
];

export { HOSTS };
