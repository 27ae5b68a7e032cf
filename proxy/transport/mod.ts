/**
 * The data plane's transport: the listener, CONNECT tunnels, TLS interception, plain-HTTP
 * forwarding and the strict HTTP/1.1 parser they share.
 *
 * `resolve` overrides (`--resolve HOST:PORT:ADDR[:PORT]`) are operator-trusted: a name they
 * cover skips DNS and the SSRF guard (tests and the demo point public names at local servers
 * that way). Every other destination must resolve to public addresses only, unless the
 * endpoint's `allowed_ips` covers the private ones.
 *
 * @module
 */

export { startProxy } from "./proxy_server.ts";
export { MAX_CLIENT_CONNECTIONS } from "./proxy_context.ts";
export type { ProxyHandle, ProxyOptions } from "./proxy_server.ts";
export type { InflateWorkerOptions } from "./inflate_worker.ts";
export type { LivePolicy } from "./live_policy.ts";
export { DestinationResolver, parseResolveOverride } from "./destination.ts";
export type { DestinationResult, ResolveOverride } from "./destination.ts";
export { parseRequestHead, parseResponseHead } from "./http1_head.ts";
export type {
  BodyFraming,
  HeaderField,
  HeadError,
  HeadResult,
  RequestHead,
  ResponseHead,
} from "./http1_head.ts";
export { ByteStream } from "./byte_stream.ts";
export { ProtocolError, ReadTimeoutError } from "./protocol_error.ts";
export type { HeadRead, HeadTimeouts } from "./scan_head.ts";
export { UpstreamError, UpstreamPool } from "./upstream_pool.ts";
export type { PoolOptions, UpstreamConnection, UpstreamTarget } from "./upstream_pool.ts";
export { duplexFromDenoConn } from "./deno_conn_duplex.ts";
export { gateInbound } from "./flow_gate.ts";
export type { FlowControl, GatedSocket } from "./flow_gate.ts";
export { filterGoaway } from "./h2_goaway_filter.ts";
export type { GoawayOptions } from "./h2_goaway_filter.ts";
