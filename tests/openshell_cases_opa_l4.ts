/**
 * OpenShell `crates/openshell-supervisor-network/src/opa.rs` (tests module, at 2f7fb655): the
 * host:port and binary decisions, re-expressed as Tollgate cases (see `openshell_cases.ts`).
 *
 * @module
 */

import type { DecideCase } from "./openshell_cases.ts";

const F = "opa.rs";

/** The shape of opa.rs's fixture: an assistant with two hosts, git over https, a CLI. */
const AGENTS = `version: 1
network_policies:
  assistant:
    endpoints:
      - { host: api.vendor.example, port: 443 }
      - { host: events.vendor.example, port: 443 }
    binaries: [{ path: /opt/vendor/bin/assistant }, { path: /usr/bin/node }]
  git_https:
    endpoints:
      - host: code.example
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/**/info/refs*" }
          - allow: { method: POST, path: "/**/git-upload-pack" }
    binaries: [{ path: /usr/bin/git }]
  forge_cli:
    endpoints: [{ host: forge.example, port: 443 }]
    binaries: [{ path: /usr/bin/forge }]
`;

const one = (binary: string) =>
  `version: 1\nnetwork_policies:\n  only:\n    endpoints: [{ host: site.example, port: 443 }]\n    binaries: [{ path: "${binary}" }]\n`;

const L4: DecideCase[] = [
  {
    mirrors: `${F} allowed_binary_and_endpoint`,
    policy: AGENTS,
    ask: { host: "api.vendor.example", port: 443, exe: "/usr/bin/node" },
    expect: "allow",
    rule: "assistant",
  },
  {
    mirrors: `${F} wrong_binary_denied`,
    policy: AGENTS,
    ask: { host: "api.vendor.example", port: 443, exe: "/usr/bin/python3" },
    expect: "deny",
    reason: /binary/i,
  },
  {
    mirrors: `${F} wrong_endpoint_denied`,
    policy: AGENTS,
    ask: { host: "elsewhere.example", port: 443, exe: "/usr/bin/node" },
    expect: "deny",
    reason: /endpoint|host|no rule|not permitted/i,
  },
  {
    mirrors: `${F} unknown_binary_default_deny`,
    policy: AGENTS,
    ask: { host: "api.vendor.example", port: 443, exe: "/tmp/dropped" },
    expect: "deny",
  },
  {
    mirrors: `${F} github_policy_allows_git`,
    policy: AGENTS,
    ask: { host: "code.example", port: 443, exe: "/usr/bin/git" },
    expect: "allow",
    rule: "git_https",
  },
  {
    mirrors: `${F} case_insensitive_host_matching`,
    policy: AGENTS,
    ask: { host: "API.VENDOR.EXAMPLE", port: 443, exe: "/usr/bin/node" },
    expect: "allow",
  },
  {
    mirrors: `${F} wrong_port_denied`,
    policy: AGENTS,
    ask: { host: "api.vendor.example", port: 80, exe: "/usr/bin/node" },
    expect: "deny",
  },
  {
    mirrors: `${F} reload_replaces_policy (after the reload: no rules)`,
    policy: "version: 1\nnetwork_policies: {}\n",
    ask: { host: "api.vendor.example", port: 443, exe: "/usr/bin/node" },
    expect: "deny",
  },
  {
    mirrors: `${F} ancestor_binary_allowed`,
    policy: AGENTS,
    ask: { host: "code.example", port: 443, exe: "/usr/bin/python3", ancestors: ["/usr/bin/git"] },
    expect: "allow",
    rule: "git_https",
  },
  {
    mirrors: `${F} no_ancestor_match_denied`,
    policy: AGENTS,
    ask: { host: "code.example", port: 443, exe: "/usr/bin/python3", ancestors: ["/usr/bin/bash"] },
    expect: "deny",
    reason: /binary/i,
  },
  {
    mirrors: `${F} deep_ancestor_chain_matches`,
    policy: AGENTS,
    ask: {
      host: "code.example",
      port: 443,
      exe: "/usr/bin/python3",
      ancestors: ["/usr/bin/sh", "/usr/bin/git"],
    },
    expect: "allow",
  },
  {
    mirrors: `${F} empty_ancestors_falls_back_to_direct`,
    policy: AGENTS,
    ask: { host: "api.vendor.example", port: 443, exe: "/opt/vendor/bin/assistant" },
    expect: "allow",
  },
  {
    mirrors: `${F} glob_pattern_matches_binary`,
    policy: one("/usr/bin/*"),
    ask: { host: "site.example", port: 443, exe: "/usr/bin/node" },
    expect: "allow",
  },
  {
    mirrors: `${F} glob_pattern_matches_ancestor`,
    policy: one("/usr/local/bin/*"),
    ask: {
      host: "site.example",
      port: 443,
      exe: "/usr/bin/node",
      ancestors: ["/usr/local/bin/tool"],
    },
    expect: "allow",
  },
  {
    mirrors: `${F} glob_pattern_no_cross_segment`,
    policy: one("/usr/bin/*"),
    ask: { host: "site.example", port: 443, exe: "/usr/bin/nested/node" },
    expect: "deny",
  },
  {
    // Tollgate has no command-line paths at all: only the executable and its ancestors'.
    mirrors: `${F} cmdline_path_does_not_grant_access`,
    policy: one("/usr/local/bin/my-tool"),
    ask: { host: "site.example", port: 443, exe: "/usr/bin/node", ancestors: ["/usr/bin/bash"] },
    expect: "deny",
  },
  {
    mirrors: `${F} cmdline_path_no_match_denied`,
    policy: one("/usr/local/bin/my-tool"),
    ask: { host: "site.example", port: 443, exe: "/usr/bin/node", ancestors: ["/usr/bin/bash"] },
    expect: "deny",
  },
  {
    mirrors: `${F} cmdline_glob_pattern_does_not_grant_access`,
    policy: one("/usr/local/bin/*"),
    ask: { host: "site.example", port: 443, exe: "/usr/bin/node" },
    expect: "deny",
  },
  {
    mirrors: `${F} from_proto_allows_matching_request`,
    policy: AGENTS,
    ask: { host: "api.vendor.example", port: 443, exe: "/opt/vendor/bin/assistant" },
    expect: "allow",
    rule: "assistant",
  },
  {
    mirrors: `${F} from_proto_denies_unmatched_request`,
    policy: AGENTS,
    ask: { host: "elsewhere.example", port: 443 },
    expect: "deny",
  },
];

export { AGENTS, L4 };
