/**
 * The data plane's transport: the listener, CONNECT tunnels, TLS interception, plain-HTTP
 * forwarding and the strict HTTP/1.1 parser they share.
 *
 * @module
 */

export { startProxy } from "./proxy_server.ts";
export type { ProxyHandle, ProxyOptions } from "./proxy_server.ts";
export { DestinationResolver, parseResolveOverride } from "./destination.ts";
export type { DestinationResult, ResolveOverride } from "./destination.ts";
export { parseRequestHead, parseResponseHead } from "./http1_head.ts";
export type { BodyFraming, HeaderField, RequestHead, ResponseHead } from "./http1_head.ts";
export { UpstreamError, UpstreamPool } from "./upstream_pool.ts";
export type { PoolOptions, UpstreamConnection, UpstreamTarget } from "./upstream_pool.ts";
export { duplexFromDenoConn } from "./deno_conn_duplex.ts";
