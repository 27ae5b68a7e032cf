/**
 * The request part of an L7 question a transport asks `decide()`: method, canonical path,
 * query, override headers, and the classified body when a GraphQL or MCP endpoint judges it.
 *
 * @module
 */

import type { GraphqlRequestInfo, McpRequestInfo } from "../../policy/mod.ts";

/** The request part of an L7 question. */
export interface L7Question {
  /** The request method. */
  method: string;
  /** Canonical path without the query. */
  path: string;
  /** Raw query without `?`, if any. */
  query?: string;
  /** Methods named by method-override headers (each is decided too). */
  methodOverrides?: string[];
  /** The classified GraphQL request, when a GraphQL endpoint judges this one. */
  graphql?: GraphqlRequestInfo;
  /** The classified MCP request, when an MCP endpoint judges this one. */
  mcp?: McpRequestInfo;
  /** The classified JSON-RPC request, when a `protocol: json-rpc` endpoint judges this one. */
  jsonRpc?: McpRequestInfo;
  /** True for a client message of an upgraded WebSocket (`method` is `WEBSOCKET_TEXT`). */
  websocketMessage?: boolean;
  /** The whole client text message (absent for a binary one), for a GraphQL-over-WS judge. */
  websocketText?: Uint8Array;
}
