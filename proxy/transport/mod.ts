/**
 * The data plane's transport: the listener, CONNECT tunnels, TLS interception (HTTP/1.x and
 * h2), plain-HTTP forwarding, and the exchanges that ask the policy and relay what it allows.
 * It stands on `proxy/wire` (bytes and HTTP/1.1 parsing), `proxy/upstream` (destinations and
 * the pool) and `proxy/body_scan` (body scans), each reached through its `mod.ts`.
 *
 * @module
 */

export { startProxy } from "./proxy_server.ts";
export { MAX_CLIENT_CONNECTIONS } from "./connection/mod.ts";
export type { ProxyHandle, ProxyOptions } from "./proxy_server.ts";
export type { LivePolicy } from "./connection/mod.ts";
// The options name their resolve overrides, so the module that takes them parses them too.
export { parseResolveOverride } from "../upstream/mod.ts";
export type { ResolveOverride } from "../upstream/mod.ts";
export { duplexFromDenoConn } from "./connection/mod.ts";
