/**
 * Whether a decision for a host name must see the name's resolved addresses: only a host-less
 * `allowed_ips` endpoint on the port can match a name through its addresses.
 *
 * @module
 */

import type { CompiledPolicy } from "../model/mod.ts";
import { isIpLiteral } from "../host/mod.ts";

/**
 * True when `decide()` for `host:port` depends on `facts.addresses`: the host is a name (not
 * an IP literal) and the policy has a host-less endpoint on `port`. The transport then looks
 * the name up before deciding and connects only to the addresses it decided on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, needsAddresses } from "../mod.ts";
 * const compiled = compilePolicy({
 *   version: 1,
 *   revision: 0,
 *   network_policies: { lan: { endpoints: [{ port: 80, allowed_ips: ["10.0.0.0/8"] }] } },
 * });
 * assert.equal(needsAddresses(compiled, "wiki.corp", 80), true);
 * assert.equal(needsAddresses(compiled, "10.1.2.3", 80), false);
 * assert.equal(needsAddresses(compiled, "wiki.corp", 443), false);
 * ```
 */
export function needsAddresses(compiled: CompiledPolicy, host: string, port: number): boolean {
  return compiled.hostless.has(port) && !isIpLiteral(host);
}
