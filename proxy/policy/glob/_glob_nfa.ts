/**
 * The one reading of a `*`/`**` glob, shared by the matcher (`glob.ts`) and the set questions
 * (`glob_overlap.ts`) so that they can never disagree. It follows what OpenShell runs:
 * regorus's `glob.match`, which hands the pattern to the `globset` crate with a literal
 * separator (for `.` it first rewrites each `.` as `/./`).
 *
 * - `*` matches within one segment (never the separator).
 * - `**` is a globstar only as a whole segment (`**\/x`, `x/**`, `x/**\/y`, `**`); anywhere
 *   else (`/a/b**`, `v**`) it is two `*`, so it stays within its segment.
 * - With `/`: a leading `**\/` and a middle `/**\/` may also match no segment at all (`/a/**\/b`
 *   admits `/a/b`); with `.` they may not (`x.**.y` needs two dots), as globset sees `/./`.
 *
 * @module
 */

/** `*`: any run of characters other than the separator. */
export const STAR: -1 = -1;
/** `**`: any run of characters. */
export const GLOBSTAR: -2 = -2;

/** A glob as a chain of states: a character code, `STAR` or `GLOBSTAR` each. */
export interface GlobNfa {
  /** The states in order: a character code, `STAR` or `GLOBSTAR` each. */
  elems: number[];
  /** `skip[i]`: the globstar at `i` may be passed with the separator after it, unread. */
  skip: boolean[];
}

/** globset's tokens for a whole-segment `**`: prefix `**\/`, suffix `/**`, middle `/**\/`. */
type Token = number | "prefix" | "suffix" | "middle" | "cross";

/**
 * Read `pattern` for `separator` (`/` for paths and binaries, `.` for query values). `wide`:
 * a `**` inside a segment crosses separators too (a deny path's reading).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GLOBSTAR, globNfa, STAR } from "./_glob_nfa.ts";
 * assert.deepEqual(globNfa("/a**", "/").elems, [47, 97, STAR]);
 * assert.deepEqual(globNfa("/**", "/").elems, [47, GLOBSTAR]);
 * ```
 */
export function globNfa(pattern: string, separator: string, wide = false): GlobNfa {
  const tokens = tokenize(pattern, separator, wide);
  // globset: a glob that is one leading `**\/` (`**`, `**\/`, `**\/**`) matches everything.
  if (tokens.length === 1 && tokens[0] === "prefix") return { elems: [GLOBSTAR], skip: [] };
  const sep = separator.charCodeAt(0);
  const elems: number[] = [];
  const skip: boolean[] = [];
  for (const t of tokens) {
    if (typeof t === "number") elems.push(t);
    else if (t === "cross") elems.push(GLOBSTAR);
    else if (t === "suffix") elems.push(sep, GLOBSTAR);
    else {
      if (t === "middle") elems.push(sep);
      skip[elems.length] = true;
      elems.push(GLOBSTAR, sep);
    }
  }
  return { elems, skip };
}

function tokenize(pattern: string, separator: string, wide: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== "*") {
      out.push(pattern.charCodeAt(i));
      continue;
    }
    if (pattern[i + 1] !== "*") {
      out.push(STAR);
      continue;
    }
    const prev = pattern[i - 1];
    const next = pattern[i + 2];
    i++;
    const whole = (prev === undefined || prev === separator) &&
      (next === undefined || next === separator);
    // globset's two `*`: one segment; a deny read `wide` lets them cross (see glob.ts).
    if (!whole) out.push(wide ? "cross" : STAR);
    // Under `.` the dots stay literal and the globstar never shrinks (globset sees `/./`).
    else if (separator !== "/") out.push("cross");
    else out.push(globstar(out, next === undefined));
    if (whole && separator === "/" && next !== undefined) i++;
  }
  return out;
}

/** globset's parse_star for a whole-segment `**` under `/`: it replaces the `/` before it. */
function globstar(out: Token[], atEnd: boolean): Token {
  if (out.length === 0) return "prefix";
  const last = out.pop();
  if (last === "prefix" || last === "suffix") return last;
  return atEnd ? "suffix" : "middle";
}
