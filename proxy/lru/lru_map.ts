/**
 * A `Map` with a size bound, for the caches that keep the last few answers of costly work
 * (loaded policies, TLS leaves, DNS answers, executables).
 *
 * @module
 */

/**
 * A map of at most `capacity` entries: setting one more drops the least recently used.
 *
 * `get()` and `set()` make an entry the most recently used; `peek()` and `has()` read without
 * doing so, which turns the map into first-in-first-out for a cache that wants that (say, one
 * whose entries expire anyway). It leans on `Map` keeping insertion order: the first key is the
 * oldest, and a use moves its entry to the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LruMap } from "./lru_map.ts";
 * const hosts = new LruMap<string, number>(2);
 * hosts.set("a.test", 1);
 * hosts.set("b.test", 2);
 * assert.equal(hosts.get("a.test"), 1); // a.test is now the most recently used
 * hosts.set("c.test", 3); // so b.test goes
 * assert.deepEqual([hosts.has("a.test"), hosts.has("b.test"), hosts.has("c.test")], [
 *   true,
 *   false,
 *   true,
 * ]);
 * assert.equal(hosts.size, 2);
 * ```
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;

  /**
   * An empty map that keeps at most `capacity` entries.
   *
   * @param capacity how many entries to keep (0 keeps none)
   * @throws {RangeError} when `capacity` is not a whole number of at least 0
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`Cannot bound a map to ${capacity} entries: give a whole number >= 0`);
    }
    this.#capacity = capacity;
  }

  /** How many entries the map keeps at most. */
  get capacity(): number {
    return this.#capacity;
  }

  /** How many entries the map holds now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, which becomes the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    // A stored undefined is still an entry: only a real miss skips the move.
    if (value === undefined && !this.#entries.has(key)) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value as V);
    return value;
  }

  /** The value under `key` without making it recently used; undefined when absent. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** True when `key` has an entry (its recency is left as it is). */
  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /**
   * Keep `value` under `key` as the most recently used entry (an old value under `key` is
   * replaced), then drop the least recently used while the map holds more than its capacity.
   */
  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.#capacity) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
    return this;
  }

  /** Remove the entry under `key`; true when there was one. */
  delete(key: K): boolean {
    return this.#entries.delete(key);
  }
}
