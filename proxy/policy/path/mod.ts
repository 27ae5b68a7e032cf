/**
 * A request target's path and query: canonicalise a path (and a path pattern) once, parse a
 * query string, and read its keys the ways an upstream might.
 *
 * @module
 */

export { keyReadings, queryReadings } from "./_query_keys.ts";
export type { QueryReading } from "./_query_keys.ts";
export { canonicalizePath, canonicalizePattern } from "./canonicalize_path.ts";
export type { CanonicalizeOptions, CanonicalPathResult } from "./canonicalize_path.ts";
export { parseQuery, queryProblem } from "./parse_query.ts";
