/**
 * Set questions on host patterns (`.`-separated globs, as `host_pattern.ts` reads them on every
 * real host), each tested first on the patterns' tails (`hostTail()`): the cheap refusal that
 * keeps the glob products off most pairs of a policy of thousands of hosts.
 *
 * @module
 */

import { globsOverlap, globWithin } from "../glob/mod.ts";
import { hostTail } from "../host/mod.ts";

/** Whether host patterns (or names) `a` and `b`, lower case, name a host in common. */
export function hostsShare(a: string, b: string): boolean {
  const [tailA, tailB] = [hostTail(a), hostTail(b)];
  return (tailA.endsWith(tailB) || tailB.endsWith(tailA)) && globsOverlap(a, b, ".");
}

/** Whether every host of `pattern` is a host of `outer` (both lower case). */
export function hostsWithin(pattern: string, outer: string): boolean {
  return hostTail(pattern).endsWith(hostTail(outer)) && globWithin(pattern, [outer], ".");
}
