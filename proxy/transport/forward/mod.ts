/**
 * Plain HTTP (absolute-form requests to the proxy) and the HTTP/1.x exchange that both
 * forwarding and interception run: decide, send upstream, relay the answer; `http://policy.local`
 * is bridged to its app here.
 *
 * @module
 */

export { exchange } from "./exchange.ts";
export { handleForward } from "./forward.ts";
export { servePolicyLocal } from "./policy_local_bridge.ts";
