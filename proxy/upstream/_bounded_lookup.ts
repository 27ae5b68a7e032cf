/**
 * A bound on the system name lookups running at once. `getaddrinfo` holds one of the blocking
 * threads Deno gives every async file operation and Web Crypto call (32 in all) until the
 * resolver answers, which takes seconds for a name whose servers never answer; a host-less
 * `allowed_ips` endpoint has every name asked looked up, so a client naming 32 such names at
 * once left no thread for anyone's log write, `/proc` read or leaf signature, and the proxy's
 * other clients waited as long as the slowest name (20 s and more).
 *
 * @module
 */

/** A name lookup: every address of `host`. */
export type Lookup = (host: string) => Promise<string[]>;

/** System lookups running at once: a quarter of Deno's blocking threads. */
export const LOOKUPS_AT_ONCE = 8;

/**
 * `lookup` with at most `max` calls running at once; later ones wait, first asked first run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boundedLookup } from "./_bounded_lookup.ts";
 *
 * let running = 0;
 * let most = 0;
 * const slow = async (_host: string) => {
 *   most = Math.max(most, ++running);
 *   await new Promise((resolve) => setTimeout(resolve, 1));
 *   running--;
 *   return ["192.0.2.1"];
 * };
 * const lookup = boundedLookup(slow, 2);
 * await Promise.all(["a", "b", "c", "d"].map((name) => lookup(name)));
 * assert.equal(most, 2);
 * ```
 */
export function boundedLookup(lookup: Lookup, max: number = LOOKUPS_AT_ONCE): Lookup {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    // A slot freed goes straight to the oldest waiter, so a new caller cannot overtake it.
    if (next === undefined) running--;
    else next();
  };
  return async (host) => {
    if (running < max) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await lookup(host);
    } finally {
      release();
    }
  };
}
