/**
 * The grant index of a compiled plan (`compilePlanInSlices`): per host or port key, the slots
 * of its grants, compiled on the first lookup.
 *
 * @module
 */

import type { Grant, GrantLookup } from "../model/mod.ts";

/**
 * Key → grant list, each list compiled from its slots the first time it is asked for. A key's
 * slots are a chain through two typed arrays (first slot in the map, then `next`), not an array
 * per key: indexing 10,000 rules then allocates map entries only, which keeps the collector's
 * pauses on the proxy's thread short.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LazyGrants } from "./_lazy_grants.ts";
 * import type { Grant } from "../model/mod.ts";
 * const grants = new LazyGrants<string>((slot) => ({ ruleKey: `r${slot}` }) as Grant, 5);
 * for (const [key, slot] of [["a", 0], ["b", 1], ["a", 2], ["a", 4]] as const) grants.add(key, slot);
 * assert.deepEqual(grants.get("a")?.map((g) => g.ruleKey), ["r0", "r2", "r4"]);
 * assert.equal(grants.get("c"), undefined);
 * ```
 */
export class LazyGrants<K> implements GrantLookup<K> {
  #first = new Map<K, number>();
  #next: Int32Array;
  #last: Int32Array;
  #lists = new Map<K, Grant[]>();
  #compile: (slot: number) => Grant;

  /** `compile` makes slot `i`'s grant; slots are numbered from 0 to `slotCount - 1`. */
  constructor(compile: (slot: number) => Grant, slotCount: number) {
    this.#compile = compile;
    this.#next = new Int32Array(slotCount);
    this.#last = new Int32Array(slotCount);
  }

  /** Add a slot under `key` (slots come in increasing order); true when the key is new. */
  add(key: K, slot: number): boolean {
    const first = this.#first.get(key);
    this.#next[slot] = -1;
    if (first === undefined) {
      this.#first.set(key, slot);
      this.#last[slot] = slot;
      return true;
    }
    this.#next[this.#last[first]!] = slot;
    this.#last[first] = slot;
    return false;
  }

  /** Whether `key` has a slot. */
  has(key: K): boolean {
    return this.#first.has(key);
  }

  /** `key`'s grants in slot order, compiled on the first call and kept. */
  get(key: K): Grant[] | undefined {
    const done = this.#lists.get(key);
    if (done) return done;
    const first = this.#first.get(key);
    if (first === undefined) return undefined;
    const list: Grant[] = [];
    for (let slot = first; slot >= 0; slot = this.#next[slot]!) list.push(this.#compile(slot));
    this.#lists.set(key, list);
    return list;
  }
}
