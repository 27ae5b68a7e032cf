/**
 * A destination resolver's name answers, kept a while and shared by concurrent requests, but
 * never a lookup still queued for another client's share of the lookup slots.
 *
 * @module
 */

import { LruMap } from "../lru/mod.ts";
import type { ClientLookup } from "./_bounded_lookup.ts";

/** How long a name's addresses are reused, in ms. */
export const DNS_CACHE_MS = 10_000;
/** Names kept at most (the oldest goes first). */
const DNS_CACHE_ENTRIES = 1024;

/** A name's answer, or the lookup that will give it, for {@linkcode DNS_CACHE_MS}. */
interface CachedLookup {
  addresses: Promise<string[]>;
  until: number;
  /** Whose share of the lookup slots it takes, and whether it holds one yet. */
  client: string | undefined;
  started: boolean;
}

/**
 * Answers kept for {@linkcode DNS_CACHE_MS} (getaddrinfo gives no TTL): a lookup per request
 * cost more than the rest of a forwarded request. First in, first out (hits are peeked): an
 * answer expires anyway. A failed lookup is not remembered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LookupCache } from "./_lookup_cache.ts";
 *
 * let asked = 0;
 * const cache = new LookupCache(async (_host, _client, started) => {
 *   started?.();
 *   asked++;
 *   return ["192.0.2.1"];
 * }, () => 0);
 * await cache.addresses("a.example", "curl");
 * await cache.addresses("a.example", "python"); // started: shared
 * assert.equal(asked, 1);
 * ```
 */
export class LookupCache {
  readonly #cache = new LruMap<string, CachedLookup>(DNS_CACHE_ENTRIES);

  /** A cache over `lookup`, on the clock `now` (ms). */
  constructor(readonly lookup: ClientLookup, readonly now: () => number) {}

  /** Every address of `host`, looked up for `client` unless a fitting answer is kept. */
  addresses(host: string, client: string | undefined): Promise<string[]> {
    const now = this.now();
    const cached = this.#cache.peek(host);
    // A lookup still queued for another client's share is not joined: a client holding its
    // share with dead names would hold everyone's lookups of the names it asked next.
    const joinable = cached && (cached.started || cached.client === client);
    if (cached && joinable && cached.until > now) return cached.addresses;
    const entry = { client, started: false, until: now + DNS_CACHE_MS } as CachedLookup;
    const addresses = entry.addresses = this.lookup(host, client, () => entry.started = true);
    this.#cache.set(host, entry);
    addresses.catch(() => {
      if (this.#cache.peek(host)?.addresses === addresses) this.#cache.delete(host);
    });
    return addresses;
  }
}
