/** decide() table cases: query matchers, audit mode and several rules on one endpoint. */
import type { Case } from "./_decide_fixtures.ts";
import { CURL, GIT, l4, l7, PY } from "./_decide_fixtures.ts";

/** decide() cases: query matchers, audit mode and several rules on one endpoint. */
export const queryCases: Case[] = [
  // Query matchers.
  {
    name: "allow query glob matches",
    facts: l7("git.example.com", "GET", "/acme/tool.git/info/refs", GIT, "service=git-upload-pack"),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "allow query key missing",
    facts: l7("git.example.com", "GET", "/acme/tool.git/info/refs", GIT),
    verdict: "deny",
    reason: "GET /acme/tool.git/info/refs not permitted by policy",
  },
  {
    name: "allow query one value fails",
    facts: l7(
      "git.example.com",
      "GET",
      "/acme/tool.git/info/refs",
      GIT,
      "service=git-upload-pack&service=evil",
    ),
    verdict: "deny",
    reason: "GET /acme/tool.git/info/refs not permitted by policy",
  },
  {
    name: "allow query extra keys ignored",
    facts: l7(
      "git.example.com",
      "GET",
      "/acme/tool.git/info/refs",
      GIT,
      "x=1&service=git-receive-pack",
    ),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "allow query any + glob form",
    facts: l7("git.example.com", "GET", "/search", GIT, "q=bar&page=2"),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "allow query any prefix glob, decoded",
    facts: l7("git.example.com", "GET", "/search", GIT, "q=foo%20x&page=1"),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "allow query every key required",
    facts: l7("git.example.com", "GET", "/search", GIT, "q=bar"),
    verdict: "deny",
    reason: "GET /search not permitted by policy",
  },
  {
    name: "deny query any value fires",
    facts: l7("git.example.com", "GET", "/search", GIT, "q=bar&q=my-password-1&page=1"),
    verdict: "deny",
    reason: "GET /search blocked by deny rule",
  },
  {
    name: "deny query key missing does not fire",
    facts: l7("git.example.com", "GET", "/files/tmp/a", GIT, "mode=raw"),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "deny query all keys with a match fire",
    facts: l7("git.example.com", "GET", "/files/tmp/a", GIT, "mode=raw&fmt=xml&fmt=json"),
    verdict: "deny",
    reason: "GET /files/tmp/a blocked by deny rule",
  },
  // Names and separators as origins read them (PHP, Rack 2, qs, ASP.NET's letter case).
  {
    name: "deny query fires on a key written in another case",
    facts: l7("git.example.com", "GET", "/files/tmp/a", GIT, "MODE=raw&Fmt=json"),
    verdict: "deny",
    reason: "GET /files/tmp/a blocked by deny rule",
  },
  {
    name: "deny query fires on keys PHP and Spring read as its own",
    facts: l7("git.example.com", "GET", "/files/tmp/a", GIT, "+mode=raw&!fmt=json"),
    verdict: "deny",
    reason: "GET /files/tmp/a blocked by deny rule",
  },
  {
    name: "deny query fires on keys Rack and qs read as its own",
    facts: l7("git.example.com", "GET", "/files/tmp/a", GIT, "[mode]=raw&fmt[0]=json"),
    verdict: "deny",
    reason: "GET /files/tmp/a blocked by deny rule",
  },
  {
    name: "deny query fires on a pair Rack 2 splits at ;",
    facts: l7("git.example.com", "GET", "/files/tmp/a", GIT, "mode=raw;fmt=json"),
    verdict: "deny",
    reason: "GET /files/tmp/a blocked by deny rule",
  },
  {
    name: "allow query refuses a second value under a name PHP reads as the key",
    facts: l7(
      "git.example.com",
      "GET",
      "/acme/tool.git/info/refs",
      GIT,
      "service=git-x&+service=evil",
    ),
    verdict: "deny",
    reason: "GET /acme/tool.git/info/refs not permitted by policy",
  },
  {
    name: "allow query refuses a value Rack 2 reads past a ;",
    facts: l7(
      "git.example.com",
      "GET",
      "/acme/tool.git/info/refs",
      GIT,
      "service=git-x;service=evil",
    ),
    verdict: "deny",
    reason: "GET /acme/tool.git/info/refs not permitted by policy",
  },
  {
    name: "allow query needs the key as spelled, not only a name read as it",
    facts: l7("git.example.com", "GET", "/acme/tool.git/info/refs", GIT, "service[]=git-x"),
    verdict: "deny",
    reason: "GET /acme/tool.git/info/refs not permitted by policy",
  },
  {
    name: "allow query passes a ; that every reading allows",
    facts: l7("git.example.com", "GET", "/acme/tool.git/info/refs", GIT, "service=git-x;page=2"),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  // Deny rules read %2F and %5C as `/` where an endpoint keeps them (an origin may decode first).
  {
    name: "deny fires through an encoded slash an endpoint keeps",
    facts: l7("slash.example.com", "GET", "/files/private%2Fkey", CURL),
    verdict: "deny",
    reason: "GET /files/private%2Fkey blocked by deny rule",
  },
  {
    name: "deny fires through an encoded backslash and a doubled slash",
    facts: l7("slash.example.com", "GET", "/files/Private%5C%2Fkey", CURL),
    verdict: "deny",
    reason: "GET /files/Private%5C%2Fkey blocked by deny rule",
  },
  {
    name: "an encoded slash no deny covers is allowed",
    facts: l7("slash.example.com", "GET", "/files/group%2Fproject", CURL),
    verdict: "allow",
    reason: "allowed by policy 'slash'",
  },
  {
    name: "deny without query fires regardless",
    facts: l7("api.example.com", "POST", "/admin/x", PY, "a=1"),
    verdict: "deny",
    reason: "POST /admin/x blocked by deny rule",
  },
  // Audit.
  {
    name: "audit turns not-permitted into allow",
    facts: l7("audit.example.com", "PUT", "/x"),
    verdict: "allow",
    reason: "PUT /x not permitted by policy",
    layer: "l7",
    policy: "audit_api",
    also: { audit: true, ruleMissing: undefined },
  },
  {
    name: "audit turns deny rule into allow",
    facts: l7("audit.example.com", "GET", "/private/a"),
    verdict: "allow",
    reason: "GET /private/a blocked by deny rule",
    also: { audit: true },
  },
  {
    name: "audit allowed request is plain allow",
    facts: l7("audit.example.com", "GET", "/public"),
    verdict: "allow",
    reason: "allowed by policy 'audit_api'",
    also: { audit: undefined },
  },
  // Several rules on one endpoint.
  {
    name: "smallest key wins at L4",
    facts: l4("shared.example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'shared_a'",
    policy: "shared_a",
  },
  {
    name: "allowing rule named at L7",
    facts: l7("shared.example.com", "DELETE", "/x"),
    verdict: "allow",
    reason: "allowed by policy 'shared_b'",
    policy: "shared_b",
  },
  {
    name: "L7 deny names smallest key",
    facts: l7("shared.example.com", "PUT", "/x"),
    verdict: "deny",
    reason: "PUT /x not permitted by policy",
    policy: "shared_a",
  },
  {
    name: "L4-only grant beside L7 for the same binary allows no request the L7 rules deny",
    facts: l7("mixed.example.com", "DELETE", "/x"),
    verdict: "deny",
    reason: "DELETE /x not permitted by policy",
    policy: "mixed_l7",
    layer: "l7",
  },
  {
    name: "L4-only grant beside L7 for the same binary: the L7 rules allow",
    facts: l7("mixed.example.com", "GET", "/x"),
    verdict: "allow",
    reason: "allowed by policy 'mixed_l7'",
    layer: "l7",
  },
  {
    name: "L7 question failing at L4",
    facts: l7("nowhere.example.com", "GET", "/"),
    verdict: "deny",
    reason: "endpoint nowhere.example.com:443 not in policy",
    layer: "l4",
  },
];
