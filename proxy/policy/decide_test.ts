import assert from "node:assert/strict";
import { compilePolicy, decide, parsePolicy } from "./mod.ts";
import type { Decision, RequestFacts } from "./mod.ts";

const POLICY = `
version: 1
network_policies:
  gh_ro:
    name: github-readonly
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  gh_git_l4:
    endpoints: [{ host: api.github.com, port: 443 }]
    binaries: [{ path: /usr/bin/git }]
  rw_api:
    endpoints:
      - host: API.Example.com
        ports: [443, 8443]
        protocol: rest
        access: read-write
        deny_rules:
          - { method: "*", path: "/admin/**" }
    binaries: [{ path: /usr/bin/python3 }]
  full_api:
    endpoints: [{ host: full.example.com, port: 443, protocol: rest, access: full }]
    binaries: [{ path: /usr/bin/curl }]
  explicit:
    endpoints:
      - host: git.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/acme/tool.git/info/refs", query: { service: "git-*" } }
          - allow: { method: post, path: "/acme/tool.git/git-upload-pack" }
          - allow: { method: GET, path: "/repos/*/issues" }
          - allow: { method: GET, path: "/files/**" }
          - allow: { method: "*", path: "/any-method" }
          - allow: { method: GET, path: "/search", query: { q: { any: ["foo*", "bar"] }, page: { glob: "*" } } }
        deny_rules:
          - { method: GET, path: "/files/secret/**" }
          - { method: GET, path: "/search", query: { q: "*password*" } }
          - { method: GET, path: "/files/tmp/**", query: { mode: raw, fmt: json } }
    binaries: [{ path: /usr/bin/git }, { path: "/usr/lib/git-core/**" }]
  wild_one:
    endpoints: [{ host: "*.svc.example.com", port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  wild_many:
    endpoints: [{ host: "**.deep.example.com", port: 443 }]
    binaries: [{ path: "/opt/agent/bin/*" }]
  db:
    endpoints: [{ host: db.internal.example, port: 5432, allowed_ips: ["10.0.0.0/24"] }]
    binaries: [{ path: /usr/bin/psql }]
  db_replica:
    endpoints: [{ host: db.internal.example, port: 5432, allowed_ips: ["10.0.1.0/24", "10.0.0.0/24"] }]
    binaries: [{ path: /usr/bin/psql }]
  hostless:
    endpoints: [{ port: 6379, allowed_ips: ["10.9.0.0/16"] }]
    binaries: [{ path: /usr/bin/redis-cli }]
  raw_tls:
    endpoints: [{ host: raw.example.com, port: 443, tls: skip }]
    binaries: [{ path: /usr/bin/curl }]
  audit_api:
    endpoints:
      - host: audit.example.com
        port: 443
        protocol: rest
        enforcement: audit
        access: read-only
        deny_rules: [{ method: GET, path: "/private/**" }]
    binaries: [{ path: /usr/bin/curl }]
  slash:
    endpoints: [{ host: slash.example.com, port: 443, protocol: rest, access: read-only, allow_encoded_slash: true }]
    binaries: [{ path: /usr/bin/curl }]
  agent_tree:
    endpoints: [{ host: agent.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/local/bin/claude }]
  shared_b:
    endpoints:
      - host: shared.example.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: DELETE, path: "/x" } }]
    binaries: [{ path: /usr/bin/curl }]
  shared_a:
    endpoints: [{ host: shared.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  mixed_l7:
    endpoints: [{ host: mixed.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  mixed_l4:
    endpoints: [{ host: mixed.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  ip_host:
    endpoints: [{ host: 203.0.113.7, port: 8080 }]
    binaries: [{ path: /usr/bin/curl }]
`;

const { policy, issues } = parsePolicy(POLICY, "decide.yaml");
assert.deepEqual(issues, []);
const compiled = compilePolicy(policy!);

