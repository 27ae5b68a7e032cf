/**
 * The L7 judges a decision calls on a body's facts (GraphQL operations, MCP and JSON-RPC
 * calls, WebSocket text) and the verdicts they build.
 *
 * @module
 */

export { allowL4, allowL7, auditAllow, denyL4, denyL7, smallestKey } from "./_verdicts.ts";
export { decideGraphql } from "./judge_graphql.ts";
export type { GraphqlJudgement, GraphqlSide } from "./judge_graphql.ts";
export { decideGraphqlWs } from "./judge_graphql_ws.ts";
export { decideJsonRpc, decideMcp } from "./judge_mcp.ts";
export { httpWebsocketText, markWebsocket, WEBSOCKET_TEXT } from "./judge_websocket.ts";
