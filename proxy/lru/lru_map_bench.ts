/**
 * `LruMap` beside the hand-written `Map` code it replaced (`deno bench proxy/lru/`): a hit that
 * refreshes recency, a peek, and a set that drops the oldest, at the policy cache's and the
 * executable cache's sizes.
 *
 * @module
 */

import { LruMap } from "./mod.ts";

const KEYS = Array.from({ length: 8192 }, (_, i) => `host-${i}.example:443`);

/** The hand-written copy, as the six caches had it before `LruMap`. */
class HandWritten<V> {
  readonly map = new Map<string, V>();
  constructor(readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}

for (const capacity of [8, 4096]) {
  const old = new HandWritten<number>(capacity);
  const lru = new LruMap<string, number>(capacity);
  for (let i = 0; i < capacity; i++) [old.set(KEYS[i]!, i), lru.set(KEYS[i]!, i)];
  let at = 0;
  const group = `get hit, ${capacity} entries`;
  Deno.bench(`hand-written Map: ${group}`, { group, baseline: true }, () => {
    old.get(KEYS[at++ % capacity]!);
  });
  Deno.bench(`LruMap: ${group}`, { group }, () => {
    lru.get(KEYS[at++ % capacity]!);
  });
  Deno.bench(`LruMap.peek: ${group}`, { group }, () => {
    lru.peek(KEYS[at++ % capacity]!);
  });
  const setGroup = `set a new key, ${capacity} entries (drops the oldest)`;
  Deno.bench(`hand-written Map: ${setGroup}`, { group: setGroup, baseline: true }, () => {
    old.set(KEYS[at++ % KEYS.length]!, at);
  });
  Deno.bench(`LruMap: ${setGroup}`, { group: setGroup }, () => {
    lru.set(KEYS[at++ % KEYS.length]!, at);
  });
}
