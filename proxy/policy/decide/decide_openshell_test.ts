/**
 * decide() against vectors from OpenShell's tests (named in each case) and against the
 * Tollgate hardening of issue #12: case-insensitive deny paths, method-override headers and
 * queries that cannot be decoded.
 */
import assert from "node:assert/strict";
import { compilePolicy, decide, parsePolicy, parseQuery, queryProblem } from "../mod.ts";
import type { RequestFacts } from "../mod.ts";

const POLICY = `
version: 1
network_policies:
  api:
    endpoints:
      - host: api.example.com
        port: 8080
        protocol: rest
        rules:
          - allow: { method: GET, path: "/repos/**" }
          - allow: { method: POST, path: "/repos/**" }
          - allow: { method: GET, path: "/users/@alice" }
          - allow: { method: GET, path: "/people/**" }
          - allow: { method: GET, path: "/search", query: { q: "foo*" } }
        deny_rules:
          - { method: POST, path: "/repos/*/Admin/**" }
          - { method: GET, path: "/search", query: { q: "*secret*" } }
          - { method: GET, path: "/people/%40admin/**" }
    binaries: [{ path: /usr/bin/curl }]
  post_only:
    endpoints:
      - host: h.test
        port: 80
        protocol: rest
        rules: [{ allow: { method: POST, path: "/" } }]
    binaries: [{ path: /usr/bin/curl }]
  full:
    endpoints:
      - host: full.test
        port: 80
        protocol: rest
        access: full
        deny_rules:
          - { method: GET, path: "/protected" }
          - { method: DELETE, path: "/**" }
    binaries: [{ path: /usr/bin/curl }]
  audited:
    endpoints:
      - host: audit.test
        port: 80
        protocol: rest
        enforcement: audit
        rules: [{ allow: { method: POST, path: "/**" } }]
    binaries: [{ path: /usr/bin/curl }]
`;

const { policy, issues } = parsePolicy(POLICY, "decide_openshell.yaml");
assert.deepEqual(issues, []);
const compiled = compilePolicy(policy!);
const CURL = { exe: "/usr/bin/curl", ancestors: [] };

function ask(
  target: string,
  method: string,
  path: string,
  more: Partial<RequestFacts> = {},
): RequestFacts {
  const [host, port] = target.split(":") as [string, string];
  return { host, port: Number(port), identity: CURL, method, path, ...more };
}

