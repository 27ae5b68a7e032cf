/** decide() table cases: binaries, ancestors and the L4 flags (inspection, allowed_ips, hostless endpoints). */
import type { Case } from "./_decide_fixtures.ts";
import { as, GH, GIT, l4, l7 } from "./_decide_fixtures.ts";

/** decide() cases: binaries, ancestors and the L4 flags (inspection, allowed_ips, hostless endpoints). */
export const binaryCases: Case[] = [
  // Binaries.
  {
    name: "binary not allowed",
    facts: l4(GH, 443, as("/usr/bin/wget")),
    verdict: "deny",
    reason: "binary '/usr/bin/wget' not allowed in policy 'gh_git_l4'",
    policy: "gh_git_l4",
  },
  {
    name: "binary via ancestor",
    facts: l4(
      "agent.example.com",
      443,
      as("/usr/bin/node", ["/usr/bin/bash", "/usr/local/bin/claude"]),
    ),
    verdict: "allow",
    reason: "allowed by policy 'agent_tree'",
  },
  {
    name: "ancestor not matching",
    facts: l4("agent.example.com", 443, as("/usr/bin/node", ["/usr/bin/bash"])),
    verdict: "deny",
    reason: "binary '/usr/bin/node' not allowed in policy 'agent_tree'",
  },
  {
    name: "binary glob * one segment",
    facts: l4("a.deep.example.com", 443, as("/opt/agent/bin/sub/run")),
    verdict: "deny",
    reason: "binary '/opt/agent/bin/sub/run' not allowed in policy 'wild_many'",
  },
  {
    name: "binary glob ** across /",
    facts: l7("git.example.com", "GET", "/files/a", as("/usr/lib/git-core/sub/git-remote-https")),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
    layer: "l7",
  },
  {
    name: "binary glob matches ancestor",
    facts: l4("a.deep.example.com", 443, as("/usr/bin/curl", ["/opt/agent/bin/agent"])),
    verdict: "allow",
    reason: "allowed by policy 'wild_many'",
  },
  {
    name: "binary prefix is not a match",
    facts: l4(GH, 443, as("/usr/bin/curl2")),
    verdict: "deny",
    reason: "binary '/usr/bin/curl2' not allowed in policy 'gh_git_l4'",
  },
  // L4 flags.
  {
    name: "L4 on rest endpoint inspects",
    facts: l4(GH, 443),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
    also: { inspect: true },
  },
  {
    name: "L4-only endpoint is a blind tunnel",
    facts: l4(GH, 443, GIT),
    verdict: "allow",
    reason: "allowed by policy 'gh_git_l4'",
    also: { inspect: false },
  },
  {
    name: "tls skip is a blind tunnel",
    facts: l4("raw.example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'raw_tls'",
    also: { inspect: false },
  },
  {
    name: "L4 and L7 grant for same binary: inspected (the L7 rules judge)",
    facts: l4("mixed.example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'mixed_l4'",
    policy: "mixed_l4",
    also: { inspect: true },
  },
  {
    name: "allowed_ips union",
    facts: l4("db.internal.example", 5432, as("/usr/bin/psql")),
    verdict: "allow",
    reason: "allowed by policy 'db'",
    policy: "db",
    also: { allowedIps: ["10.0.0.0/24", "10.0.1.0/24"], inspect: false },
  },
  {
    name: "allow_encoded_slash flag",
    facts: l4("slash.example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'slash'",
    also: { allowEncodedSlash: true, inspect: true },
  },
  {
    name: "no allow_encoded_slash flag",
    facts: l4(GH, 443),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
    also: { allowEncodedSlash: undefined, allowedIps: undefined },
  },
  {
    name: "hostless endpoint: IP inside allowed_ips",
    facts: l4("10.9.3.4", 6379, as("/usr/bin/redis-cli")),
    verdict: "allow",
    reason: "allowed by policy 'hostless'",
    also: { allowedIps: ["10.9.0.0/16"] },
  },
  {
    name: "hostless endpoint: IP outside allowed_ips",
    facts: l4("10.8.3.4", 6379, as("/usr/bin/redis-cli")),
    verdict: "deny",
    reason: "endpoint 10.8.3.4:6379 not in policy",
  },
  {
    name: "hostless endpoint: host names never match",
    facts: l4("cache.example.com", 6379, as("/usr/bin/redis-cli")),
    verdict: "deny",
    reason: "endpoint cache.example.com:6379 not in policy",
  },
];
