/**
 * A bound on the system name lookups running at once, shared fairly between clients.
 * `getaddrinfo` holds one of the blocking threads Deno gives every async file operation and Web
 * Crypto call (32 in all) until the resolver answers, which takes seconds for a name whose
 * servers never answer; a host-less `allowed_ips` endpoint has every name asked looked up, so a
 * client naming 32 such names at once left no thread for anyone's log write, `/proc` read or
 * leaf signature, and the proxy's other clients waited as long as the slowest name (20 s and
 * more).
 *
 * With one queue for all, a client that asked 64 such names first still made every other
 * client's uncached lookup wait for the 8 slots to serve all 64 (a resolver timeout for every 8
 * names ahead). So one client holds at most half the slots, and a freed slot goes to the
 * waiting client running the fewest lookups (the oldest waiter among equals): another client's
 * lookup starts at once while a single client holds dead lookups, and waits for one slot to
 * free, not for the names queued ahead of it, when several do.
 *
 * @module
 */

/** A name lookup: every address of `host`. */
export type Lookup = (host: string) => Promise<string[]>;

/**
 * A lookup made for a client: `client` names whose share of the slots it takes; `started` is
 * called once it holds a slot (at once, or when it leaves the queue).
 */
export type ClientLookup = (
  host: string,
  client?: string,
  started?: () => void,
) => Promise<string[]>;

/** System lookups running at once: a quarter of Deno's blocking threads. */
export const LOOKUPS_AT_ONCE = 8;

interface Waiter {
  client: string;
  order: number;
  start: () => void;
}

/**
 * `lookup` with at most `max` calls running at once and at most half of them for one client;
 * later ones wait, and a freed slot goes to the waiting client running the fewest.
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
 * const lookup = boundedLookup(slow, 4);
 * await Promise.all(["a", "b", "c", "d"].map((name) => lookup(name, "one client")));
 * assert.equal(most, 2); // half the slots for one client
 * ```
 */
export function boundedLookup(lookup: Lookup, max: number = LOOKUPS_AT_ONCE): ClientLookup {
  const share = Math.max(1, Math.floor(max / 2));
  const running = new Map<string, number>();
  const waiting: Waiter[] = [];
  let total = 0;
  let order = 0;
  const take = (client: string) => {
    total++;
    running.set(client, (running.get(client) ?? 0) + 1);
  };
  const release = (client: string) => {
    total--;
    const left = running.get(client)! - 1;
    if (left === 0) running.delete(client);
    else running.set(client, left);
    pump();
  };
  // Start waiters while a slot is free and some waiter's client is under its share.
  const pump = () => {
    while (total < max) {
      const next = nextWaiter(waiting, running, share);
      if (next === undefined) return;
      waiting.splice(waiting.indexOf(next), 1);
      take(next.client);
      next.start();
    }
  };
  return async (host, client = "", started) => {
    if (total < max && (running.get(client) ?? 0) < share) take(client);
    else await new Promise<void>((start) => waiting.push({ client, order: order++, start }));
    started?.();
    try {
      return await lookup(host);
    } finally {
      release(client);
    }
  };
}

/** The waiter whose client runs the fewest lookups (under `share`), the oldest among equals. */
function nextWaiter(
  waiting: readonly Waiter[],
  running: ReadonlyMap<string, number>,
  share: number,
): Waiter | undefined {
  let best: Waiter | undefined;
  let fewest = share;
  // Oldest first, so the first waiter of the least busy client wins a tie.
  for (const waiter of waiting) {
    const busy = running.get(waiter.client) ?? 0;
    if (busy < fewest) {
      best = waiter;
      fewest = busy;
    }
  }
  return best;
}