// [source test, facts, verdict, reason]
const cases: [string, RequestFacts, "allow" | "deny", string][] = [
  [
    "OpenShell l7_head_allowed_where_get_is_allowed",
    ask("api.example.com:8080", "HEAD", "/repos/myorg/foo"),
    "allow",
    "allowed by policy 'api'",
  ],
  [
    "OpenShell l7_head_denied_when_only_post_allowed",
    ask("h.test:80", "HEAD", "/"),
    "deny",
    "HEAD / not permitted by policy",
  ],
  [
    "OpenShell l7_head_blocked_by_deny_rule_targeting_get",
    ask("full.test:80", "HEAD", "/protected"),
    "deny",
    "HEAD /protected blocked by deny rule",
  ],
  [
    "OpenShell l7_options_not_implicitly_allowed_by_get",
    ask("api.example.com:8080", "OPTIONS", "/repos/myorg/foo"),
    "deny",
    "OPTIONS /repos/myorg/foo not permitted by policy",
  ],
  [
    "OpenShell legitimate_percent_encoded_bytes_round_trip (/users/%40alice is /users/@alice)",
    ask("api.example.com:8080", "GET", "/users/@alice"),
    "allow",
    "allowed by policy 'api'",
  ],
  [
    "Tollgate #14.5: a deny rule written with %40 still fires on the canonical @",
    ask("api.example.com:8080", "GET", "/people/@admin/keys"),
    "deny",
    "GET /people/@admin/keys blocked by deny rule",
  ],
  [
    "Tollgate #12.7: deny path ignores case (rule /repos/*/Admin/**)",
    ask("api.example.com:8080", "POST", "/repos/o/aDMIN/keys"),
    "deny",
    "POST /repos/o/aDMIN/keys blocked by deny rule",
  ],
  [
    "Tollgate #12.7: deny path ignores case, lower-case request",
    ask("api.example.com:8080", "POST", "/repos/o/admin/keys"),
    "deny",
    "POST /repos/o/admin/keys blocked by deny rule",
  ],
  [
    "Tollgate #12.7: allow path stays exact",
    ask("api.example.com:8080", "GET", "/Repos/o"),
    "deny",
    "GET /Repos/o not permitted by policy",
  ],
  [
    "Tollgate #12.8: an override to a denied method is denied",
    ask("full.test:80", "POST", "/x", { methodOverrides: ["DELETE"] }),
    "deny",
    "POST (as DELETE) /x blocked by deny rule",
  ],
  [
    "Tollgate #12.8: an override to an unlisted method is denied",
    ask("api.example.com:8080", "POST", "/repos/o", { methodOverrides: ["delete"] }),
    "deny",
    "POST (as delete) /repos/o not permitted by policy",
  ],
  [
    "Tollgate #12.8: an override onto a GET deny (as HEAD) is denied",
    ask("full.test:80", "POST", "/protected", { methodOverrides: ["HEAD"] }),
    "deny",
    "POST (as HEAD) /protected blocked by deny rule",
  ],
  [
    "Tollgate #12.8: the real method is still decided first",
    ask("h.test:80", "PUT", "/", { methodOverrides: ["POST"] }),
    "deny",
    "PUT / not permitted by policy",
  ],
  [
    "Tollgate #12.8: an override to an allowed method is allowed",
    ask("api.example.com:8080", "POST", "/repos/o", { methodOverrides: ["GET"] }),
    "allow",
    "allowed by policy 'api'",
  ],
  [
    "Tollgate #12.8: audit mode logs an override it would deny",
    ask("audit.test:80", "POST", "/x", { methodOverrides: ["DELETE"] }),
    "allow",
    "POST (as DELETE) /x not permitted by policy",
  ],
  [
    // Rails routes `/users/1.json` to `/users/1`'s action (format json); OpenShell's
    // `path_matches` (glob.match, `/` delimiter) reads it as another path, and so does Tollgate.
    "OpenShell path_matches: an allow on /users/@alice does not admit Rails' /users/@alice.json",
    ask("api.example.com:8080", "GET", "/users/@alice.json"),
    "deny",
    "GET /users/@alice.json not permitted by policy",
  ],
  [
    "OpenShell path_matches: a deny on /protected does not fire on Rails' /protected.json",
    ask("full.test:80", "GET", "/protected.json"),
    "allow",
    "allowed by policy 'full'",
  ],
  [
    "OpenShell parse_target_query_rejects_malformed_percent_encoding: no allow matches",
    ask("api.example.com:8080", "GET", "/search", { query: "q=foo%2" }),
    "deny",
    "GET /search blocked by deny rule",
  ],
  [
    "OpenShell parse_target_query_decodes_percent_and_plus (deny sees the decoded value)",
    ask("api.example.com:8080", "GET", "/search", { query: "q=foo+my%73ecret" }),
    "deny",
    "GET /search blocked by deny rule",
  ],
];

Deno.test("decide() OpenShell and #12 vectors", async (t) => {
  for (const [name, facts, verdict, reason] of cases) {
    await t.step(name, () => {
      const d = decide(compiled, facts);
      assert.equal(d.verdict, verdict, d.reason);
      assert.equal(d.reason, reason);
    });
  }
});

Deno.test("decide() names the overridden method as the missing rule", () => {
  const d = decide(
    compiled,
    ask("api.example.com:8080", "POST", "/repos/o", { methodOverrides: ["PUT"] }),
  );
  assert.equal(d.method, "POST");
  assert.equal(d.ruleMissing?.method, "PUT");
});

// [OpenShell test, raw query, expected parameters or undefined when refused]
const queries: [string, string, [string, string[]][] | undefined][] = [
  ["parse_target_query_parses_duplicate_values", "tag=a&tag=b", [["tag", ["a", "b"]]]],
  [
    "parse_target_query_decodes_percent_and_plus",
    "slug=my%2Fskill&name=Foo+Bar",
    [["slug", ["my/skill"]], ["name", ["Foo Bar"]]],
  ],
  ["parse_target_query_literal_plus_via_percent_encoding", "q=a%2Bb", [["q", ["a+b"]]]],
  ["parse_target_query_empty_value", "tag=", [["tag", [""]]]],
  ["parse_target_query_key_without_value", "verbose", [["verbose", [""]]]],
  ["parse_target_query_unicode_after_decoding", "q=caf%C3%A9", [["q", ["café"]]]],
  ["parse_target_query_empty_query_string", "", []],
  ["parse_target_query_rejects_malformed_percent_encoding", "slug=bad%2", undefined],
  ["decode_query_component (invalid hex)", "a=%zz", undefined],
  ["decode_query_component (not UTF-8)", "%C3=1", undefined],
];

Deno.test("parseQuery() and queryProblem() follow OpenShell's parse_query_params", async (t) => {
  for (const [name, raw, expected] of queries) {
    await t.step(name, () => {
      const parsed = parseQuery(raw);
      assert.deepEqual(parsed, expected === undefined ? undefined : new Map(expected));
      assert.equal(queryProblem(raw) === undefined, expected !== undefined);
    });
  }
  assert.equal(queryProblem("a=1#frag"), "query contains a fragment");
  assert.equal(queryProblem(undefined), undefined);
});
