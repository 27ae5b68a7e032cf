/**
 * The data plane's transport: the listener, CONNECT tunnels, TLS interception (HTTP/1.x and
 * h2), plain-HTTP forwarding, and the exchanges that ask the policy and relay what it allows.
 * It stands on `proxy/wire` (bytes and HTTP/1.1 parsing), `proxy/upstream` (destinations and
 * the pool) and `proxy/body_scan` (body scans), each reached through its `mod.ts`.
 *
 * @module
 */

export { startProxy } from "./proxy_server.ts";
export { MAX_CLIENT_CONNECTIONS } from "./connection/proxy_context.ts";
export type { ProxyHandle, ProxyOptions } from "./proxy_server.ts";
export type { LivePolicy } from "./connection/live_policy.ts";
// The options name their resolve overrides, so the module that takes them parses them too.
export { parseResolveOverride } from "../upstream/mod.ts";
export type { ResolveOverride } from "../upstream/mod.ts";
export { duplexFromDenoConn } from "./connection/deno_conn_duplex.ts";
