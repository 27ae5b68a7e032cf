/**
 * OpenShell's GraphQL e2e cases (e2e/rust/tests/forward_proxy_graphql_l7.rs) with its policy
 * and expected statuses, shared by the HTTP/1.1 and the HTTP/2 GraphQL tests.
 */
import assert from "node:assert/strict";

/** One endpoint of OpenShell's GraphQL policy, as a YAML list item. */
export const endpoint = (host: string, port: number): string =>
  `      - host: ${host}
        port: ${port}
        path: /graphql
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
              fields: [viewer]
          - allow:
              operation_type: mutation
              fields: [createIssue]
        deny_rules:
          - operation_type: mutation
            fields: [deleteRepository]
`;

/** OpenShell's GraphQL policy on plain.example.com:80 and api.github.com:443. */
export const POLICY = `version: 1
network_policies:
  test_graphql_l7:
    name: test_graphql_l7
    endpoints:
${endpoint("plain.example.com", 80)}${endpoint("api.github.com", 443)}`;

/** A query the policy allows. */
export const VIEWER = "query Viewer { viewer { login } }";
const REPOSITORY = 'query Repo { repository(owner:"o", name:"r") { id } }';
const CREATE =
  'mutation Create { createIssue(input:{repositoryId:"r", title:"t"}) { issue { id } } }';
/** A mutation a deny rule refuses. */
export const DELETE =
  'mutation Delete { deleteRepository(input:{repositoryId:"r"}) { clientMutationId } }';
const PERSISTED = (hash: string) =>
  `operationName=Viewer&extensions=${
    encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }))
  }`;

/** Send a request head (and body) through the proxy; its status and body. */
export type Send = (head: string, body?: string) => Promise<{ status: number; body: string }>;

/** A POST of `query` as JSON: [request head, body], chunked or with a Content-Length. */
export function post(query: string, chunked = false): [string, string] {
  const body = JSON.stringify({ query });
  const framing = chunked
    ? "Transfer-Encoding: chunked"
    : `Content-Length: ${new TextEncoder().encode(body).byteLength}`;
  const wire = chunked ? `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` : body;
  return [`POST TARGET HTTP/1.1\r\nContent-Type: application/json\r\n${framing}\r\n`, wire];
}

/** OpenShell's e2e cases: [name, request head (target, extra fields), body, status]. */
export function cases(): [string, string, string | undefined, number][] {
  const q = (text: string) => `query=${encodeURIComponent(text)}`;
  return [
    ["query_allowed", ...post(VIEWER), 200],
    ["get_query_allowed", `GET TARGET?${q(VIEWER)} HTTP/1.1\r\n`, undefined, 200],
    ["duplicate_get_denied", `GET TARGET?${q(VIEWER)}&${q(DELETE)} HTTP/1.1\r\n`, undefined, 403],
    ["persisted_get_allowed", `GET TARGET?${PERSISTED("abc123")} HTTP/1.1\r\n`, undefined, 200],
    [
      "unregistered_persisted_get_denied",
      `GET TARGET?${PERSISTED("missing")} HTTP/1.1\r\n`,
      undefined,
      403,
    ],
    ["chunked_query_allowed", ...post(VIEWER, true), 200],
    ["unlisted_field_denied", ...post(REPOSITORY), 403],
    ["mutation_allowed", ...post(CREATE), 200],
    ["deny_rule_denied", ...post(DELETE), 403],
  ];
}

/** The 403 body `denied` names the Delete mutation, the operation a deny rule refuses. */
export function assertNamesDelete(denied: Record<string, unknown>): void {
  assert.equal(
    denied.detail,
    "GraphQL operation blocked by endpoint policy: mutation Delete { deleteRepository }",
  );
  assert.deepEqual(denied.operation, {
    operation_type: "mutation",
    operation_name: "Delete",
    fields: ["deleteRepository"],
  });
}
