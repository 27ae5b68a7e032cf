/**
 * Validation of a `protocol: websocket` endpoint's matchers (OpenShell's L7Protocol::Websocket):
 * REST-shaped `{method, path, query?}` where `GET` judges the upgrade and `WEBSOCKET_TEXT` each
 * client text message after it, on the upgrade's path and query; or GraphQL operation matchers
 * (OpenShell's `websocket_graphql_policy`), which judge each `graphql-transport-ws` `subscribe`
 * (or legacy `graphql-ws` `start`) message by the operation it runs.
 *
 * @module
 */

import { type Checker, isMap, type PlainMap, type ValuePath } from "./_checker.ts";
import type { GraphqlMatch, L7Match } from "../model/mod.ts";
import { type AllowMatcher, validateMatch } from "./_validate_match.ts";
import { validateGraphqlMatch } from "./_validate_graphql.ts";
import { WEBSOCKET_TEXT } from "../judge/mod.ts";

/** The keys of a GraphQL operation matcher (OpenShell's GraphQL-over-WebSocket rules). */
const GRAPHQL_MATCH_KEYS = ["operation_type", "operation_name", "fields"];
const TRANSPORT_KEYS = ["method", "path", "query"];

/** True when a raw matcher names a GraphQL key (it is then an operation matcher). */
function namesGraphql(raw: unknown): raw is PlainMap {
  return isMap(raw) && GRAPHQL_MATCH_KEYS.some((key) => raw[key] !== undefined);
}

/**
 * Validate one allow or deny matcher of a websocket endpoint: a GraphQL operation matcher when
 * it names `operation_type`, `operation_name` or `fields` (never beside `method`, `path` or
 * `query`: OpenShell refuses the mix), else a request matcher.
 */
function validateWebsocketMatch(
  c: Checker,
  raw: unknown,
  path: ValuePath,
): L7Match | GraphqlMatch | undefined {
  if (!namesGraphql(raw)) return validateMatch(c, raw, path, true);
  if (TRANSPORT_KEYS.some((key) => raw[key] !== undefined)) {
    c.report(
      path,
      `A websocket GraphQL rule must not combine "method", "path" or "query" with "operation_type", "operation_name" or "fields": write the upgrade's GET rule and each operation rule apart`,
      "key",
    );
    return undefined;
  }
  return validateGraphqlMatch(c, raw, path);
}

/** How `rules[].allow` and `deny_rules[]` of a websocket endpoint are validated. */
export const websocketMatcher: AllowMatcher<L7Match | GraphqlMatch> = {
  match: validateWebsocketMatch,
  example: "{method: WEBSOCKET_TEXT, path: ...}",
};

/**
 * Whether a raw websocket endpoint judges GraphQL-over-WebSocket (OpenShell's
 * `endpoint_has_graphql_policy`): a GraphQL matcher in its rules or deny rules, or a
 * persisted-query registry or mode.
 */
export function rawJudgesGraphqlWs(raw: PlainMap): boolean {
  const allows = Array.isArray(raw.rules) ? raw.rules.map((r) => isMap(r) ? r.allow : r) : [];
  const denies = Array.isArray(raw.deny_rules) ? raw.deny_rules : [];
  const registry = raw.graphql_persisted_queries;
  return [...allows, ...denies].some(namesGraphql) ||
    (isMap(registry) && Object.keys(registry).length > 0) ||
    raw.persisted_queries === "allow_registered";
}

/**
 * The endpoint-level rules of GraphQL-over-WebSocket (OpenShell's `validate_l7_policies`): once
 * an endpoint judges operations, a `WEBSOCKET_TEXT` allow rule would let every message past
 * them, so it is refused; an access preset allows no operation (warned).
 */
export function websocketGraphqlChecks(c: Checker, raw: PlainMap, path: ValuePath): void {
  if (raw.protocol !== "websocket" || !rawJudgesGraphqlWs(raw)) return;
  const rules = Array.isArray(raw.rules) ? raw.rules : [];
  rules.forEach((rule, i) => {
    const allow = isMap(rule) ? rule.allow : undefined;
    const method = isMap(allow) ? allow.method : undefined;
    if (typeof method === "string" && method.toUpperCase() === WEBSOCKET_TEXT) {
      c.report(
        [...path, "rules", i, "allow", "method"],
        `A websocket endpoint with GraphQL rules judges its messages by operation: replace this WEBSOCKET_TEXT allow with operation_type/operation_name/fields rules`,
      );
    }
  });
  if (raw.access !== undefined) {
    c.warn(
      [...path, "access"],
      `An access preset allows no GraphQL operation: with GraphQL rules here, every subscribe message is denied; write operation rules under "rules"`,
    );
  }
}
