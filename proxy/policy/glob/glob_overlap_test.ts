import assert from "node:assert/strict";
import { compilePathGlob } from "./glob.ts";
import { globCovers, globsOverlap, globWithin } from "./glob_overlap.ts";

const cases: [string, string, boolean][] = [
  ["/repos/**", "/repos/*/*/actions/secrets/**", true],
  ["/repos/o/r/contents/**", "/repos/o/r/contents/.github/**", true],
  ["/repos/o/r/issues/**", "/repos/*/*/actions/**", false],
  ["/a/*", "/a/b/c", false],
  ["/a/**/b", "/a/b", true],
  ["**", "/x", true],
  ["/v1/*.json", "/v1/a/*", false],
  ["/v1/*.json", "/v2/**", false],
  ["/a/*", "/a/", true],
];

Deno.test("globsOverlap: known pairs", () => {
  for (const [a, b, want] of cases) {
    assert.equal(globsOverlap(a, b), want, `${a} ∩ ${b}`);
    assert.equal(globsOverlap(b, a), want, `${b} ∩ ${a}`);
  }
});

/** Every text over `/ab` up to `n` characters. */
function texts(n: number): string[] {
  let level = [""];
  const all = [""];
  for (let i = 0; i < n; i++) {
    level = level.flatMap((t) => ["/", "a", "b"].map((c) => t + c));
    all.push(...level);
  }
  return all;
}

Deno.test("globsOverlap and globCovers agree with compilePathGlob on every short text", () => {
  const pieces = ["/", "a", "b", "*", "**", "/**/"];
  const globs = new Set<string>();
  for (const x of pieces) for (const y of pieces) for (const z of pieces) globs.add(x + y + z);
  const all = texts(7);
  const list = [...globs];
  const matched = new Map(list.map((g) => [g, all.filter(compilePathGlob(g))]));
  for (const a of list) {
    for (const b of list) {
      const [ma, mb] = [matched.get(a)!, new Set(matched.get(b)!)];
      // Texts of 7 characters witness every overlap of these 3-piece globs.
      assert.equal(globsOverlap(a, b), ma.some((t) => mb.has(t)), `${a} ∩ ${b}`);
      if (globCovers(a, b)) assert(matched.get(b)!.every(compilePathGlob(a)), `${a} ⊇ ${b}`);
    }
  }
});

Deno.test("globWithin agrees with compilePathGlob on every short path, for one or two globs", () => {
  const pieces = ["/", "a", "*", "**", "/**/"];
  const globs = new Set<string>();
  for (const x of pieces) {
    for (const y of pieces) for (const z of pieces) globs.add(`/${x}${y}${z}`);
  }
  globs.add("**");
  const all = texts(7).filter((t) => t.startsWith("/"));
  const list = [...globs];
  const matched = new Map(list.map((g) => [g, new Set(all.filter(compilePathGlob(g)))]));
  const within = (g: string, union: string[]) =>
    [...matched.get(g)!].every((t) => union.some((u) => matched.get(u)!.has(t)));
  for (const g of list) {
    for (const a of list) {
      assert.equal(globWithin(g, [a]), within(g, [a]), `${g} ⊆ ${a}`);
    }
  }
  const few = list.filter((_, i) => i % 7 === 0);
  for (const g of few) {
    for (const a of few) {
      for (const b of few) {
        assert.equal(globWithin(g, [a, b]), within(g, [a, b]), `${g} ⊆ ${a} ∪ ${b}`);
      }
    }
  }
});
