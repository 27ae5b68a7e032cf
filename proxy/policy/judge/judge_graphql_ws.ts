/**
 * The judgement of one client message of a WebSocket on a path a GraphQL-over-WebSocket
 * endpoint judges (OpenShell's `inspect_graphql_websocket_message` and its Rego): the
 * message's operation must be allowed by every such endpoint on the path, as a GraphQL
 * endpoint is authoritative for its path; a lifecycle message (`connection_init`, `ping`,
 * `complete`…) runs nothing and passes them; a malformed, unknown or binary message is refused
 * even in audit mode. The path's request rules still apply to it as `WEBSOCKET_TEXT`, for their
 * deny rules: any one there fires; no allow rule lets an operation past the GraphQL rules.
 *
 * @module
 */

import type { CompiledMatch, Decision, Grant, RequestFacts } from "../model/mod.ts";
import { classifyGraphqlWsMessage } from "../rpc/mod.ts";
import { decideGraphql } from "./judge_graphql.ts";
import { WEBSOCKET_TEXT } from "./judge_websocket.ts";
import { allowL7 } from "./_verdicts.ts";

/** Every message: request allow rules stand aside, so only their deny rules decide. */
const EVERY_MESSAGE: CompiledMatch = {
  anyMethod: false,
  methods: new Set([WEBSOCKET_TEXT]),
  path: () => true,
};

/**
 * Decide a client message (`facts.websocketText`, absent for a binary one) on a path where the
 * grants `graphqlWs` judge GraphQL over WebSocket; `asText` decides it as `WEBSOCKET_TEXT` by
 * request rules over the grants it is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decide, loadPolicyText } from "../mod.ts";
 * const { compiled } = loadPolicyText(`version: 1
 * network_policies:
 *   gql:
 *     endpoints:
 *       - host: h
 *         port: 443
 *         protocol: websocket
 *         rules:
 *           - allow: { method: GET, path: /graphql }
 *           - allow: { operation_type: subscription }
 * `, "ws.yaml");
 * const identity = { exe: "/b", ancestors: [] };
 * const ask = (text: string) => decide(compiled, { host: "h", port: 443, identity,
 *   method: "WEBSOCKET_TEXT", path: "/graphql", websocketMessage: true,
 *   websocketText: new TextEncoder().encode(text) });
 * assert.equal(ask('{"type":"ping"}').verdict, "allow");
 * const mutation = '{"type":"subscribe","id":"1","payload":{"query":"mutation { drop }"}}';
 * assert.equal(ask(mutation).verdict, "deny");
 * ```
 */
export function decideGraphqlWs(
  facts: RequestFacts,
  onPath: Grant[],
  graphqlWs: Grant[],
  asText: (grants: Grant[]) => Decision,
): Decision {
  // Request rules first, for their deny rules alone: a deny rule of any endpoint on the path
  // fires (a WEBSOCKET_TEXT deny refuses every message there). Their allow rules add nothing:
  // the GraphQL endpoints are authoritative for their path, as protocol: graphql is.
  const text = asText(onPath.map((g) => ({ ...g, allow: [EVERY_MESSAGE] })));
  if (text.verdict === "deny") return text;
  // Every endpoint must allow the message, so the smallest inspection limit among them holds.
  const limit = Math.min(...graphqlWs.map((g) => g.graphqlWs!.maxBodyBytes));
  const message = classifyGraphqlWsMessage(facts.websocketText, limit);
  const judged = message.kind === "control"
    ? allowL7(facts, graphqlWs)
    : decideGraphql({ ...facts, graphql: message.info }, graphqlWs, (g) => g.graphqlWs!);
  if (judged.verdict === "deny" || judged.audit) return judged;
  return text.audit ? text : judged;
}
