/**
 * Set questions about two path globs (the `*`/`**` globs of `glob.ts`, read by the same
 * `globNfa()`): can one path match both, and does one glob match every path the other does. The
 * org ceiling needs them: a ceiling deny that some request of a proposed grant could hit means
 * the grant reaches past the ceiling, which a few sample paths cannot tell.
 *
 * @module
 */

import { type GlobNfa as Nfa, globNfa, GLOBSTAR, STAR } from "./_glob_nfa.ts";

/** Stands for any character that neither glob names: only wildcards take it. */
const OTHER = -3;
/** Above this many state pairs the answer is "they may overlap" (fail closed). */
const MAX_PAIRS = 250_000;

/**
 * The states reachable from `s` without reading a character. `entering`: reached from the
 * state before; a `/**\/` globstar left by its own loop has matched something and must not
 * share its slash (as in `glob.ts`).
 */
function closure(n: Nfa, s: number, entering: boolean, out = new Set<number>()): Set<number> {
  if (!out.has(s)) {
    out.add(s);
    const e = n.elems[s];
    if (e === STAR || e === GLOBSTAR) closure(n, s + 1, true, out);
  }
  if (entering && n.skip[s]) closure(n, s + 2, true, out);
  return out;
}

/** The state after reading `c` in `s`, and whether it is entered (not a wildcard's loop). */
function step(n: Nfa, s: number, c: number, sep: number): [number, boolean] | undefined {
  const e = n.elems[s];
  if (e === undefined) return undefined;
  if (e === c) return [s + 1, true];
  if (e === GLOBSTAR || (e === STAR && c !== sep)) return [s, false];
  return undefined;
}

/**
 * True when some text matches both globs (exactly, as `compilePathGlob` matches). Very long
 * globs answer true without searching: callers use it to refuse, so doubt must refuse.
 * `wideA`: read `a` as a deny path is read (`compilePathGlob`'s `wide`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { globsOverlap } from "./glob_overlap.ts";
 * assert(globsOverlap("/repos/**", "/repos/*\/*\/actions/secrets/**"));
 * assert(!globsOverlap("/repos/o/r/issues/**", "/repos/*\/*\/actions/**"));
 * assert(globsOverlap("/admin**", "/admin/x", "/", true) && !globsOverlap("/admin**", "/admin/x"));
 * ```
 */
export function globsOverlap(a: string, b: string, separator = "/", wideA = false): boolean {
  const sep = separator.charCodeAt(0);
  const [na, nb] = [globNfa(a, separator, wideA), globNfa(b, separator)];
  if ((na.elems.length + 1) * (nb.elems.length + 1) > MAX_PAIRS) return true;
  const alphabet = new Set([sep, OTHER, ...[...na.elems, ...nb.elems].filter((c) => c >= 0)]);
  const width = nb.elems.length + 1;
  const seen = new Set<number>();
  const queue: number[] = [];
  const push = ([i, ie]: [number, boolean], [j, je]: [number, boolean]) => {
    for (const x of closure(na, i, ie)) {
      for (const y of closure(nb, j, je)) {
        if (!seen.has(x * width + y)) seen.add(x * width + y), queue.push(x * width + y);
      }
    }
  };
  push([0, true], [0, true]);
  while (queue.length > 0) {
    const pair = queue.pop()!;
    const [i, j] = [Math.floor(pair / width), pair % width];
    if (i === na.elems.length && j === nb.elems.length) return true;
    for (const c of alphabet) {
      const [x, y] = [step(na, i, c, sep), step(nb, j, c, sep)];
      if (x && y) push(x, y);
    }
  }
  return false;
}

/**
 * True when `outer` surely matches every text `inner` matches: the same glob, `**`, or
 * `PREFIX/**` (no wildcard in `PREFIX`) over a glob whose fixed start begins `PREFIX/`.
 * False means "not shown", never "shown not to".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { globCovers } from "./glob_overlap.ts";
 * assert(globCovers("/repos/**", "/repos/*\/*\/actions/**"));
 * assert(!globCovers("/repos/*\/*\/actions/**", "/repos/**"));
 * ```
 */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === "**") return true;
  if (!outer.endsWith("/**")) return false;
  const head = outer.slice(0, -2);
  const fixed = inner.split("*", 1)[0]!;
  return !head.includes("*") && fixed.startsWith(head);
}

/** Above this many (state, state set) nodes `globWithin` answers "not shown" (fail closed). */
const MAX_NODES = 20_000;

/**
 * True when every path (a text starting `/`; any text for another separator) that `glob`
 * matches is matched by one of `globs`, decided exactly (the union is read as one
 * deterministic automaton). Sample paths cannot tell this: `/a/**` and `/a/_w/_w` both pass `/a/*` + `/a/*\/*`, which miss `/a/b/c/d`.
 * An undecided search (very large globs) answers false: callers treat false as "not covered".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { globWithin } from "./glob_overlap.ts";
 * assert(globWithin("/a/*\/c", ["/a/**"]));
 * assert(!globWithin("/a/**", ["/a/*", "/a/*\/*"]));
 * assert(globWithin("**", ["/**"]));
 * ```
 */
export function globWithin(glob: string, globs: readonly string[], separator = "/"): boolean {
  const sep = separator.charCodeAt(0);
  // Request paths start with the separator: `**` asks for no more than `/**`.
  const p = globNfa(glob === "**" && separator === "/" ? "/**" : glob, separator);
  const union = globs.map((g) => globNfa(g, separator));
  const alphabet = new Set([sep, OTHER]);
  for (const n of [p, ...union]) for (const c of n.elems) if (c >= 0) alphabet.add(c);
  const width = Math.max(0, ...union.map((n) => n.elems.length)) + 1;
  const seen = new Set<string>();
  const queue: [number, number[]][] = [];
  const push = ([i, ie]: [number, boolean], set: number[]) => {
    const key = set.join(",");
    for (const x of closure(p, i, ie)) {
      if (!seen.has(`${x}|${key}`)) seen.add(`${x}|${key}`), queue.push([x, set]);
    }
  };
  const start = union.flatMap((n, k) => [...closure(n, 0, true)].map((s) => k * width + s));
  push([0, true], [...new Set(start)].sort((a, b) => a - b));
  while (queue.length > 0) {
    if (seen.size > MAX_NODES) return false;
    const [i, set] = queue.pop()!;
    const accepted = set.some((ks) => ks % width === union[Math.floor(ks / width)]!.elems.length);
    if (i === p.elems.length && !accepted) return false;
    for (const c of alphabet) {
      const x = step(p, i, c, sep);
      if (x) push(x, stepUnion(union, set, c, sep, width));
    }
  }
  return true;
}

/** The union's state set after reading `c`, closed. */
function stepUnion(union: Nfa[], set: number[], c: number, sep: number, width: number): number[] {
  const out = new Set<number>();
  for (const ks of set) {
    const k = Math.floor(ks / width);
    const next = step(union[k]!, ks % width, c, sep);
    if (next) { for (const s of closure(union[k]!, next[0], next[1])) out.add(k * width + s); }
  }
  return [...out].sort((a, b) => a - b);
}