const CURL = { exe: "/usr/bin/curl", ancestors: [] };
function as(exe: string, ancestors: string[] = []): RequestFacts["identity"] {
  return { exe, ancestors };
}
function l4(host: string, port: number, identity = CURL as RequestFacts["identity"]): RequestFacts {
  return { host, port, identity };
}
function l7(
  host: string,
  method: string,
  path: string,
  identity = CURL as RequestFacts["identity"],
  query?: string,
): RequestFacts {
  const f: RequestFacts = { host, port: 443, identity, method, path };
  if (query !== undefined) f.query = query;
  return f;
}

interface Case {
  name: string;
  facts: RequestFacts;
  verdict: "allow" | "deny";
  reason: string;
  layer?: "l4" | "l7";
  policy?: string | null;
  /** Further fields that must be equal (undefined = must be absent). */
  also?: Partial<Decision>;
}

const GH = "api.github.com";
const GIT = as("/usr/bin/git");
const PY = as("/usr/bin/python3");

const cases: Case[] = [
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
    name: "L4 and L7 grant for same binary: no inspection",
    facts: l4("mixed.example.com", 443),
    verdict: "allow",
    reason: "allowed by policy 'mixed_l4'",
    policy: "mixed_l4",
    also: { inspect: false },
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
  // Presets.
  {
    name: "read-only GET",
    facts: l7(GH, "GET", "/repos/o/r"),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
    layer: "l7",
    policy: "gh_ro",
  },
  {
    name: "read-only HEAD",
    facts: l7(GH, "HEAD", "/"),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
  },
  {
    name: "read-only OPTIONS lower-case",
    facts: l7(GH, "options", "/x"),
    verdict: "allow",
    reason: "allowed by policy 'gh_ro'",
  },
  {
    name: "read-only PUT denied",
    facts: l7(GH, "PUT", "/repos/o/r/contents/x.md"),
    verdict: "deny",
    reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
    layer: "l7",
    policy: "gh_ro",
  },
  {
    name: "read-only POST denied",
    facts: l7(GH, "POST", "/graphql"),
    verdict: "deny",
    reason: "POST /graphql not permitted by policy",
  },
  {
    name: "read-write POST",
    facts: l7("api.example.com", "POST", "/items", PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "read-write PATCH",
    facts: l7("api.example.com", "PATCH", "/items/1", PY),
    verdict: "allow",
    reason: "allowed by policy 'rw_api'",
  },
  {
    name: "read-write DELETE denied",
    facts: l7("api.example.com", "DELETE", "/items/1", PY),
    verdict: "deny",
    reason: "DELETE /items/1 not permitted by policy",
    policy: "rw_api",
  },
  {
    name: "read-write deny rule any method",
    facts: l7("api.example.com", "GET", "/admin/users", PY),
    verdict: "deny",
    reason: "GET /admin/users blocked by deny rule",
    policy: "rw_api",
  },
  {
    name: "full DELETE",
    facts: l7("full.example.com", "DELETE", "/anything/at/all"),
    verdict: "allow",
    reason: "allowed by policy 'full_api'",
  },
  {
    name: "full odd method",
    facts: l7("full.example.com", "PROPFIND", "/"),
    verdict: "allow",
    reason: "allowed by policy 'full_api'",
  },
  // Explicit rules, methods and path globs.
  {
    name: "explicit lower-case method in policy",
    facts: l7("git.example.com", "POST", "/acme/tool.git/git-upload-pack", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "explicit method mismatch",
    facts: l7("git.example.com", "PUT", "/acme/tool.git/git-upload-pack", GIT),
    verdict: "deny",
    reason: "PUT /acme/tool.git/git-upload-pack not permitted by policy",
    policy: "explicit",
  },
  {
    name: "* method any",
    facts: l7("git.example.com", "DELETE", "/any-method", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "path * within one segment",
    facts: l7("git.example.com", "GET", "/repos/acme/issues", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "path * does not cross /",
    facts: l7("git.example.com", "GET", "/repos/acme/tool/issues", GIT),
    verdict: "deny",
    reason: "GET /repos/acme/tool/issues not permitted by policy",
  },
  {
    name: "path ** across /",
    facts: l7("git.example.com", "GET", "/files/a/b/c.txt", GIT),
    verdict: "allow",
    reason: "allowed by policy 'explicit'",
  },
  {
    name: "path exact is exact",
    facts: l7("git.example.com", "GET", "/any-method/x", GIT),
    verdict: "deny",
    reason: "GET /any-method/x not permitted by policy",
  },
  {
    name: "deny beats allow (path)",
    facts: l7("git.example.com", "GET", "/files/secret/key", GIT),
    verdict: "deny",
    reason: "GET /files/secret/key blocked by deny rule",
    layer: "l7",
    policy: "explicit",
  },
  {
    name: "deny rule other method does not fire",
    facts: l7("git.example.com", "POST", "/files/secret/key", GIT),
    verdict: "deny",
    reason: "POST /files/secret/key not permitted by policy",
  },
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
    name: "L4-only grant beside L7 allows L7 request at l4",
    facts: l7("mixed.example.com", "DELETE", "/x"),
    verdict: "allow",
    reason: "allowed by policy 'mixed_l4'",
    layer: "l4",
  },
  {
    name: "L7 question failing at L4",
    facts: l7("nowhere.example.com", "GET", "/"),
    verdict: "deny",
    reason: "endpoint nowhere.example.com:443 not in policy",
    layer: "l4",
  },
];

Deno.test("decide() decision table", async (t) => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
  for (const c of cases) {
    await t.step(c.name, () => {
      const d = decide(compiled, c.facts);
      assert.equal(d.verdict, c.verdict, d.reason);
      assert.equal(d.reason, c.reason);
      if (c.layer) assert.equal(d.layer, c.layer);
      if (c.policy !== undefined) assert.equal(d.policy, c.policy ?? undefined);
      for (const [k, v] of Object.entries(c.also ?? {})) {
        assert.deepEqual(d[k as keyof Decision], v, k);
      }
      assert.equal(d.host, c.facts.host);
      assert.equal(d.port, c.facts.port);
      if (c.verdict === "allow") assert.equal(d.ruleMissing, undefined);
    });
  }
});

Deno.test("decide() with no network policies", () => {
  const empty = compilePolicy({ version: 1, revision: 0, network_policies: {} });
  const d = decide(empty, l4(GH, 443));
  assert.deepEqual(d, {
    verdict: "deny",
    layer: "l4",
    reason: "network connections not allowed by policy",
    host: GH,
    port: 443,
    binary: "/usr/bin/curl",
    ruleMissing: { type: "l4_allow", layer: "l4", host: GH, port: 443, binary: "/usr/bin/curl" },
  });
});

Deno.test("decide() ruleMissing shape for an L7 denial", () => {
  const d = decide(compiled, l7(GH, "PUT", "/repos/o/r/contents/x.md", CURL, "token=s3cret"));
  assert.deepEqual(d, {
    verdict: "deny",
    layer: "l7",
    reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
    policy: "gh_ro",
    host: GH,
    port: 443,
    binary: "/usr/bin/curl",
    method: "PUT",
    path: "/repos/o/r/contents/x.md",
    ruleMissing: {
      type: "rest_allow",
      layer: "l7",
      method: "PUT",
      path: "/repos/o/r/contents/x.md",
      host: GH,
      port: 443,
      binary: "/usr/bin/curl",
    },
  });
  assert.ok(!JSON.stringify(d).includes("s3cret"), "query must never appear in a decision");
});

Deno.test("decide() is total on odd input", () => {
  const odd: RequestFacts[] = [
    { host: "", port: 0, identity: CURL },
    { host: GH, port: 443, identity: CURL, method: "GET" },
    { host: GH, port: 443, identity: CURL, method: "", path: "" },
    {
      host: "git.example.com",
      port: 443,
      identity: GIT,
      method: "GET",
      path: "/search",
      query: "q=%E0%A4%A&&=&page",
    },
  ];
  for (const f of odd) assert.equal(decide(compiled, f).verdict, "deny");
});
