/**
 * OpenShell `crates/openshell-supervisor-network/src/opa.rs` (tests module, at 2f7fb655):
 * GraphQL and GraphQL-over-WebSocket requests. OpenShell's tests hand its Rego the classified
 * operations; here the request is sent as its body (or socket message) and classified as the
 * proxy classifies it (see `openshell_cases.ts`).
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";

const F = "opa.rs";

/** opa.rs's GraphQL fixtures: field rules with a persisted query, a read-only one, a socket. */
const GQL = `version: 1
network_policies:
  graphql_api:
    endpoints:
      - host: api.graphql.example
        port: 443
        protocol: graphql
        persisted_queries: allow_registered
        graphql_persisted_queries:
          abc123: { operation_type: query, operation_name: Viewer, fields: [viewer] }
        rules:
          - allow: { operation_type: query, fields: [viewer, repository] }
          - allow: { operation_type: mutation, operation_name: "Issue*", fields: [createIssue, deleteRepository] }
        deny_rules:
          - { operation_type: mutation, fields: [deleteRepository] }
    binaries: [{ path: /usr/bin/curl }]
  graphql_readonly:
    endpoints: [{ host: gql.readonly.example, port: 443, protocol: graphql, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  graphql_ws:
    endpoints:
      - host: realtime.graphql.example
        ports: [443]
        path: /graphql
        protocol: websocket
        rules:
          - allow: { method: GET, path: /graphql }
          - allow: { operation_type: query, fields: [viewer] }
          - allow: { operation_type: subscription, fields: [messageAdded] }
        deny_rules:
          - { operation_type: mutation }
    binaries: [{ path: /usr/bin/curl }]
  mixed_api:
    endpoints:
      - { host: mixed.example, port: 443, path: "/repos/**", protocol: rest, rules: [{ allow: { method: "*", path: "/**" } }] }
      - { host: mixed.example, port: 443, path: /graphql, protocol: graphql, rules: [{ allow: { operation_type: query } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

const gql = (host: string, body: unknown): Ask => ({
  host,
  port: 443,
  method: "POST",
  path: "/graphql",
  body,
});
const q = (query: string) => ({ query });
const ws = (query: string): Ask => ({
  host: "realtime.graphql.example",
  port: 443,
  method: "GET",
  path: "/graphql",
  message: JSON.stringify({ type: "subscribe", id: "1", payload: { query } }),
});
const yes = (test: string, policy: string, ask: Ask): DecideCase => ({
  mirrors: `${F} ${test}`,
  policy,
  ask,
  expect: "allow",
});
const no = (test: string, policy: string, ask: Ask, reason?: RegExp): DecideCase => ({
  mirrors: `${F} ${test}`,
  policy,
  ask,
  expect: "deny",
  ...(reason ? { reason } : {}),
});

export const OPA_GRAPHQL: DecideCase[] = [
  yes(
    "l7_graphql_query_allowed_by_field_rule",
    GQL,
    gql("api.graphql.example", q('query RepoLookup { repository(name: "x") { id } }')),
  ),
  no(
    "l7_graphql_unlisted_field_denied",
    GQL,
    gql("api.graphql.example", q("query { viewer { login } adminAuditLog { id } }")),
  ),
  no(
    "l7_graphql_batch_denied_if_any_operation_unallowed",
    GQL,
    gql("api.graphql.example", [
      q("query { viewer { login } }"),
      q("mutation DeleteRepo { deleteRepository(id: 1) { id } }"),
    ]),
  ),
  no(
    "l7_graphql_deny_rule_takes_precedence",
    GQL,
    gql("api.graphql.example", q("mutation IssueDelete { deleteRepository(id: 1) { id } }")),
  ),
  yes(
    "l7_graphql_registered_hash_only_query_allowed",
    GQL,
    gql("api.graphql.example", {
      operationName: "Viewer",
      extensions: { persistedQuery: { version: 1, sha256Hash: "abc123" } },
    }),
  ),
  no(
    "l7_graphql_unregistered_hash_only_query_denied / …_has_deny_reason",
    GQL,
    gql("api.graphql.example", {
      operationName: "Viewer",
      extensions: { persistedQuery: { version: 1, sha256Hash: "missing" } },
    }),
    /persisted query is not registered/i,
  ),
  no("l7_graphql_parse_error_denied", GQL, gql("api.graphql.example", q("query {"))),
  yes(
    "l7_graphql_readonly_access_allows_query_and_denies_mutation (query)",
    GQL,
    gql("gql.readonly.example", q("{ viewer { login } }")),
  ),
  no(
    "l7_graphql_readonly_access_allows_query_and_denies_mutation (mutation)",
    GQL,
    gql("gql.readonly.example", q('mutation { createIssue(title: "x") { id } }')),
  ),
  yes(
    "l7_websocket_graphql_subscription_allowed_by_field_rule",
    GQL,
    ws("subscription NewMessages { messageAdded { id } }"),
  ),
  no("l7_websocket_graphql_unlisted_field_denied", GQL, ws("query { adminAuditLog { id } }")),
  no(
    "l7_websocket_graphql_deny_rule_takes_precedence",
    GQL,
    ws("mutation DeleteRepo { deleteRepository(id: 1) { id } }"),
  ),
  yes("l7_endpoint_path_scopes_rest_and_graphql_on_same_host (REST write)", GQL, {
    host: "mixed.example",
    port: 443,
    method: "POST",
    path: "/repos/org/repo/issues",
  }),
  yes(
    "l7_endpoint_path_scopes_rest_and_graphql_on_same_host (query)",
    GQL,
    gql("mixed.example", q("{ viewer { login } }")),
  ),
  no(
    "l7_endpoint_path_scopes_rest_and_graphql_on_same_host (mutation)",
    GQL,
    gql("mixed.example", q("mutation { deleteRepository(id: 1) { id } }")),
  ),
];
