/**
 * The one walk over a urlencoded text's pairs, for the query's readings and a body's form
 * reading alike: a pass over its characters, no array of pairs, so a caller can stop early and
 * decode only the keys it needs.
 *
 * @module
 */

const AMPERSAND = 0x26;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;

/**
 * What a walk is told of each pair: where it starts, its first `=` (`end` when it has none) and
 * where it ends. Returning true stops the walk.
 */
export type PairVisit = (start: number, eq: number, end: number) => boolean | void;

/**
 * Visits the non-empty pairs of `text` in order. Pairs end at `&`, and at `;` too when
 * `semicolons` (Rack 2 and Python before 3.9.2 read them so).
 *
 * @returns Whether a visit stopped the walk.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { walkPairs } from "./_walk_pairs.ts";
 * const keys: string[] = [];
 * walkPairs("a=1&&b;c=2", true, (start, eq) => void keys.push("a=1&&b;c=2".slice(start, eq)));
 * assert.deepEqual(keys, ["a", "b", "c"]);
 * ```
 */
export function walkPairs(text: string, semicolons: boolean, visit: PairVisit): boolean {
  let start = 0;
  let eq = -1;
  for (let at = 0; at <= text.length; at++) {
    const code = at < text.length ? text.charCodeAt(at) : AMPERSAND;
    if (code === EQUALS) {
      if (eq < 0) eq = at;
      continue;
    }
    if (code !== AMPERSAND && (code !== SEMICOLON || !semicolons)) continue;
    if (at > start && visit(start, eq < 0 ? at : eq, at) === true) return true;
    start = at + 1;
    eq = -1;
  }
  return false;
}
