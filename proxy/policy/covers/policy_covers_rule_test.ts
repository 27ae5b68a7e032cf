import assert from "node:assert/strict";
import { compilePolicy, parsePolicy, policyCoversRule } from "../mod.ts";
import type { NetworkRule } from "../mod.ts";

const { policy } = parsePolicy(
  `version: 1
network_policies:
  gh_ro:
    endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  gh_put:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: PUT, path: "/repos/o/r/contents/*" } }]
        deny_rules: [{ method: PUT, path: "/repos/o/r/contents/secret" }]
    binaries: [{ path: /usr/bin/curl }]
  gh_patch:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: PATCH, path: "/repos/o/*/issues/*" }
          - allow: { method: PATCH, path: "/repos/o/*/issues/*/*" }
          - allow: { method: PATCH, path: "/tags", query: { tag: "v*" } }
    binaries: [{ path: /usr/bin/curl }]
  git_l4:
    endpoints: [{ host: github.com, ports: [22, 443] }]
    binaries: [{ path: "/usr/bin/*" }]
  db:
    endpoints: [{ host: db.example.com, port: 5432, allowed_ips: [10.0.0.0/16] }]
    binaries: [{ path: /usr/bin/psql }]
  audit:
    endpoints: [{ host: audit.example.com, port: 443, protocol: rest, enforcement: audit, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  wild:
    endpoints: [{ host: "*.svc.example.com", port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`,
  "c.yaml",
);
const compiled = compilePolicy(policy!);
const CURL = [{ path: "/usr/bin/curl" }];

function rule(endpoint: NetworkRule["endpoints"][0], binaries = CURL): NetworkRule {
  return { endpoints: [endpoint], binaries };
}

Deno.test("policyCoversRule() answers what is already granted", () => {
  const patch = (path: string) =>
    rule({
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PATCH", path } }],
    });
  const tagged = (tag: string) =>
    rule({
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PATCH", path: "/tags", query: { tag } } }],
    });
  const table: [string, NetworkRule, boolean][] = [
    // Both samples of `issues/**` (itself, and `issues/_w/_w`) pass, but `issues/a/b/c` is
    // granted by neither allow: the whole glob decides.
    ["a glob the allows hold only at two depths", patch("/repos/o/*/issues/**"), false],
    ["a glob inside the union of two allows", patch("/repos/o/*/issues/*/x"), true],
    // An allow query glob's `*` stops at `.`: `v*` admits `v1`, never `v1.2`, which `v*.**`
    // does. `v**` is `v*` (as in OpenShell, `**` crosses `.` only as a whole label).
    ["a query glob wider than the allowed one", tagged("v*.**"), false],
    ["a query glob that reads as the allowed one", tagged("v**"), true],
    ["a query glob inside the allowed one", tagged("v1*"), true],
    [
      "same preset",
      rule({ host: "api.github.com", port: 443, protocol: "rest", access: "read-only" }),
      true,
    ],
    [
      "wider preset",
      rule({ host: "api.github.com", port: 443, protocol: "rest", access: "read-write" }),
      false,
    ],
    [
      "explicit GET",
      rule({
        host: "API.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "GET", path: "/repos/o/r" } }],
      }),
      true,
    ],
    [
      "PUT inside granted glob",
      rule({
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/x.md" } }],
      }),
      true,
    ],
    [
      "PUT on a denied path",
      rule({
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/secret" } }],
      }),
      false,
    ],
    [
      "PUT pattern taken literally",
      rule({
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/**" } }],
      }),
      false,
    ],
    [
      "method * needs a * grant",
      rule({
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "*", path: "/x" } }],
      }),
      false,
    ],
    [
      "other binary",
      rule({ host: "api.github.com", port: 443, protocol: "rest", access: "read-only" }, [{
        path: "/usr/bin/wget",
      }]),
      false,
    ],
    [
      "one of two binaries missing",
      rule({ host: "api.github.com", port: 443, protocol: "rest", access: "read-only" }, [{
        path: "/usr/bin/curl",
      }, { path: "/usr/bin/wget" }]),
      false,
    ],
    ["L4 where only L7 is granted", rule({ host: "api.github.com", port: 443 }), false],
    [
      "L4 ports covered by glob binary",
      rule({ host: "github.com", ports: [22, 443] }, [{ path: "/usr/bin/git" }]),
      true,
    ],
    [
      "L4 port not granted",
      rule({ host: "github.com", ports: [22, 9418] }, [{ path: "/usr/bin/git" }]),
      false,
    ],
    [
      "L7 under an L4 grant",
      rule({ host: "github.com", port: 443, protocol: "rest", access: "full" }, [{
        path: "/usr/bin/git",
      }]),
      true,
    ],
    [
      "allowed_ips inside grant",
      rule({ host: "db.example.com", port: 5432, allowed_ips: ["10.0.3.0/24"] }, [{
        path: "/usr/bin/psql",
      }]),
      true,
    ],
    [
      "allowed_ips beyond grant",
      rule({ host: "db.example.com", port: 5432, allowed_ips: ["10.1.0.0/24"] }, [{
        path: "/usr/bin/psql",
      }]),
      false,
    ],
    [
      "audit is not coverage",
      rule({
        host: "audit.example.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "PUT", path: "/x" } }],
      }),
      false,
    ],
    ["host under a wildcard grant", rule({ host: "a.svc.example.com", port: 443 }), true],
    [
      "host-less never covered",
      rule({ port: 5432, allowed_ips: ["10.0.0.0/24"] }, [{ path: "/usr/bin/psql" }]),
      false,
    ],
    ["unknown host", rule({ host: "example.org", port: 443 }), false],
  ];
  for (const [name, r, expected] of table) {
    assert.equal(policyCoversRule(compiled, r), expected, name);
  }
});

Deno.test("policyCoversRule() takes query matchers literally", () => {
  const { policy: q } = parsePolicy(
    `version: 1
network_policies:
  q:
    endpoints:
      - host: git.example.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: /info/refs, query: { service: "git-*" } } }]
    binaries: [{ path: /usr/bin/git }]
`,
    "q.yaml",
  );
  const c = compilePolicy(q!);
  const ask = (query: Record<string, string> | undefined) =>
    policyCoversRule(c, {
      endpoints: [{
        host: "git.example.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "GET", path: "/info/refs", ...(query ? { query } : {}) } }],
      }],
      binaries: [{ path: "/usr/bin/git" }],
    });
  assert.equal(ask({ service: "git-upload-pack" }), true);
  assert.equal(ask({ service: "other" }), false);
  assert.equal(ask(undefined), false);
});
