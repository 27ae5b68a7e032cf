/**
 * decide() on `protocol: graphql` endpoints (issue #14 item 11). The policy is OpenShell's
 * opa.rs `l7_engine()` fixture; each vector names the opa.rs or l7/mod.rs test it comes from.
 */
import assert from "node:assert/strict";
import { decide, formatIssue, loadPolicyText } from "../mod.ts";
import type { GraphqlOperation, RequestFacts } from "../mod.ts";

const POLICY = `version: 1
network_policies:
  graphql_api:
    name: graphql_api
    endpoints:
      - host: api.graphql.com
        port: 443
        protocol: graphql
        enforcement: enforce
        persisted_queries: allow_registered
        graphql_persisted_queries:
          abc123:
            operation_type: query
            operation_name: Viewer
            fields: [viewer]
        rules:
          - allow:
              operation_type: query
              fields: [viewer, repository]
          - allow:
              operation_type: mutation
              operation_name: Issue*
              fields: [createIssue, deleteRepository]
        deny_rules:
          - operation_type: mutation
            fields: [deleteRepository]
    binaries:
      - { path: /usr/bin/curl }
  graphql_readonly:
    name: graphql_readonly
    endpoints:
      - host: gql.readonly.com
        port: 443
        protocol: graphql
        enforcement: enforce
        access: read-only
    binaries:
      - { path: /usr/bin/curl }
  graphql_audit:
    endpoints:
      - { host: gql.audit.com, port: 443, protocol: graphql, enforcement: audit, access: read-only }
    binaries:
      - { path: /usr/bin/curl }
`;

const { compiled } = loadPolicyText(POLICY, "p.yaml");
const curl = { exe: "/usr/bin/curl", ancestors: [] };

function op(
  type: string,
  fields: string[],
  extra: Partial<GraphqlOperation> = {},
): GraphqlOperation {
  return { operation_type: type, fields, persisted_query: false, ...extra };
}

function facts(host: string, operations: GraphqlOperation[], error?: string): RequestFacts {
  const graphql = error === undefined ? { operations } : { operations, error };
  return { host, port: 443, identity: curl, method: "POST", path: "/graphql", graphql };
}

Deno.test("decide() judges GraphQL operations as OpenShell's opa.rs vectors do", () => {
  const cases: [string, RequestFacts, "allow" | "deny", string?][] = [
    [
      "l7_graphql_query_allowed_by_field_rule",
      facts("api.graphql.com", [op("query", ["repository"], { operation_name: "RepoLookup" })]),
      "allow",
    ],
    [
      "l7_graphql_unlisted_field_denied",
      facts("api.graphql.com", [op("query", ["viewer", "adminAuditLog"])]),
      "deny",
      "GraphQL operation not permitted by policy: query { viewer adminAuditLog }",
    ],
    [
      "l7_graphql_batch_denied_if_any_operation_unallowed",
      facts("api.graphql.com", [
        op("query", ["viewer"]),
        op("mutation", ["deleteRepository"], { operation_name: "DeleteRepo" }),
      ]),
      "deny",
    ],
    [
      "l7_graphql_deny_rule_takes_precedence",
      facts("api.graphql.com", [
        op("mutation", ["deleteRepository"], { operation_name: "IssueDelete" }),
      ]),
      "deny",
      "GraphQL operation blocked by endpoint policy: mutation IssueDelete { deleteRepository }",
    ],
    [
      "l7_graphql_registered_hash_only_query_allowed",
      facts("api.graphql.com", [
        op("", [], {
          operation_name: "Viewer",
          persisted_query: true,
          persisted_query_hash: "abc123",
        }),
      ]),
      "allow",
    ],
    [
      "l7_graphql_unregistered_hash_only_query_denied",
      facts("api.graphql.com", [
        op("", [], {
          operation_name: "Viewer",
          persisted_query: true,
          persisted_query_hash: "missing",
        }),
      ]),
      "deny",
      "GraphQL persisted query is not registered: persisted query Viewer",
    ],
    [
      "l7_graphql_parse_error_denied",
      facts("api.graphql.com", [], "GraphQL document parse error"),
      "deny",
      "GraphQL request rejected: GraphQL document parse error",
    ],
    [
      "l7_graphql_readonly_access_allows_query_and_denies_mutation (query)",
      facts("gql.readonly.com", [op("query", ["viewer"])]),
      "allow",
    ],
    [
      "l7_graphql_readonly_access_allows_query_and_denies_mutation (mutation)",
      facts("gql.readonly.com", [op("mutation", ["createIssue"])]),
      "deny",
    ],
    [
      "Tollgate: a mutation whose name misses the operation_name glob",
      facts("api.graphql.com", [op("mutation", ["createIssue"], { operation_name: "Other" })]),
      "deny",
    ],
    ["Tollgate: an uninspected request is denied", {
      ...facts("api.graphql.com", []),
      graphql: undefined,
    }, "deny"],
  ];
  for (const [name, f, verdict, reason] of cases) {
    const d = decide(compiled, f);
    assert.equal(d.verdict, verdict, `${name}: ${d.reason}`);
    assert.equal(d.layer, "l7", name);
    if (reason !== undefined) assert.equal(d.reason, reason, name);
  }
  const denied = decide(
    compiled,
    facts("gql.readonly.com", [op("mutation", ["createIssue"], { operation_name: "Make" })]),
  );
  assert.deepEqual(denied.ruleMissing?.operation, {
    operation_type: "mutation",
    operation_name: "Make",
    fields: ["createIssue"],
  });
  assert.equal(denied.ruleMissing?.type, "graphql_allow");
});

