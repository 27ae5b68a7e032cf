/**
 * OpenShell `crates/openshell-supervisor-network/src/opa.rs` (tests module, at 2f7fb655): REST
 * requests judged by `rules`, `access` presets, query matchers and `deny_rules`.
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";

const F = "opa.rs";

/** opa.rs's `l7_engine()` fixture, its REST part, with our names. */
const REST = `version: 1
network_policies:
  repos_api:
    endpoints:
      - host: api.repos.example
        port: 8080
        protocol: rest
        rules:
          - allow: { method: GET, path: "/repos/**" }
          - allow: { method: POST, path: "/repos/*/issues" }
    binaries: [{ path: /usr/bin/curl }]
  reader:
    endpoints: [{ host: read.example, port: 8080, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  everything:
    endpoints: [{ host: all.example, port: 8080, protocol: rest, enforcement: audit, access: full }]
    binaries: [{ path: /usr/bin/curl }]
  tagged:
    endpoints:
      - host: tags.example
        port: 8080
        protocol: rest
        rules:
          - allow: { method: GET, path: /download, query: { tag: "foo-*" } }
          - allow: { method: GET, path: /search, query: { tag: { any: ["foo-*", "bar-*"] } } }
    binaries: [{ path: /usr/bin/curl }]
  plain:
    endpoints:
      - { host: plain.example, port: 443 }
      - { host: tcp.example, port: 443, protocol: tcp }
    binaries: [{ path: /usr/bin/curl }]
`;

/** opa.rs's deny-rules fixture: a read-write API with carve-outs, a full one with a query deny. */
const DENY = `version: 1
network_policies:
  forge_api:
    endpoints:
      - host: api.forge.example
        port: 443
        protocol: rest
        access: read-write
        deny_rules:
          - { method: POST, path: "/repos/*/pulls/*/reviews" }
          - { method: PUT, path: "/repos/*/branches/*/protection" }
          - { method: "*", path: "/repos/*/rulesets" }
    binaries: [{ path: /usr/bin/curl }]
  guarded:
    endpoints:
      - host: guarded.example
        port: 443
        protocol: rest
        access: full
        deny_rules: [{ method: POST, path: "/admin/**", query: { force: "true" } }]
    binaries: [{ path: /usr/bin/curl }]
`;

const GIT = `version: 1
network_policies:
  forge_git:
    endpoints:
      - host: forge.example
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "**" }
          - allow: { method: HEAD, path: "**" }
          - allow: { method: OPTIONS, path: "**" }
          - allow: { method: POST, path: "/**/git-upload-pack" }
    binaries: [{ path: /usr/bin/curl }]
`;

const TWICE = `version: 1
network_policies:
  first:
    endpoints:
      - { host: 192.168.1.100, port: 8567, protocol: rest, rules: [{ allow: { method: GET, path: "**" } }] }
    binaries: [{ path: /usr/bin/curl }]
  second:
    endpoints:
      - host: 192.168.1.100
        port: 8567
        protocol: rest
        tls: skip
        allowed_ips: [192.168.1.100]
        rules: [{ allow: { method: GET, path: "**" } }]
    binaries: [{ path: /usr/bin/curl }]
`;

const at = (host: string, port: number, method: string, path: string, query?: string): Ask => ({
  host,
  port,
  method,
  path,
  ...(query === undefined ? {} : { query }),
});
const repos = (method: string, path: string) => at("api.repos.example", 8080, method, path);
const forge = (method: string, path: string, query?: string) =>
  at(path.startsWith("/admin") ? "guarded.example" : "api.forge.example", 443, method, path, query);
const yes = (mirrors: string, policy: string, ask: Ask): DecideCase => ({
  mirrors: `${F} ${mirrors}`,
  policy,
  ask,
  expect: "allow",
});
const no = (mirrors: string, policy: string, ask: Ask, reason?: RegExp): DecideCase => ({
  mirrors: `${F} ${mirrors}`,
  policy,
  ask,
  expect: "deny",
  ...(reason ? { reason } : {}),
});

