/**
 * Whether a host:port is one the policy says never to terminate TLS for (`tls: skip`).
 *
 * @module
 */

import { lookupGrants } from "../compile/mod.ts";
import type { CompiledPolicy } from "../model/mod.ts";

/**
 * True when some endpoint matching host:port has `tls: skip`, whatever its binaries: the
 * proxy must then never present a certificate of its own for that host, even to say no.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, hostSkipsTls } from "../mod.ts";
 * const compiled = compilePolicy({
 *   version: 1,
 *   revision: 0,
 *   network_policies: {
 *     pinned: {
 *       endpoints: [{ host: "pinned.example", port: 443, tls: "skip" }],
 *       binaries: [{ path: "/usr/bin/app" }],
 *     },
 *   },
 * });
 * assert(hostSkipsTls(compiled, "pinned.example", 443));
 * assert(!hostSkipsTls(compiled, "other.example", 443));
 * ```
 */
export function hostSkipsTls(compiled: CompiledPolicy, host: string, port: number): boolean {
  return lookupGrants(compiled, host, port).some((grant) => grant.endpoint.tls === "skip");
}
