/**
 * The order in which a host-wide scan reads processes: newest first, so that the process
 * behind a new connection (most often a new one) is read early.
 *
 * @module
 */

/**
 * Remembers when each pid was first seen across listings. A pid missing from the previous
 * listing started after every pid that was in it, so each listing puts the pids it sees for
 * the first time ahead of the known ones. Among pids first seen together, numbers grow with
 * age until they wrap at `pid_max`: those from the last pid handed out
 * (`sys/kernel/ns_last_pid`) down come first. By number alone, after a wrap, the scan's early
 * read never reached a new client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PidOrder } from "./_pid_order.ts";
 *
 * const order = new PidOrder();
 * // Pids wrapped after 300: 5 was handed out last, 300 before it.
 * assert.deepEqual(order.newestFirst([5, 200, 300], 5), [5, 300, 200]);
 * // 7 is new since the last listing: newer than all, whatever its number.
 * assert.deepEqual(order.newestFirst([5, 7, 300], 5), [7, 5, 300]);
 * ```
 */
export class PidOrder {
  // When each listed pid was first seen (a count of first sightings).
  #firstSeen = new Map<number, number>();
  #listings = 0;

  /** `pids` (a full listing, sorted in place) newest first; `last`: `ns_last_pid` if known. */
  newestFirst(pids: number[], last: number | undefined): number[] {
    const fresh = pids.filter((pid) => !this.#firstSeen.has(pid));
    if (fresh.length > 0) {
      const newestLast = wrapAware(fresh, last).reverse();
      for (const pid of newestLast) this.#firstSeen.set(pid, ++this.#listings);
    }
    if (this.#firstSeen.size > pids.length) {
      const present = new Set(pids);
      for (const pid of this.#firstSeen.keys()) if (!present.has(pid)) this.#firstSeen.delete(pid);
    }
    const seen = this.#firstSeen;
    return pids.sort((a, b) => seen.get(b)! - seen.get(a)!);
  }
}

/** `pids` newest first by number alone: from `last` down, then those above it. */
function wrapAware(pids: number[], last: number | undefined): number[] {
  pids.sort((a, b) => b - a);
  // Unknown (another kernel, a test's tree): the plain order, right until a wrap.
  const wrapped = last === undefined ? -1 : pids.findIndex((pid) => pid <= last);
  return wrapped <= 0 ? pids : [...pids.slice(wrapped), ...pids.slice(0, wrapped)];
}
