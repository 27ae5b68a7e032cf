/**
 * OpenShell's SSRF checks of `crates/openshell-supervisor-network/src/proxy.rs` and
 * `proxy/destination.rs` (tests modules, at 2f7fb655), re-expressed as destinations: a policy
 * (or an endpoint's `allowed_ips` as OpenShell's test builds it), a name, a port and the
 * addresses DNS answers, and whether the proxy connects. They run through `decide()` and the
 * proxy's own `DestinationResolver` with that DNS answer (`openshell_cases_destination_test.ts`).
 *
 * @module
 */

/** One destination and whether the proxy may connect to it. */
export interface DestinationCase {
  /** The OpenShell file and test this case mirrors. */
  mirrors: string;
  /** The policy YAML (decided first), or the `allowed_ips` handed straight to the guard. */
  policy: string | { allowedIps: string[] };
  /** Host and port as the client names them. */
  host: string;
  port: number;
  /** What DNS answers for the host (unused for an IP literal). */
  answers?: string[];
  /** Whether the proxy connects. */
  expect: "connect" | "refuse";
  /** The README "OpenShell compatibility" entry when Tollgate answers otherwise on purpose. */
  differs?: string;
}

const P = "proxy.rs";
const D = "proxy/destination.rs";

/** A policy of one endpoint for curl. */
const one = (endpoint: string) =>
  `version: 1\nnetwork_policies:\n  r:\n    endpoints:\n      - ${endpoint}\n    binaries: [{ path: /usr/bin/curl }]\n`;
const PLAIN = one("{ host: svc.example, port: 80 }");

/** A name resolving to `address` under a plain endpoint (no allowed_ips): connect iff public. */
const internal = (test: string, address: string, expect: "connect" | "refuse" = "refuse") => ({
  mirrors: `${P} ${test} (${address})`,
  policy: PLAIN,
  host: "svc.example",
  port: 80,
  answers: [address],
  expect,
});
const guard = (
  test: string,
  allowedIps: string[],
  address: string,
  port: number,
  expect: "connect" | "refuse",
) => ({
  mirrors: `${P} ${test} (${address}:${port})`,
  policy: { allowedIps },
  host: address,
  port,
  expect,
});

