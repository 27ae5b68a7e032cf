/**
 * Which ports transparent mode captures: the web's two, and every port a policy names.
 *
 * @module
 */

import type { Policy } from "../policy/mod.ts";

/** Captured whatever the policy says: plain HTTP and HTTPS. */
export const DEFAULT_CAPTURE_PORTS: readonly number[] = [80, 443];

/** At most this many listeners: a policy naming hundreds of ports gets the first ones. */
const MAX_CAPTURE_PORTS = 64;

/**
 * The ports to capture for `policy`: 80, 443, then each endpoint's `port`/`ports` in
 * ascending order, without duplicates, at most 64. A port the policy never names could only
 * be denied, and is left uncaptured: a client dialling it is refused by the kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { capturePorts } from "./capture_ports.ts";
 * const policy = {
 *   version: 1,
 *   network_policies: {
 *     db: { endpoints: [{ host: "db.example.com", ports: [5432, 443] }], binaries: [] },
 *   },
 * };
 * assert.deepEqual(capturePorts(policy), [80, 443, 5432]);
 * ```
 */
export function capturePorts(policy: Pick<Policy, "network_policies">): number[] {
  const named = new Set<number>();
  for (const rule of Object.values(policy.network_policies ?? {})) {
    for (const endpoint of rule.endpoints) {
      if (endpoint.port !== undefined) named.add(endpoint.port);
      for (const port of endpoint.ports ?? []) named.add(port);
    }
  }
  const extra = [...named].filter((p) => !DEFAULT_CAPTURE_PORTS.includes(p)).sort((a, b) => a - b);
  return [...DEFAULT_CAPTURE_PORTS, ...extra].slice(0, MAX_CAPTURE_PORTS);
}
