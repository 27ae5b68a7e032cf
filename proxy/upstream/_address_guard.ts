/**
 * The SSRF guard on the addresses a destination resolved to (see `DestinationResolver`).
 *
 * @module
 */

import { classifyAddress, ipInCidrs, NEVER_ALLOWED_CLASSES } from "../policy/mod.ts";

/** A destination that passed the guard, or why it did not. */
export type DestinationResult =
  | { ok: true; address: string; connectPort: number; overridden: boolean }
  | { ok: false; reason: string };

/**
 * Ports of cluster control planes (etcd client and peer, the Kubernetes API, the kubelet and
 * its read-only port) that OpenShell never connects to on an internal address, whatever
 * `allowed_ips` says: a sandbox that may reach a pod network must not reach its masters.
 */
const CONTROL_PLANE_PORTS = [2379, 2380, 6443, 10250, 10255];

/** Whether `host:port` may be reached at `addresses` under the endpoint's `allowedIps`. */
export function checkAddresses(
  host: string,
  port: number,
  addresses: string[],
  allowedIps: string[],
): DestinationResult {
  if (addresses.length === 0) return { ok: false, reason: `cannot resolve ${host}` };
  const inward = allowedIps.length > 0 || addresses.some((a) => classifyAddress(a) !== "public");
  if (inward && CONTROL_PLANE_PORTS.includes(port)) {
    return {
      ok: false,
      reason: `port ${port} is a control-plane port (etcd, Kubernetes API, kubelet), ` +
        "refused on internal addresses whatever allowed_ips says",
    };
  }
  for (const address of addresses) {
    const kind = classifyAddress(address);
    // Some classes stay refused inside allowed_ips too: fd00::/8 holds the metadata address.
    const never = NEVER_ALLOWED_CLASSES.includes(kind);
    if (kind !== "public" && (never || !ipInCidrs(address, allowedIps))) {
      return {
        ok: false,
        reason: `${host} resolves to ${kind.replace("_", "-")} address ${address}, ` +
          "which is not in the endpoint's allowed_ips",
      };
    }
  }
  return { ok: true, address: addresses[0]!, connectPort: port, overridden: false };
}
