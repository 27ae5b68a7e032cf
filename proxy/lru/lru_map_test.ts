import assert from "node:assert/strict";
import { LruMap } from "./mod.ts";

/** The keys of `map` among `keys`, in the order given. */
function kept<K>(map: LruMap<K, unknown>, keys: K[]): K[] {
  return keys.filter((key) => map.has(key));
}

Deno.test("LruMap keeps at most its capacity, the oldest going first", () => {
  const map = new LruMap<number, string>(3);
  for (let i = 1; i <= 5; i++) map.set(i, `v${i}`);
  assert.equal(map.size, 3);
  assert.equal(map.capacity, 3);
  assert.deepEqual(kept(map, [1, 2, 3, 4, 5]), [3, 4, 5]);
  assert.equal(map.get(1), undefined);
});

Deno.test("LruMap.get() makes an entry the most recently used; peek() and has() do not", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  assert.equal(map.get("a"), 1);
  map.set("c", 3);
  assert.deepEqual(kept(map, ["a", "b", "c"]), ["a", "c"], "get() saved a");
  assert.equal(map.peek("a"), 1);
  assert.equal(map.has("a"), true);
  map.set("d", 4);
  assert.deepEqual(kept(map, ["a", "c", "d"]), ["c", "d"], "peek() and has() did not save a");
});

Deno.test("LruMap.set() over a key replaces its value, makes it newest and drops nothing", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2).set("a", 10);
  assert.equal(map.size, 2);
  assert.equal(map.peek("a"), 10);
  map.set("c", 3);
  assert.deepEqual(kept(map, ["a", "b", "c"]), ["a", "c"], "b was the oldest after a's overwrite");
});

Deno.test("LruMap.delete() removes one entry and frees its place", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  assert.equal(map.delete("a"), true);
  assert.equal(map.delete("a"), false);
  assert.equal(map.size, 1);
  map.set("c", 3);
  assert.deepEqual(kept(map, ["a", "b", "c"]), ["b", "c"], "c took a's place, b stayed");
});

Deno.test("LruMap keeps a stored undefined or null as an entry", () => {
  const map = new LruMap<string, string | null | undefined>(2);
  map.set("none", undefined).set("null", null);
  assert.equal(map.get("none"), undefined);
  map.set("x", "x");
  assert.deepEqual(kept(map, ["none", "null", "x"]), ["none", "x"], "get() moved the undefined");
  assert.equal(map.peek("none"), undefined);
});

Deno.test("LruMap of capacity 0 keeps nothing; a negative or fractional capacity is refused", () => {
  const map = new LruMap<string, number>(0);
  map.set("a", 1);
  assert.equal(map.size, 0);
  for (const capacity of [-1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => new LruMap(capacity), RangeError);
  }
});
