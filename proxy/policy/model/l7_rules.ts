/**
 * The two kinds of L7 matcher an endpoint holds, told apart: REST `{method, path, query?}` and
 * GraphQL `{operation_type, operation_name?, fields?}` (only on `protocol: graphql`).
 *
 * @module
 */

import type { Endpoint, GraphqlMatch, L7Match, McpMatch } from "./types.ts";

/**
 * True for a GraphQL matcher.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGraphqlMatch } from "./l7_rules.ts";
 * assert(isGraphqlMatch({ operation_type: "query" }));
 * assert(!isGraphqlMatch({ method: "GET", path: "/**" }));
 * ```
 */
export function isGraphqlMatch(m: L7Match | GraphqlMatch | McpMatch): m is GraphqlMatch {
  return "operation_type" in m;
}

/**
 * The REST allow matchers of an endpoint (none on a GraphQL endpoint).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { restAllows } from "./l7_rules.ts";
 * const ep = { host: "h", port: 443, protocol: "rest" as const, rules: [{ allow: { method: "GET", path: "/x" } }] };
 * assert.equal(restAllows(ep)[0]?.path, "/x");
 * ```
 */
export function restAllows(ep: Endpoint): L7Match[] {
  if (isJsonRpcFamily(ep.protocol)) return [];
  return (ep.rules ?? []).map((r) => r.allow).filter((m): m is L7Match => !isGraphqlMatch(m));
}

/**
 * The REST deny matchers of an endpoint (none on a GraphQL endpoint).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { restDenies } from "./l7_rules.ts";
 * assert.equal(restDenies({ host: "h", port: 443, deny_rules: [{ method: "*", path: "/a" }] }).length, 1);
 * ```
 */
export function restDenies(ep: Endpoint): L7Match[] {
  if (isJsonRpcFamily(ep.protocol)) return [];
  return (ep.deny_rules ?? []).filter((m): m is L7Match => !isGraphqlMatch(m));
}

/**
 * The GraphQL allow matchers of an endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphqlAllows } from "./l7_rules.ts";
 * const ep = { host: "h", port: 443, protocol: "graphql" as const, rules: [{ allow: { operation_type: "query" } }] };
 * assert.equal(graphqlAllows(ep)[0]?.operation_type, "query");
 * ```
 */
export function graphqlAllows(ep: Endpoint): GraphqlMatch[] {
  return (ep.rules ?? []).map((r) => r.allow).filter(isGraphqlMatch);
}

/**
 * The GraphQL deny matchers of an endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphqlDenies } from "./l7_rules.ts";
 * assert.equal(graphqlDenies({ host: "h", port: 443, deny_rules: [{ operation_type: "mutation" }] }).length, 1);
 * ```
 */
export function graphqlDenies(ep: Endpoint): GraphqlMatch[] {
  return (ep.deny_rules ?? []).filter(isGraphqlMatch);
}

/**
 * Whether a protocol judges JSON-RPC calls (`mcp` and `json-rpc`, OpenShell's JSON-RPC family):
 * its rules match calls, not requests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJsonRpcFamily } from "./l7_rules.ts";
 * assert(isJsonRpcFamily("json-rpc") && isJsonRpcFamily("mcp") && !isJsonRpcFamily("rest"));
 * ```
 */
export function isJsonRpcFamily(protocol: string | undefined): boolean {
  return protocol === "mcp" || protocol === "json-rpc";
}

/**
 * Whether a protocol's rules are REST-shaped `{method, path, query?}`: `rest`, and `websocket`
 * (its `GET` upgrade and `WEBSOCKET_TEXT` messages on the upgrade's path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRestShaped } from "./l7_rules.ts";
 * assert(isRestShaped("rest") && isRestShaped("websocket") && !isRestShaped("graphql"));
 * ```
 */
export function isRestShaped(protocol: string | undefined): boolean {
  return protocol === "rest" || protocol === "websocket";
}

/**
 * The call matchers of an endpoint of the JSON-RPC family: its allow rules and its deny rules
 * (none unless `protocol: mcp` or `protocol: json-rpc`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mcpRules } from "./l7_rules.ts";
 * const ep = { host: "h", port: 443, protocol: "mcp" as const, rules: [{ allow: { method: "tools/list" } }] };
 * assert.equal(mcpRules(ep).allow[0]?.method, "tools/list");
 * ```
 */
export function mcpRules(ep: Endpoint): { allow: McpMatch[]; deny: McpMatch[] } {
  if (!isJsonRpcFamily(ep.protocol)) return { allow: [], deny: [] };
  return {
    allow: (ep.rules ?? []).map((r) => r.allow as McpMatch),
    deny: (ep.deny_rules ?? []) as McpMatch[],
  };
}

/**
 * Whether an endpoint judges GraphQL over WebSocket (OpenShell's `websocket_graphql_policy`):
 * `protocol: websocket` with a GraphQL matcher among its rules or deny rules, or a
 * persisted-query registry or `persisted_queries: allow_registered`. Its client messages are
 * then read as `graphql-transport-ws` (or legacy `graphql-ws`) messages and judged by operation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgesGraphqlWs } from "./l7_rules.ts";
 * const rules = [{ allow: { method: "GET", path: "/graphql" } }, { allow: { operation_type: "subscription" } }];
 * assert(judgesGraphqlWs({ host: "h", port: 443, protocol: "websocket", rules }));
 * assert(!judgesGraphqlWs({ host: "h", port: 443, protocol: "websocket", access: "read-write" }));
 * ```
 */
export function judgesGraphqlWs(ep: Endpoint): boolean {
  if (ep.protocol !== "websocket") return false;
  return graphqlAllows(ep).length > 0 || graphqlDenies(ep).length > 0 ||
    Object.keys(ep.graphql_persisted_queries ?? {}).length > 0 ||
    ep.persisted_queries === "allow_registered";
}
