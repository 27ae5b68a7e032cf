/** decide() table cases: identity, exact hosts, case, ports and host wildcards. */
import type { Case } from "./_decide_fixtures.ts";
import { as, GH, l4, PY } from "./_decide_fixtures.ts";

/** decide() cases: identity, exact hosts, case, ports and host wildcards. */
export const hostCases: Case[] = [
  // Identity and empty policy.
  {
    name: "identity missing with error",
    facts: { host: GH, port: 443, identityError: "socket owner not found" },
    verdict: "deny",
    reason: "requester identity could not be resolved: socket owner not found",
    layer: "l4",
  },
  {
    name: "identity missing without error",
    facts: { host: GH, port: 443 },
    verdict: "deny",
    reason: "requester identity could not be resolved: unknown",
  },
  // Exact hosts, case-insensitivity, ports.
  {
    name: "L4 exact host allowed",
    facts: l4(GH, 443),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
    layer: "l4",
    policy: "gh_ro",
  },
  {
    name: "L4 host upper-case in request",
    facts: l4("API.GitHub.COM", 443),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
  },
  {
    name: "L4 host trailing dot",
    facts: l4("api.github.com.", 443),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
  },
  {
    name: "L4 host upper-case in policy",
    facts: l4("api.example.com", 443, PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "L4 wrong port",
    facts: l4(GH, 80),
    verdict: "deny",
    reason: "endpoint api.github.com:80 not in policy",
    policy: null,
  },
  {
    name: "L4 unknown host",
    facts: l4("evil.example.net", 443),
    verdict: "deny",
    reason: "endpoint evil.example.net:443 not in policy",
  },
  {
    name: "ports list first",
    facts: l4("api.example.com", 443, PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "ports list second",
    facts: l4("api.example.com", 8443, PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "ports list other port",
    facts: l4("api.example.com", 8080, PY),
    verdict: "deny",
    reason: "endpoint api.example.com:8080 not in policy",
  },
  {
    name: "suffix of exact host is not a match",
    facts: l4("x.api.github.com", 443),
    verdict: "deny",
    reason: "endpoint x.api.github.com:443 not in policy",
  },
  {
    name: "IP literal host",
    facts: l4("203.0.113.7", 8080),
    verdict: "allow",
    reason: "allowed by policy 'ip_host'",
    also: { inspect: false },
  },
  // Wildcards.
  {
    name: "*. one label",
    facts: l4("a.svc.example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'wild_one'",
    policy: "wild_one",
  },
  {
    name: "*. two labels",
    facts: l4("a.b.svc.example.com", 443),
    verdict: "deny",
    reason: "endpoint a.b.svc.example.com:443 not in policy",
  },
  {
    name: "*. bare suffix",
    facts: l4("svc.example.com", 443),
    verdict: "deny",
    reason: "endpoint svc.example.com:443 not in policy",
  },
  {
    name: "*. case-insensitive",
    facts: l4("A.SVC.Example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'wild_one'",
  },
  {
    name: "**. one label",
    facts: l4("a.deep.example.com", 443, as("/opt/agent/bin/run")),
    verdict: "allow",
    reason: "allowed by policy 'wild_many'",
  },
  {
    name: "**. many labels",
    facts: l4("a.b.c.deep.example.com", 443, as("/opt/agent/bin/run")),
    verdict: "allow",
    reason: "allowed by policy 'wild_many'",
  },
  {
    name: "**. bare suffix",
    facts: l4("deep.example.com", 443, as("/opt/agent/bin/run")),
    verdict: "deny",
    reason: "endpoint deep.example.com:443 not in policy",
  },
  {
    name: "**. look-alike suffix",
    facts: l4("adeep.example.com", 443, as("/opt/agent/bin/run")),
    verdict: "deny",
    reason: "endpoint adeep.example.com:443 not in policy",
  },
];