export const DESTINATIONS: DestinationCase[] = [
  ...["127.0.0.1", "127.0.0.2"].map((a) => internal("test_rejects_ipv4_loopback", a)),
  ...["10.0.0.1", "10.255.255.255"].map((a) => internal("test_rejects_ipv4_private_10", a)),
  ...["172.16.0.1", "172.31.255.255"].map((a) => internal("test_rejects_ipv4_private_172_16", a)),
  ...["192.168.0.1", "192.168.255.255"].map((a) =>
    internal("test_rejects_ipv4_private_192_168", a)
  ),
  ...["169.254.169.254", "169.254.0.1"].map((a) =>
    internal("test_rejects_ipv4_link_local_metadata", a)
  ),
  internal("test_rejects_ipv4_unspecified", "0.0.0.0"),
  ...["100.64.0.1", "100.100.50.3", "100.127.255.255"].map((a) =>
    internal("test_rejects_ipv4_cgnat", a)
  ),
  ...["100.128.0.1", "100.63.255.255"].map((a) =>
    internal("test_rejects_ipv4_cgnat", a, "connect")
  ),
  ...["192.0.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.1", "203.0.113.1"].map((a) =>
    internal("test_rejects_ipv4_special_use_ranges", a)
  ),
  internal("test_rejects_ipv6_mapped_cgnat", "::ffff:100.64.0.1"),
  ...["8.8.8.8", "1.1.1.1", "93.184.216.34"].map((a) =>
    internal("test_allows_ipv4_public", a, "connect")
  ),
  internal("test_allows_ipv4_non_private_172", "172.32.0.1", "connect"),
  internal("test_rejects_ipv6_loopback", "::1"),
  internal("test_rejects_ipv6_unspecified", "::"),
  internal("test_rejects_ipv6_link_local", "fe80::1"),
  internal("test_rejects_ipv6_unique_local_address", "fd00::1"),
  internal("test_rejects_ipv4_mapped_ipv6_private", "::ffff:10.0.0.1"),
  internal("test_rejects_ipv4_mapped_ipv6_loopback", "::ffff:127.0.0.1"),
  internal("test_rejects_ipv4_mapped_ipv6_link_local", "::ffff:169.254.169.254"),
  internal("test_allows_ipv6_public", "2001:4860:4860::8888", "connect"),
  internal("test_allows_ipv4_mapped_ipv6_public", "::ffff:8.8.8.8", "connect"),
  guard(
    "test_resolve_check_allowed_ips_blocks_loopback",
    ["127.0.0.0/8"],
    "127.0.0.1",
    80,
    "refuse",
  ),
  guard(
    "test_resolve_check_allowed_ips_blocks_metadata",
    ["169.254.0.0/16"],
    "169.254.169.254",
    80,
    "refuse",
  ),
  guard(
    "test_resolve_check_allowed_ips_blocks_unspecified",
    ["0.0.0.0/0"],
    "0.0.0.0",
    80,
    "refuse",
  ),
  guard(
    "test_resolve_check_allowed_ips_rejects_outside_allowlist",
    ["10.0.0.0/8"],
    "192.168.3.4",
    443,
    "refuse",
  ),
  ...[6443, 2379, 10250].map((port) =>
    guard(
      "test_resolve_check_allowed_ips_blocks_control_plane_ports",
      ["8.8.8.0/24"],
      "8.8.8.8",
      port,
      "refuse",
    )
  ),
  guard(
    "test_resolve_check_allowed_ips_allows_non_control_plane_ports",
    ["8.8.8.0/24"],
    "8.8.8.8",
    443,
    "connect",
  ),
  guard(
    "test_forward_private_ip_accepted_with_allowed_ips",
    ["10.0.0.0/8"],
    "10.0.0.1",
    80,
    "connect",
  ),
  guard(
    "test_forward_private_ip_rejected_with_wrong_allowed_ips",
    ["192.168.0.0/16"],
    "10.0.0.1",
    80,
    "refuse",
  ),
  guard(
    "test_forward_loopback_always_blocked_even_with_allowed_ips",
    ["127.0.0.0/8"],
    "127.0.0.1",
    80,
    "refuse",
  ),
  guard(
    "test_forward_link_local_always_blocked_even_with_allowed_ips",
    ["169.254.0.0/16"],
    "169.254.169.254",
    80,
    "refuse",
  ),
  internal("test_forward_private_ip_rejected_without_allowed_ips", "10.0.0.1"),
  {
    mirrors: `${P} test_implicit_allowed_ips_returns_ip_for_ipv4_literal`,
    policy: one("{ host: 192.168.1.100, port: 80 }"),
    host: "192.168.1.100",
    port: 80,
    expect: "connect",
  },
  {
    mirrors: `${P} test_implicit_allowed_ips_allows_rfc1918`,
    policy: one("{ host: 10.0.5.20, port: 80 }"),
    host: "10.0.5.20",
    port: 80,
    expect: "connect",
  },
  ...["127.0.0.1", "169.254.169.254", "0.0.0.0", '"::1"'].map((literal) => ({
    mirrors:
      `${P} test_implicit_allowed_ips_skips_loopback / _link_local / _unspecified / _ipv6_loopback (${literal})`,
    policy: one(`{ host: ${literal}, port: 80 }`),
    host: literal.replaceAll('"', ""),
    port: 80,
    expect: "refuse" as const,
  })),
  {
    mirrors: `${D} address_filter_enforces_allowed_ips (the address outside)`,
    policy: one("{ host: allowlisted.example, port: 443, allowed_ips: [10.2.0.0/16] }"),
    host: "allowlisted.example",
    port: 443,
    answers: ["10.3.4.5"],
    expect: "refuse",
  },
  {
    mirrors: `${D} address_filter_enforces_allowed_ips (the address inside)`,
    policy: one("{ host: allowlisted.example, port: 443, allowed_ips: [10.2.0.0/16] }"),
    host: "allowlisted.example",
    port: 443,
    answers: ["10.2.3.4"],
    expect: "connect",
  },
  {
    mirrors:
      `${P} test_declared_endpoint_private_hosts_file_resolution_allowed / ${D} address_filter_exact_host_allows_private_but_not_always_blocked`,
    policy: one("{ host: private.example, port: 443 }"),
    host: "private.example",
    port: 443,
    answers: ["10.1.2.3"],
    expect: "refuse",
    differs: "exact-host-private",
  },
  {
    mirrors: `${P} test_declared_endpoint_loopback_stays_blocked`,
    policy: one("{ host: private.example, port: 443 }"),
    host: "private.example",
    port: 443,
    answers: ["127.0.0.1"],
    expect: "refuse",
  },
  {
    mirrors: `${P} test_declared_endpoint_link_local_stays_blocked`,
    policy: one("{ host: private.example, port: 443 }"),
    host: "private.example",
    port: 443,
    answers: ["169.254.169.254"],
    expect: "refuse",
  },
  {
    mirrors:
      `${D} address_filter_rejects_control_plane_port / ${P} test_declared_endpoint_blocks_control_plane_ports`,
    policy: one("{ host: api.example, port: 6443, allowed_ips: [10.0.0.0/8] }"),
    host: "api.example",
    port: 6443,
    answers: ["10.0.0.5"],
    expect: "refuse",
  },
  {
    mirrors: `${P} test_resolve_reject_internal_fails_closed_on_nul_hostname`,
    policy: one('{ host: "*.safe.com", port: 443 }'),
    host: "evil.com\0.safe.com",
    port: 443,
    answers: ["8.8.8.8"],
    expect: "refuse",
  },
];
