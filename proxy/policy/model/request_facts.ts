/**
 * What a request brings to `decide()`: where it goes, who asks, and for an L7 question the
 * method, path and query.
 *
 * @module
 */

import type { GraphqlRequestInfo } from "../rpc/mod.ts";
import type { McpRequestInfo } from "../rpc/mod.ts";

/** Who is asking: the requester's executable and its ancestors' (nearest first). */
export interface RequesterIdentity {
  /** Resolved executable path of the connecting process. */
  exe: string;
  /** Executables of its ancestors, nearest first. */
  ancestors: string[];
  /** Process id, when known (for logs). */
  pid?: number;
}

/**
 * What a request brings to `decide()`. Without `method` it is an L4 (host:port) question;
 * with `method` and a canonical `path` it is an L7 question.
 */
export interface RequestFacts {
  /** Lower-case host name or IP literal, no brackets, no port. */
  host: string;
  /** Destination port. */
  port: number;
  /**
   * Every address `host` resolved to, when the transport looked it up before deciding. A
   * host-less `allowed_ips` endpoint matches a host name only through these (all must lie in
   * its `allowed_ips`); the transport must then connect only to these addresses.
   */
  addresses?: string[];
  /** Undefined when the requester could not be identified: such a request is denied. */
  identity?: RequesterIdentity;
  /** Why identity resolution failed, when it did (goes into the deny reason). */
  identityError?: string;
  /** HTTP method as sent; present only for an L7 question. */
  method?: string;
  /** Canonical path (see `canonicalizePath()`), without the query. */
  path?: string;
  /** Raw query string without the leading `?` (never logged or echoed). */
  query?: string;
  /**
   * True when the question is one client text message of an upgraded WebSocket: `method` is
   * then `WEBSOCKET_TEXT` and `path`/`query` are the upgrade's. An HTTP request naming that
   * method is denied: a rule for messages must never let a request of that name through.
   */
  websocketMessage?: boolean;
  /**
   * The whole client text message, for a WebSocket message (absent for a binary one): a
   * GraphQL-over-WebSocket endpoint on the path reads its operation (`judge_graphql_ws.ts`).
   */
  websocketText?: Uint8Array;
  /**
   * Methods named by `X-HTTP-Method-Override`, `X-HTTP-Method` or `X-Method-Override`: the
   * origin may act as any of them, so each must be allowed as well as `method`.
   */
  methodOverrides?: string[];
  /**
   * The classified GraphQL request (see `classifyGraphqlRequest()`), for a request a
   * `protocol: graphql` endpoint judges; without it such a request is denied.
   */
  graphql?: GraphqlRequestInfo;
  /**
   * The classified MCP request (see `classifyMcpRequest()`), for a request a `protocol: mcp`
   * endpoint judges; without it such a request is denied.
   */
  mcp?: McpRequestInfo;
  /**
   * The classified JSON-RPC request (`classifyMcpRequest(request, "json-rpc")`), for a request
   * a `protocol: json-rpc` endpoint judges; without it such a request is denied.
   */
  jsonRpc?: McpRequestInfo;
  /**
   * The time of the request (epoch ms): a leased rule allows only before its expiry, and
   * without `now` it allows nothing.
   */
  now?: number;
  /** The sandbox id the request comes from: a session-scoped rule serves only its own. */
  sandbox?: string;
  /** True for a once-scoped rule key whose one request this proxy has already allowed. */
  spent?: (ruleKey: string) => boolean;
}
