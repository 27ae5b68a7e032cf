/**
 * Which requests may share an upstream connection.
 *
 * @module
 */

import type { UpstreamTarget } from "./upstream_connector.ts";

/**
 * The pool key of a destination: connections are shared only between requests with the same
 * scheme, host name (SNI and certificate), port and connected address and port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolKey } from "./pool_key.ts";
 *
 * const target = { host: "a.test", port: 443, address: "10.0.0.1", tls: true };
 * assert.notEqual(poolKey(target), poolKey({ ...target, tls: false }));
 * assert.notEqual(poolKey(target), poolKey({ ...target, host: "b.test" }));
 * ```
 */
export function poolKey(target: UpstreamTarget): string {
  return `${target.tls ? "https" : "http"}|${target.host}|${target.port}|` +
    `${target.address}|${target.connectPort ?? target.port}`;
}