Deno.test("decide() on a GraphQL audit endpoint: a disallowed operation passes, a malformed request never does", () => {
  const passed = decide(compiled, facts("gql.audit.com", [op("mutation", ["x"])]));
  assert.equal(passed.verdict, "allow");
  assert.equal(passed.audit, true);
  // relay.rs l7_request_hard_deny_reason: parse errors deny even in audit mode.
  assert.equal(decide(compiled, facts("gql.audit.com", [], "bad")).verdict, "deny");
});

Deno.test("loadPolicyText() validates GraphQL endpoints as OpenShell's l7/mod.rs does", () => {
  const bad = (endpoint: string) => {
    const yaml = `version: 1\nnetwork_policies:\n  g:\n    endpoints:\n      - ${endpoint}\n`;
    try {
      loadPolicyText(yaml, "p.yaml");
      return [];
    } catch (error) {
      return (error as { issues: Parameters<typeof formatIssue>[0][] }).issues.map(formatIssue);
    }
  };
  const base = "{ host: h.com, port: 443, protocol: graphql";
  // validate_graphql_rule_requires_operation_type
  assert.match(bad(`${base}, rules: [{ allow: { fields: [a] } }] }`).join("\n"), /operation_type/);
  // persisted_queries must be 'deny' or 'allow_registered' (validate ... persisted_queries: allow_all)
  assert.match(
    bad(`${base}, access: full, persisted_queries: allow_all }`).join("\n"),
    /persisted_queries/,
  );
  assert.match(
    bad(`${base}, access: full, graphql_max_body_bytes: 0 }`).join("\n"),
    /graphql_max_body_bytes/,
  );
  assert.match(
    bad(`${base}, rules: [{ allow: { operation_type: query, fields: [] } }] }`).join("\n"),
    /fields/,
  );
  assert.match(
    bad(`${base}, rules: [{ allow: { operation_type: select } }] }`).join("\n"),
    /operation_type/,
  );
  assert.match(
    bad(`${base}, rules: [{ allow: { method: GET, path: /x } }] }`).join("\n"),
    /Unknown key "method"/,
  );
  assert.match(bad(`${base} }`).join("\n"), /needs "access" or "rules"/);
  assert.deepEqual(
    bad(
      `${base}, access: read-write, deny_rules: [{ operation_type: "*", fields: ["delete*"] }] }`,
    ),
    [],
  );
});
