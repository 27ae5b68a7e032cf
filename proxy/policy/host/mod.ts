/**
 * Hosts and addresses: IP literals, CIDRs and address classes, host patterns with wildcard
 * labels, and the proxy's listen addresses.
 *
 * @module
 */

export {
  hostMatches,
  hostPatternProblem,
  hostTail,
  parseHostPattern,
  wildcardMatches,
} from "./host_pattern.ts";
export type { HostPattern, LabelPattern } from "./host_pattern.ts";
export { cidrContains, cidrsOverlap, ipInCidrs, isIpLiteral, parseCidr } from "./ip.ts";
export type { Cidr } from "./ip.ts";
export { classifyAddress, NEVER_ALLOWED_CLASSES } from "./address_class.ts";
export type { AddressClass } from "./address_class.ts";
export { parseListen } from "./parse_listen.ts";
export { isRequestHost } from "./request_host.ts";
export type { ListenAddress } from "./parse_listen.ts";
