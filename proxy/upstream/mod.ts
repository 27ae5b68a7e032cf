/**
 * The way out: where a request may go (`DestinationResolver`, the SSRF guard, `resolve`
 * overrides), the pool of idle upstream connections and its per-host lanes, ALPN offers, and
 * an upstream bound to one tunnel. Built on `proxy/wire`; knows nothing of decisions.
 *
 * `resolve` overrides (`--resolve HOST:PORT:ADDR[:PORT]`) are operator-trusted: a name they
 * cover skips DNS and the SSRF guard (tests and the demo point public names at local servers
 * that way). Every other destination must resolve to public addresses only, unless the
 * endpoint's `allowed_ips` covers the private ones.
 *
 * @module
 */

export { alpnProtocols } from "./alpn_protocols.ts";
export { BoundUpstream } from "./bound_upstream.ts";
export { DestinationResolver, parseResolveOverride } from "./destination.ts";
export type { DestinationResult, ResolveOverride, TunnelDestination } from "./destination.ts";
export { MAX_LANES, UpstreamLanes } from "./upstream_lanes.ts";
export type { LaneTally, SlotSource } from "./upstream_lanes.ts";
export { UpstreamError, UpstreamPool } from "./upstream_pool.ts";
export type { UpstreamConnection, UpstreamTarget } from "./upstream_pool.ts";
export type { PoolOptions } from "./pool_options.ts";
