/**
 * Validation of a `protocol: websocket` endpoint's matchers (OpenShell's L7Protocol::Websocket):
 * REST-shaped `{method, path, query?}` where `GET` judges the upgrade and `WEBSOCKET_TEXT` each
 * client text message after it, on the upgrade's path and query.
 *
 * @module
 */

import { type Checker, isMap, type ValuePath } from "./_checker.ts";
import type { L7Match } from "../model/mod.ts";
import { type AllowMatcher, validateMatch } from "./_validate_match.ts";

/** The keys of a GraphQL operation matcher (OpenShell's GraphQL-over-WebSocket rules). */
const GRAPHQL_MATCH_KEYS = ["operation_type", "operation_name", "fields"];

/**
 * Validate one allow or deny matcher of a websocket endpoint. GraphQL operation rules there
 * (OpenShell's `websocket_graphql_policy`: `graphql-transport-ws` subscribe messages judged by
 * operation) are refused in one line: read as REST they would be an error per key, and
 * dropping them would let every operation through.
 */
function validateWebsocketMatch(c: Checker, raw: unknown, path: ValuePath): L7Match | undefined {
  if (isMap(raw) && GRAPHQL_MATCH_KEYS.some((key) => raw[key] !== undefined)) {
    c.report(
      path,
      `GraphQL rules on a "protocol: websocket" endpoint (GraphQL over WebSocket) are not supported by Tollgate: judge its text messages with "method: WEBSOCKET_TEXT" rules`,
      "key",
    );
    return undefined;
  }
  return validateMatch(c, raw, path, true);
}

/** How `rules[].allow` and `deny_rules[]` of a websocket endpoint are validated. */
export const websocketMatcher: AllowMatcher<L7Match> = {
  match: validateWebsocketMatch,
  example: "{method: WEBSOCKET_TEXT, path: ...}",
};