const L7_REST: DecideCase[] = [
  yes("l7_get_allowed_by_rules", REST, repos("GET", "/repos/acme/tool")),
  yes("l7_post_allowed_by_rules", REST, repos("POST", "/repos/acme/issues")),
  no("l7_delete_denied_by_rules", REST, repos("DELETE", "/repos/acme/tool")),
  no("l7_get_wrong_path_denied", REST, repos("GET", "/admin/settings")),
  yes("l7_readonly_preset_allows_get", REST, at("read.example", 8080, "GET", "/x")),
  yes("l7_readonly_preset_allows_head", REST, at("read.example", 8080, "HEAD", "/x")),
  yes("l7_readonly_preset_allows_options", REST, at("read.example", 8080, "OPTIONS", "/x")),
  no("l7_readonly_preset_denies_post", REST, at("read.example", 8080, "POST", "/x")),
  no("l7_readonly_preset_denies_delete", REST, at("read.example", 8080, "DELETE", "/x")),
  ...["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"].map((m) =>
    yes(`l7_full_preset_allows_everything (${m})`, REST, at("all.example", 8080, m, "/any/path"))
  ),
  yes("l7_method_matching_case_insensitive", REST, repos("get", "/repos/acme/tool")),
  yes("l7_path_glob_matching", REST, repos("GET", "/repos/acme/tool/deeper")),
  yes(
    "l7_query_glob_allows_matching_duplicate_values",
    REST,
    at("tags.example", 8080, "GET", "/download", "tag=foo-a&tag=foo-b&extra=ignored"),
  ),
  no(
    "l7_query_glob_denies_on_mismatched_duplicate_value",
    REST,
    at("tags.example", 8080, "GET", "/download", "tag=foo-a&tag=evil"),
  ),
  yes(
    "l7_query_any_allows_if_every_value_matches_any_pattern",
    REST,
    at("tags.example", 8080, "GET", "/search", "tag=foo-a&tag=bar-b"),
  ),
  yes(
    "l7_rest_request_ignores_null_jsonrpc_metadata",
    REST,
    at("tags.example", 8080, "GET", "/download", "tag=foo-a"),
  ),
  no("l7_query_missing_required_key_denied", REST, at("tags.example", 8080, "GET", "/download")),
  yes(
    "l7_query_rules_from_proto_are_enforced (allowed)",
    REST,
    at("tags.example", 8080, "GET", "/download", "tag=foo-z"),
  ),
  no(
    "l7_query_rules_from_proto_are_enforced (denied)",
    REST,
    at("tags.example", 8080, "GET", "/download", "tag=evil"),
  ),
  {
    // OpenShell never asks its request rules for an L4-only endpoint: the tunnel is blind.
    ...yes("l7_no_request_on_l4_only_endpoint", REST, at("plain.example", 443, "GET", "/x")),
    layer: "l4",
  },
  {
    ...yes("explicit_tcp_authorizes_as_l4_without_endpoint_config", REST, {
      host: "tcp.example",
      port: 443,
    }),
    layer: "l4",
  },
  no("l7_wrong_binary_denied_even_with_matching_rules", REST, {
    ...repos("GET", "/repos/acme/tool"),
    exe: "/usr/bin/python3",
  }),
  no("l7_deny_reason_populated", REST, repos("DELETE", "/repos/acme/tool"), /not permitted/),
  yes("l7_github_git_transport_allows_clone_blocks_push (discovery)", GIT, {
    ...at("forge.example", 443, "GET", "/acme/tool.git/info/refs"),
  }),
  yes(
    "l7_github_git_transport_allows_clone_blocks_push (fetch)",
    GIT,
    at("forge.example", 443, "POST", "/acme/tool.git/git-upload-pack"),
  ),
  no(
    "l7_github_git_transport_allows_clone_blocks_push (push)",
    GIT,
    at("forge.example", 443, "POST", "/acme/tool.git/git-receive-pack"),
  ),
  no("l7_deny_rule_blocks_allowed_method_path", DENY, forge("POST", "/repos/o/pulls/7/reviews")),
  yes("l7_deny_rule_allows_non_matching_requests", DENY, forge("GET", "/repos/o/issues")),
  yes("l7_deny_rule_allows_same_method_different_path", DENY, forge("POST", "/repos/o/issues")),
  no("l7_deny_rule_blocks_wildcard_method", DENY, forge("GET", "/repos/o/rulesets")),
  no("l7_deny_rule_blocks_put_protection", DENY, forge("PUT", "/repos/o/branches/main/protection")),
  no(
    "l7_deny_reason_populated_when_deny_rule_matches",
    DENY,
    forge("POST", "/repos/o/pulls/7/reviews"),
    /deny rule/,
  ),
  no(
    "l7_deny_rule_with_query_blocks_matching_params",
    DENY,
    forge("POST", "/admin/settings", "force=true"),
  ),
  yes(
    "l7_deny_rule_with_query_allows_non_matching_params",
    DENY,
    forge("POST", "/admin/settings", "force=false"),
  ),
  no(
    "l7_deny_rule_with_query_blocks_when_any_value_matches",
    DENY,
    forge("POST", "/admin/settings", "force=true&force=false"),
  ),
  yes("l7_deny_rule_without_matching_query_key_allows", DENY, forge("POST", "/admin/settings")),
  yes("l7_overlapping_policies_allow_request_does_not_crash", TWICE, {
    ...at("192.168.1.100", 8567, "GET", "/test"),
  }),
  no(
    "l7_overlapping_policies_deny_request_does_not_crash",
    TWICE,
    at("192.168.1.100", 8567, "DELETE", "/test"),
  ),
];

export { L7_REST, REST };
