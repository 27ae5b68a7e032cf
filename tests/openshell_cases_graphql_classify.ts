/**
 * OpenShell's GraphQL classifiers, decided: `l7/graphql.rs` and the GraphQL message tests of
 * `l7/websocket.rs` (`crates/openshell-supervisor-network/src/`, tests modules, at 2f7fb655),
 * sent to the endpoints of `openshell_cases_rpc_classify.ts`: a document OpenShell refuses to
 * classify must be denied, one it reads must be judged by the operations it reads.
 *
 * @module
 */

import type { Ask, DecideCase } from "./openshell_cases.ts";
import { CLASSIFY_POLICY as POLICY } from "./openshell_cases_rpc_classify.ts";

const G = "graphql.rs";
const W = "websocket.rs";
const post = (host: string, body: unknown, more: Partial<Ask> = {}): Ask => ({
  host,
  port: 443,
  method: "POST",
  path: host === "rpc.example" ? "/rpc" : host === "gql.example" ? "/graphql" : "/mcp",
  body,
  ...more,
});
const socket = (message: unknown): Ask => ({
  host: "socket.example",
  port: 443,
  method: "GET",
  path: "/graphql",
  message: JSON.stringify(message),
});
const yes = (test: string, ask: Ask): DecideCase => ({
  mirrors: test,
  policy: POLICY,
  ask,
  expect: "allow",
});
const no = (test: string, ask: Ask): DecideCase => ({
  mirrors: test,
  policy: POLICY,
  ask,
  expect: "deny",
});
export const GRAPHQL_CLASSIFY: DecideCase[] = [
  yes(
    `${G} classifies_simple_query`,
    post("gql.example", { query: "query Viewer { viewer { login } }" }),
  ),
  no(
    `${G} classifies_mutation_field_not_alias`,
    post("gql.example", {
      query: 'mutation M { safeAlias: volumeDelete(volumeId: "x") { id } }',
      operationName: "M",
    }),
  ),
  no(
    `${G} expands_root_fragments`,
    post("gql.example", {
      query:
        'query Q { ...RootFields } fragment RootFields on Query { viewer repository(owner: "o", name: "r") { id } }',
    }),
  ),
  no(
    `${G} multiple_operations_without_name_errors`,
    post("gql.example", {
      query: "query A { viewer { login } } query B { rateLimit { limit } }",
    }),
  ),
  no(
    `${G} detects_hash_only_apollo_persisted_query (none registered)`,
    post("gql.example", {
      operationName: "Viewer",
      extensions: { persistedQuery: { version: 1, sha256Hash: "abc123" } },
    }),
  ),
  no(`${G} graphql_get_rejects_duplicate_query_parameter`, {
    host: "gql.example",
    port: 443,
    method: "GET",
    path: "/graphql",
    query:
      "query=query+Viewer+%7B+viewer+%7B+login+%7D+%7D&query=mutation+D+%7B+safeAlias+%7B+id+%7D+%7D",
  }),
  no(`${G} graphql_get_rejects_ambiguous_persisted_query_ids`, {
    host: "gql.example",
    port: 443,
    method: "GET",
    path: "/graphql",
    query: "id=one&queryId=two",
  }),
  yes(
    `${W} classifies_graphql_transport_ws_subscribe_operation`,
    socket({
      type: "subscribe",
      id: "1",
      payload: { query: "subscription NewMessages { messageAdded }" },
    }),
  ),
  yes(
    `${W} classifies_legacy_graphql_ws_start_operation`,
    socket({
      type: "start",
      id: "1",
      payload: { query: "query Viewer { viewer }" },
    }),
  ),
  yes(
    `${W} classifies_graphql_websocket_control_message_without_payload_logging`,
    socket({
      type: "connection_init",
      payload: { authorization: "secret" },
    }),
  ),
  no(
    `${W} unsupported_graphql_websocket_message_type_fails_closed`,
    socket({ type: "next", id: "1" }),
  ),
  yes(
    `${W} graphql_websocket_policy_allows_subscription_operation`,
    socket({
      type: "subscribe",
      id: "2",
      payload: { query: "subscription { messageAdded { id } }" },
    }),
  ),
  no(
    `${W} graphql_websocket_policy_denies_unlisted_operation_field`,
    socket({
      type: "subscribe",
      id: "3",
      payload: { query: "subscription { adminEvents { id } }" },
    }),
  ),
];
