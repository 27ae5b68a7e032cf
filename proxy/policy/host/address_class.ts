/**
 * The class of an address as far as SSRF protection cares (loopback, private, metadata...),
 * and the classes the proxy never connects to.
 *
 * @module
 */

import { embeddedV4 } from "./_embedded_v4.ts";
import { inCidr, parseCidr, parseIp } from "./ip.ts";

/** The class of an address, as far as SSRF protection cares. */
export type AddressClass =
  | "loopback"
  | "private"
  | "link_local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "public";

const CLASSES: [AddressClass, string[]][] = [
  ["metadata", ["169.254.169.254/32", "fd00:ec2::254/128"]],
  ["unspecified", ["0.0.0.0/8", "::/128"]],
  ["loopback", ["127.0.0.0/8", "::1/128"]],
  ["link_local", ["169.254.0.0/16", "fe80::/10"]],
  ["multicast", ["224.0.0.0/4", "ff00::/8"]],
  // Not publicly routable either: RFC 1918, CGNAT, benchmarking, reserved/broadcast, ULA,
  // deprecated site-local, IETF protocol assignments and documentation (OpenShell's too).
  ["private", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]],
  ["private", ["198.18.0.0/15", "240.0.0.0/4", "fc00::/7", "fec0::/10"]],
  ["private", ["192.0.0.0/24", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]],
];

/**
 * Classify an IP literal; anything unparsable is reported as `unspecified` (never public).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyAddress } from "./address_class.ts";
 * assert.equal(classifyAddress("169.254.169.254"), "metadata");
 * assert.equal(classifyAddress("::ffff:127.0.0.1"), "loopback");
 * assert.equal(classifyAddress("::127.0.0.1"), "loopback");
 * assert.equal(classifyAddress("1.1.1.1"), "public");
 * assert.equal(classifyAddress("203.0.113.7"), "private");
 * ```
 */
export function classifyAddress(ip: string): AddressClass {
  const bytes = parseIp(ip);
  if (!bytes) return "unspecified";
  const own = classOf(bytes), inner = embeddedV4(bytes);
  // An IPv4 address an older transition scheme carries (::127.0.0.1) is judged as itself too.
  return own === "public" && inner ? classOf(inner) : own;
}

function classOf(bytes: Uint8Array): AddressClass {
  for (const [cls, cidrs] of CLASSES) {
    if (cidrs.some((c) => inCidr(bytes, parseCidr(c)!))) return cls;
  }
  return "public";
}

/**
 * Address classes the proxy never connects to, whatever `allowed_ips` says (OpenShell's
 * `is_always_blocked_ip`, plus cloud metadata).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyAddress, NEVER_ALLOWED_CLASSES } from "./address_class.ts";
 * assert(NEVER_ALLOWED_CLASSES.includes(classifyAddress("fd00:ec2::254")));
 * assert(!NEVER_ALLOWED_CLASSES.includes(classifyAddress("fd00::1")));
 * ```
 */
export const NEVER_ALLOWED_CLASSES: readonly AddressClass[] = [
  "metadata",
  "unspecified",
  "loopback",
  "link_local",
];
