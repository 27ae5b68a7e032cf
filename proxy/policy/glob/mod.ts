/**
 * Path globs: compile a glob to a matcher over one small NFA, and compare two globs
 * (overlap, cover, within) without enumerating paths.
 *
 * @module
 */

export { globNfa, GLOBSTAR, STAR } from "./_glob_nfa.ts";
export type { GlobNfa } from "./_glob_nfa.ts";
export { compilePathGlob, compileStringGlob } from "./glob.ts";
export type { GlobMatcher } from "./glob.ts";
export { globCovers, globsOverlap, globWithin } from "./glob_overlap.ts";
