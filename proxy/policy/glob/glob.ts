/**
 * Globs over `/`-separated paths (request paths, binary paths) and over plain strings (query
 * values). Compiled once into a predicate; only `*` and `**` are special.
 *
 * @module
 */

import { type GlobNfa, globNfa, GLOBSTAR, STAR } from "./_glob_nfa.ts";

/** A compiled glob. */
export type GlobMatcher = (text: string) => boolean;

/**
 * Compile a path glob: `*` matches within one segment; `**` as a whole segment matches across
 * `/` (a whole `/**\/` segment also matches a single `/`), elsewhere (`/a/b**`) it is `*`, as
 * in OpenShell's `glob.match` (see `_glob_nfa.ts`). The pattern `**` alone matches
 * everything. A pattern without wildcards is compared exactly. `separator` is `/` for paths;
 * query globs pass `.` (OPA's default delimiter, which OpenShell's query matching uses).
 *
 * Matching never backtracks: patterns with several wildcards run as a small NFA over the
 * path, so its cost is bounded by path length × pattern length whatever the input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePathGlob } from "./glob.ts";
 * const m = compilePathGlob("/repos/*\/issues/**");
 * assert(m("/repos/o/issues/1/comments") && !m("/repos/o/r/issues/1"));
 * assert(!compilePathGlob("v*", ".")("v1.2") && compilePathGlob("v*.*", ".")("v1.2"));
 * assert(!compilePathGlob("/a/b**")("/a/b/c") && compilePathGlob("/a/b**")("/a/bc"));
 * assert(compilePathGlob("/admin**", "/", true)("/admin/users")); // a deny's reading
 * ```
 *
 * @param wide A deny path's reading: a `**` inside a segment (`/admin**`) also crosses `/`, as
 *   Tollgate read it before matching OpenShell; an allow never reads wider than OpenShell, a
 *   deny never narrower than a person who wrote `/admin**` may have meant.
 */
export function compilePathGlob(pattern: string, separator = "/", wide = false): GlobMatcher {
  if (!pattern.includes("*")) return (text) => text === pattern;
  const nfa = globNfa(pattern, separator, wide);
  const { elems } = nfa;
  if (elems.length === 1 && elems[0] === GLOBSTAR) return () => true;
  const sep = separator.charCodeAt(0);
  const first = elems.findIndex((e) => e < 0);
  const last = elems.findLastIndex((e) => e < 0);
  const prefix = String.fromCharCode(...elems.slice(0, first));
  // A skippable globstar's `/` after it may go unread: the fixed suffix starts past it.
  const suffix = String.fromCharCode(...elems.slice(last + (nfa.skip[last] ? 2 : 1)));
  const fits = (t: string) => t.startsWith(prefix) && t.endsWith(suffix);
  if (first === last && !nfa.skip[first]) {
    const crosses = elems[first] === GLOBSTAR;
    const min = prefix.length + suffix.length;
    return (t) =>
      t.length >= min && fits(t) &&
      (crosses || !t.slice(prefix.length, t.length - suffix.length).includes(separator));
  }
  const machine = new PathNfa(nfa, sep);
  return (t) => fits(t) && machine.matches(t);
}

/** A Thompson-style NFA over a path glob: one state per pattern character or wildcard. */
class PathNfa {
  readonly #elems: number[];
  readonly #skipSegment: boolean[];
  readonly #separator: number;
  #seen: Int32Array;
  #skipped: Int32Array;
  #gen = 0;

  constructor(nfa: GlobNfa, separator: number) {
    this.#separator = separator;
    this.#elems = nfa.elems;
    this.#skipSegment = nfa.skip;
    this.#seen = new Int32Array(this.#elems.length + 1);
    this.#skipped = new Int32Array(this.#elems.length + 1);
  }

  matches(text: string): boolean {
    let current: number[] = [];
    this.#gen++;
    this.#add(current, 0);
    for (let p = 0; p < text.length && current.length > 0; p++) {
      const c = text.charCodeAt(p);
      const next: number[] = [];
      this.#gen++;
      for (const s of current) {
        const e = this.#elems[s];
        if (e === c) this.#add(next, s + 1);
        // Staying in a globstar that has now matched something: its `/` shortcut is gone.
        else if (e === GLOBSTAR || (e === STAR && c !== this.#separator)) this.#add(next, s, false);
      }
      current = next;
    }
    return current.includes(this.#elems.length);
  }

  /**
   * Add state `s` and what it reaches without reading. `entering`: `s` is reached from the
   * state before it, so a `/**\/` globstar may still match nothing and share its one `/`
   * with the slash before it; once it has matched characters, the slash after it must come.
   */
  #add(set: number[], s: number, entering = true): void {
    if (this.#seen[s] !== this.#gen) {
      this.#seen[s] = this.#gen;
      set.push(s);
      const e = this.#elems[s];
      if (e === STAR || e === GLOBSTAR) this.#add(set, s + 1);
    }
    if (entering && this.#skipSegment[s] && this.#skipped[s] !== this.#gen) {
      this.#skipped[s] = this.#gen;
      this.#add(set, s + 2);
    }
  }
}

/**
 * Compile a glob over a plain string (query values): `*` and `**` match any characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileStringGlob } from "./glob.ts";
 * assert(compileStringGlob("git-*")("git-upload-pack"));
 * ```
 */
export function compileStringGlob(pattern: string): GlobMatcher {
  if (!pattern.includes("*")) return (text) => text === pattern;
  const pieces = pattern.split(/\*+/);
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const inner = pieces.slice(1, -1);
  return (text) => {
    if (text.length < head.length + tail.length) return false;
    if (!text.startsWith(head) || !text.endsWith(tail)) return false;
    // Leftmost placement of each inner piece is optimal when `*` matches anything.
    let at = head.length;
    const end = text.length - tail.length;
    for (const piece of inner) {
      const found = text.indexOf(piece, at);
      if (found === -1 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}
